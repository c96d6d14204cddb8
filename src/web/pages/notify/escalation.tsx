/**
 * Escalation policies: while an alert stays unacknowledged, each level (1-5) notifies its
 * channels and whoever is on call in its schedule, a delay after the level before. One policy
 * is the default, used by rules that name none.
 */
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { EscalationPolicyFields, EscalationPolicyPatch } from "../../../http/api/bodies/notify";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useForm } from "../../lib/form";
import { useUrlState } from "../../lib/url-state";
import { Button, Checkbox, ConfirmButton, SelectField, TextArea, TextField } from "../../ui/controls";
import { Card, Modal, PageHeader } from "../../ui/layout";
import { Empty, Pagination, QueryView } from "../../ui/table";
import { toast } from "../../ui/toast";
import { CheckGroup, numberOrAbsent, useAction, useAllChannels, useAllSchedules, WhenLoaded } from "./parts";
import { errorAt, PATHS, type Channel, type Policy, type Schedule } from "./types";

const LIMIT = 50;
const MAX_LEVELS = 5;

interface LevelForm {
  delayMinutes: string;
  channelIds: string[];
  scheduleId: string;
}
const newLevel = (): LevelForm => ({ delayMinutes: "15", channelIds: [], scheduleId: "" });

function LevelsEditor({ levels, onChange, errors, channels, schedules }: { levels: LevelForm[]; onChange: (l: LevelForm[]) => void; errors: Record<string, string>; channels: Channel[]; schedules: Schedule[] }) {
  const set = (i: number, patch: Partial<LevelForm>) => onChange(levels.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  return (
    <div className="stack notify-levels">
      {levels.map((l, i) => (
        <fieldset key={i} className="notify-level">
          <legend>Level {i + 1}</legend>
          <div className="form-grid">
            <TextField label={i === 0 ? "After the alert opens (minutes)" : `After level ${i} (minutes)`} inputMode="numeric" value={l.delayMinutes} onChange={(delayMinutes) => set(i, { delayMinutes })} error={errors[`levels.${i}.delayMinutes`]} />
            <SelectField label="On-call schedule" value={l.scheduleId} onChange={(scheduleId) => set(i, { scheduleId })} options={[{ value: "", label: "None" }, ...schedules.map((s) => ({ value: s.scheduleId, label: s.name }))]} error={errors[`levels.${i}.scheduleId`]} hint="Whoever is on call there is notified too." />
          </div>
          {channels.length ? (
            <CheckGroup legend="Channels" options={channels.map((c) => ({ value: c.channelId, label: c.name }))} value={l.channelIds} onChange={(channelIds) => set(i, { channelIds })} error={errorAt(errors, `levels.${i}.channelIds`)} />
          ) : (
            <p className="muted">No channels yet: create some under Channels & routing.</p>
          )}
          {!l.channelIds.length && !l.scheduleId ? <p className="field-hint">This level notifies no one: pick a channel or a schedule.</p> : null}
          <Button variant="ghost" disabled={levels.length === 1} onClick={() => onChange(levels.filter((_, j) => j !== i))}>Remove level {i + 1}</Button>
        </fieldset>
      ))}
      {errors.levels ? <div className="field-error" role="alert">{errors.levels}</div> : null}
      <div>
        <Button disabled={levels.length >= MAX_LEVELS} onClick={() => onChange([...levels, newLevel()])}>Add level</Button>
        {levels.length >= MAX_LEVELS ? <span className="muted"> At most {MAX_LEVELS} levels.</span> : null}
      </div>
    </div>
  );
}

function PolicyForm({ policy, channels, schedules, onDone }: { policy: Policy | null; channels: Channel[]; schedules: Schedule[]; onDone: () => void }) {
  const qc = useQueryClient();
  const initial = {
    name: policy?.name ?? "",
    description: policy?.description ?? "",
    isDefault: policy?.isDefault ?? false,
    levels: policy?.levels.map((l) => ({ delayMinutes: String(l.delayMinutes), channelIds: l.channelIds, scheduleId: l.scheduleId ?? "" })) ?? [newLevel()],
  };
  const form = useForm(initial, policy ? EscalationPolicyPatch : EscalationPolicyFields, async (body) => {
    const saved = policy ? await api.patch<Policy>(`${PATHS.policies}/${policy.policyId}`, body) : await api.post<Policy>(PATHS.policies, body);
    toast(policy ? `Saved ${saved.name}` : `Created ${saved.name}`);
    await qc.invalidateQueries({ queryKey: ["escalation"] });
    onDone();
  }, (v) => ({
    ...v,
    description: v.description.trim() || null,
    levels: v.levels.map((l) => ({ delayMinutes: numberOrAbsent(l.delayMinutes), channelIds: l.channelIds, scheduleId: l.scheduleId || undefined })),
  }));
  const v = form.values;
  return (
    <form onSubmit={(e) => void form.submit(e)} noValidate>
      <div className="form-grid">
        <TextField label="Name" required value={v.name} onChange={(x) => form.set("name", x)} error={form.errors.name} />
        <TextArea label="Description" value={v.description} onChange={(x) => form.set("description", x)} error={form.errors.description} rows={2} />
      </div>
      <Checkbox label="Default policy: used by rules that name none (replaces the current default)" checked={v.isDefault} onChange={(x) => form.set("isDefault", x)} />
      <h3 className="notify-subhead">Levels</h3>
      <LevelsEditor levels={v.levels} onChange={(x) => form.set("levels", x)} errors={form.errors} channels={channels} schedules={schedules} />
      {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onDone}>Cancel</Button>
        <Button variant="primary" type="submit" busy={form.busy}>{policy ? "Save" : "Create policy"}</Button>
      </div>
    </form>
  );
}

function PolicyCard({ p, names, write, onEdit }: { p: Policy; names: { channel: (id: string) => string; schedule: (id: string) => string }; write: boolean; onEdit: () => void }) {
  const { busy, run } = useAction();
  const keys = [["escalation"]];
  const actions = write ? (
    <div className="row">
      {!p.isDefault ? <Button busy={busy === "default"} onClick={() => void run("default", () => api.patch(`${PATHS.policies}/${p.policyId}`, { isDefault: true }), { ok: `${p.name} is the default now`, keys })}>Make default</Button> : null}
      <Button onClick={onEdit} aria-label={`Edit ${p.name}`}>Edit</Button>
      <ConfirmButton busy={busy === "delete"} confirm={`Delete ${p.name}? Its alerts move to the default policy.`} onConfirm={() => void run("delete", () => api.del(`${PATHS.policies}/${p.policyId}`), { ok: `Deleted ${p.name}`, keys })}>Delete</ConfirmButton>
    </div>
  ) : undefined;
  return (
    <Card title={<>{p.name} {p.isDefault ? <span className="badge badge-ok">default</span> : null}</>} actions={actions}>
      {p.description ? <p className="muted notify-note">{p.description}</p> : null}
      <ol className="notify-level-list">
        {p.levels.map((l, i) => (
          <li key={i}>
            <strong>{i === 0 ? `After ${l.delayMinutes} min` : `${l.delayMinutes} min later`}</strong>
            {": "}
            {[...l.channelIds.map(names.channel), ...(l.scheduleId ? [`on call in ${names.schedule(l.scheduleId)}`] : [])].join(", ") || <span className="muted">no one</span>}
          </li>
        ))}
      </ol>
    </Card>
  );
}

export default function EscalationPage() {
  const { me } = useAuth();
  const write = canWrite(me);
  const [url, setUrl] = useUrlState({ offset: "0" });
  const offset = Number(url.offset) || 0;
  const query = useQuery({ queryKey: ["escalation", { offset }], queryFn: () => api.get<Page<Policy>>(PATHS.policies, { limit: LIMIT, offset }) });
  const channels = useAllChannels();
  const schedules = useAllSchedules();
  const [editing, setEditing] = useState<Policy | "new" | null>(null);
  const names = {
    channel: (id: string) => channels.data?.items.find((c) => c.channelId === id)?.name ?? "a deleted channel",
    schedule: (id: string) => schedules.data?.items.find((s) => s.scheduleId === id)?.name ?? "a deleted schedule",
  };
  return (
    <>
      <PageHeader
        title="Escalation"
        subtitle="Who is told next while an alert stays unacknowledged."
        actions={write ? <Button variant="primary" onClick={() => setEditing("new")}>New policy</Button> : undefined}
      />
      <QueryView query={query}>
        {(data) =>
          data.items.length ? (
            <div className="stack">
              {data.items.map((p) => <PolicyCard key={p.policyId} p={p} names={names} write={write} onEdit={() => setEditing(p)} />)}
              <Pagination total={data.total} limit={LIMIT} offset={offset} onChange={(o) => setUrl({ offset: String(o) })} />
            </div>
          ) : (
            <Empty>No escalation policies: an unacknowledged alert is notified once. {write ? "Create a policy to tell more people as time passes." : ""}</Empty>
          )
        }
      </QueryView>
      <Modal open={editing !== null} title={editing === "new" ? "New escalation policy" : `Edit ${editing?.name ?? ""}`} onClose={() => setEditing(null)} wide>
        <WhenLoaded queries={[channels, schedules]}>
          {() => <PolicyForm policy={editing === "new" ? null : editing} channels={channels.data?.items ?? []} schedules={schedules.data?.items ?? []} onDone={() => setEditing(null)} />}
        </WhenLoaded>
      </Modal>
    </>
  );
}
