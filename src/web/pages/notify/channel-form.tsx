/**
 * Creating and editing a notification channel: the fields of each channel type, with stored
 * secrets never shown and kept unless replaced or removed. `ConfigFields` also edits a message
 * route's webhook destination, which has the same shape.
 */
import { useQueryClient } from "@tanstack/react-query";
import { ChannelFields, ChannelPatch, CHANNEL_TYPES } from "../../../http/api/bodies/notify";
import { api } from "../../lib/api";
import { useForm } from "../../lib/form";
import { Button, Checkbox, SelectField, TextArea, TextField } from "../../ui/controls";
import { toast } from "../../ui/toast";
import { compact, configToForm, emptyConfigForm, formToConfig, type ConfigForm, type Stored } from "./channel-config";
import { CHANNEL_LABELS, errorAt, PATHS, type Channel, type ChannelType } from "./types";

type Props = { type: ChannelType; cfg: ConfigForm; set: (patch: Partial<ConfigForm>) => void; errors: Record<string, string>; prefix: string; stored: Stored | null };

function SecretField({ label, value, onChange, error, stored, optional, remove, onRemove }: { label: string; value: string; onChange: (v: string) => void; error?: string; stored: boolean; optional?: string; remove?: boolean; onRemove?: (v: boolean) => void }) {
  const hint = stored ? "A value is stored and stays unless you type a new one." : optional;
  return (
    <div>
      <TextField label={label} type="password" autoComplete="new-password" value={value} onChange={onChange} error={error} hint={hint} placeholder={stored ? "•••••• (stored)" : undefined} disabled={remove} />
      {stored && onRemove ? <Checkbox label={`Remove the stored ${label.toLowerCase()}`} checked={!!remove} onChange={onRemove} /> : null}
    </div>
  );
}

export function WebhookFields({ cfg, set, errors, prefix, stored }: Omit<Props, "type">) {
  const e = (k: string) => errorAt(errors, `${prefix}.${k}`);
  return (
    <>
      <div className="form-grid">
        <TextField label="URL" type="url" required value={cfg.url} onChange={(url) => set({ url })} error={e("url")} placeholder="https://hooks.example.com/pulse" />
        <SelectField label="Method" value={cfg.method} onChange={(m) => set({ method: m === "PUT" ? "PUT" : "POST" })} options={["POST", "PUT"]} error={e("method")} />
        <SecretField
          label="Signing secret"
          value={cfg.secret}
          onChange={(secret) => set({ secret })}
          error={e("secret")}
          stored={!!stored?.secret}
          optional="Optional, 16+ characters: each request is signed (X-Pulse-Signature)."
          remove={cfg.removeSecret}
          onRemove={(removeSecret) => set({ removeSecret, secret: "" })}
        />
      </div>
      <TextArea
        label="Headers"
        className="mono"
        value={cfg.headers}
        onChange={(headers) => set({ headers })}
        error={e("headers")}
        hint={stored ? "One per line, Name: value. Values shown as *** are stored ones and are kept; changing the URL's host means typing them again." : "One per line, Name: value (at most 20)."}
        rows={3}
      />
    </>
  );
}

function EmailFields({ cfg, set, errors, prefix, stored }: Omit<Props, "type">) {
  const e = (k: string) => errorAt(errors, `${prefix}.${k}`);
  return (
    <div className="form-grid">
      <TextField label="SMTP host" required value={cfg.smtpHost} onChange={(smtpHost) => set({ smtpHost })} error={e("smtp.host")} placeholder="smtp.example.com" />
      <TextField label="SMTP port" inputMode="numeric" value={cfg.smtpPort} onChange={(smtpPort) => set({ smtpPort })} error={e("smtp.port")} />
      <TextField label="User name" autoComplete="off" value={cfg.username} onChange={(username) => set({ username })} error={e("smtp.username")} />
      <SecretField label="Password" value={cfg.password} onChange={(password) => set({ password })} error={e("smtp.password")} stored={!!stored?.password} remove={cfg.removePassword} onRemove={(removePassword) => set({ removePassword, password: "" })} />
      <TextField label="From" type="email" required value={cfg.from} onChange={(from) => set({ from })} error={e("smtp.from")} placeholder="pulse@example.com" />
      <TextArea label="To" required value={cfg.to} onChange={(to) => set({ to })} error={e("to")} hint="Addresses separated by commas or lines (at most 50)." rows={2} />
      <TextArea label="Cc" value={cfg.cc} onChange={(cc) => set({ cc })} error={e("cc")} rows={2} />
      <div className="stack notify-tight">
        <Checkbox label="Implicit TLS (usually port 465)" checked={cfg.secure} onChange={(secure) => set({ secure })} />
        <Checkbox label="Require STARTTLS" checked={cfg.requireTls} onChange={(requireTls) => set({ requireTls })} />
      </div>
    </div>
  );
}

/** The fields of one channel type; `stored` (editing the same type) switches secrets to keep-unless-typed. */
export function ConfigFields({ type, ...p }: Props) {
  const e = (k: string) => errorAt(p.errors, `${p.prefix}.${k}`);
  const keepHint = (what: string) => (p.stored?.masked ? `Stored: ${p.stored.masked}. Leave empty to keep it.` : what);
  if (type === "webhook") return <WebhookFields {...p} />;
  if (type === "email") return <EmailFields {...p} />;
  if (type === "pagerduty") {
    return (
      <div className="form-grid">
        <TextField label="Routing key" type="password" autoComplete="new-password" required={!p.stored} value={p.cfg.routingKey} onChange={(routingKey) => p.set({ routingKey })} error={e("routingKey")} hint={keepHint("The Events API v2 integration key (20-64 characters).")} />
        <TextField label="Events API URL" type="url" value={p.cfg.eventsUrl} onChange={(eventsUrl) => p.set({ eventsUrl })} error={e("eventsUrl")} placeholder="https://events.pagerduty.com/v2/enqueue" hint="Leave empty for PagerDuty's own." />
      </div>
    );
  }
  return (
    <TextField
      label="Incoming webhook URL"
      type="url"
      required={!p.stored}
      value={p.cfg.webhookUrl}
      onChange={(webhookUrl) => p.set({ webhookUrl })}
      error={e("webhookUrl")}
      hint={keepHint(type === "slack" ? "From the Slack app's Incoming Webhooks page." : "From the Teams channel's Workflows (or connector) settings.")}
    />
  );
}

interface Values {
  name: string;
  channelType: ChannelType;
  enabled: boolean;
  cfg: ConfigForm;
}

/** The create/edit form; rendered inside a Modal, so it mounts fresh each time it opens. */
export function ChannelForm({ channel, onDone }: { channel: Channel | null; onDone: () => void }) {
  const qc = useQueryClient();
  const start = channel ? configToForm(channel.channelType, channel.config) : { form: emptyConfigForm(), stored: null };
  const initial: Values = { name: channel?.name ?? "", channelType: channel?.channelType ?? "webhook", enabled: channel?.enabled ?? true, cfg: start.form };
  const keep = (v: Values) => !!channel && v.channelType === channel.channelType;
  const form = useForm(initial, channel ? ChannelPatch : ChannelFields, async (body) => {
    const saved = channel ? await api.patch<Channel>(`${PATHS.channels}/${channel.channelId}`, body) : await api.post<Channel>(PATHS.channels, body);
    toast(channel ? `Saved ${saved.name}` : `Created ${saved.name}`);
    await qc.invalidateQueries({ queryKey: ["channels"] });
    onDone();
  }, (v) => ({ name: v.name, channelType: v.channelType, enabled: v.enabled, config: compact(formToConfig(v.channelType, v.cfg, keep(v))) }));
  const v = form.values;
  const stored = keep(v) ? start.stored : null;
  return (
    <form onSubmit={(e) => void form.submit(e)} noValidate>
      {channel ? <p className="muted notify-note">Secrets are never shown again. Leave a secret field empty to keep the stored value, or type a new one to replace it.</p> : null}
      <div className="form-grid">
        <TextField label="Name" required value={v.name} onChange={(x) => form.set("name", x)} error={form.errors.name} />
        <SelectField label="Type" value={v.channelType} onChange={(x) => form.set("channelType", x as ChannelType)} options={CHANNEL_TYPES.map((t) => ({ value: t, label: CHANNEL_LABELS[t] }))} error={form.errors.channelType} />
      </div>
      <ConfigFields type={v.channelType} cfg={v.cfg} set={(patch) => form.set("cfg", { ...v.cfg, ...patch })} errors={form.errors} prefix="config" stored={stored} />
      <Checkbox label="Enabled: notices are sent through this channel" checked={v.enabled} onChange={(x) => form.set("enabled", x)} />
      {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onDone}>Cancel</Button>
        <Button variant="primary" type="submit" busy={form.busy}>{channel ? "Save" : "Create channel"}</Button>
      </div>
    </form>
  );
}
