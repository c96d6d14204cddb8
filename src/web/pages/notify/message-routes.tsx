/**
 * Message routes: device messages picked by an MQTT-style topic filter and a payload filter,
 * forwarded to a webhook or republished over MQTT. "Test" checks a sample message against both
 * filters (and can make one real delivery).
 */
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { DESTINATIONS, MessageRouteFields, MessageRoutePatch } from "../../../http/api/bodies/notify";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useForm } from "../../lib/form";
import { useUrlState } from "../../lib/url-state";
import { Button, Checkbox, ConfirmButton, SelectField, TextArea, TextField } from "../../ui/controls";
import { Modal, PageHeader } from "../../ui/layout";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { compact, configToForm, emptyConfigForm, formToConfig } from "./channel-config";
import { WebhookFields } from "./channel-form";
import { RouteTest } from "./message-route-test";
import { EnabledBadge, useAction } from "./parts";
import { parseJsonObject } from "./route-sample";
import { errorAt, PATHS, type MessageRoute } from "./types";

const LIMIT = 50;
const DEST_LABELS: Record<MessageRoute["destinationType"], string> = { webhook: "Webhook", mqtt_republish: "MQTT republish" };

const destination = (r: MessageRoute) => String(r.destinationType === "webhook" ? r.destinationConfig.url : r.destinationConfig.topic);

function RouteForm({ route, tenantId, onDone }: { route: MessageRoute | null; tenantId: string; onDone: () => void }) {
  const qc = useQueryClient();
  const stored = route?.destinationType === "webhook" ? configToForm("webhook", route.destinationConfig) : { form: emptyConfigForm(), stored: null };
  const mqtt = route?.destinationType === "mqtt_republish" ? route.destinationConfig : {};
  const initial = {
    name: route?.name ?? "",
    topicFilter: route?.topicFilter ?? `tenant/${tenantId}/device/+/telemetry`,
    payloadFilter: route && Object.keys(route.payloadFilter).length ? JSON.stringify(route.payloadFilter, null, 2) : "",
    destinationType: route?.destinationType ?? ("webhook" as MessageRoute["destinationType"]),
    cfg: stored.form,
    topic: String(mqtt.topic ?? "tenant/{tenant}/"),
    qos: String(mqtt.qos ?? 1),
    retain: mqtt.retain === true,
    enabled: route?.enabled ?? true,
  };
  const keep = (t: string) => !!route && route.destinationType === "webhook" && t === "webhook";
  const form = useForm(initial, route ? MessageRoutePatch : MessageRouteFields, async (body) => {
    const saved = route ? await api.patch<MessageRoute>(`${PATHS.messageRoutes}/${route.routeId}`, body) : await api.post<MessageRoute>(PATHS.messageRoutes, body);
    toast(route ? `Saved ${saved.name}` : `Created ${saved.name}`);
    await qc.invalidateQueries({ queryKey: ["message-routes"] });
    onDone();
  }, (v) => {
    const filter = parseJsonObject(v.payloadFilter);
    return {
      name: v.name,
      topicFilter: v.topicFilter.trim(),
      // Not an object: the schema names the field; the reason shows under it already.
      payloadFilter: "value" in filter ? filter.value : v.payloadFilter,
      destinationType: v.destinationType,
      destinationConfig: v.destinationType === "webhook" ? compact(formToConfig("webhook", v.cfg, keep(v.destinationType))) : { topic: v.topic.trim(), qos: Number(v.qos), retain: v.retain },
      enabled: v.enabled,
    };
  });
  const v = form.values;
  const e = form.errors;
  const json = parseJsonObject(v.payloadFilter);
  return (
    <form onSubmit={(ev) => void form.submit(ev)} noValidate>
      <div className="form-grid">
        <TextField label="Name" required value={v.name} onChange={(x) => form.set("name", x)} error={e.name} />
        <TextField label="Topic filter" required className="mono" value={v.topicFilter} onChange={(x) => form.set("topicFilter", x)} error={e.topicFilter} hint="MQTT-style: + is one level, # the rest, e.g. tenant/acme/device/+/telemetry" />
        <SelectField label="Destination" value={v.destinationType} onChange={(x) => form.set("destinationType", x as MessageRoute["destinationType"])} options={DESTINATIONS.map((d) => ({ value: d, label: DEST_LABELS[d] }))} error={e.destinationType} />
      </div>
      <TextArea label="Payload filter (JSON)" className="mono" rows={3} value={v.payloadFilter} onChange={(x) => form.set("payloadFilter", x)} error={"error" in json ? json.error : errorAt(e, "payloadFilter")} hint='Every key must match, e.g. {"temp_c": {"$gt": 80}, "msgType": "telemetry"}. Empty: every message.' />
      {v.destinationType === "webhook" ? (
        <>
          {keep(v.destinationType) ? <p className="muted notify-note">Secrets are never shown again. Leave a secret empty to keep the stored value.</p> : null}
          <WebhookFields cfg={v.cfg} set={(patch) => form.set("cfg", { ...v.cfg, ...patch })} errors={e} prefix="destinationConfig" stored={keep(v.destinationType) ? stored.stored : null} />
        </>
      ) : (
        <div className="form-grid">
          <TextField label="Republish topic" required className="mono" value={v.topic} onChange={(x) => form.set("topic", x)} error={errorAt(e, "destinationConfig.topic", "destinationConfig")} hint="Starts with tenant/{tenant}/; {device} is the sending device." />
          <SelectField label="QoS" value={v.qos} onChange={(x) => form.set("qos", x)} options={["0", "1"]} error={e["destinationConfig.qos"]} />
          <Checkbox label="Retain" checked={v.retain} onChange={(x) => form.set("retain", x)} />
        </div>
      )}
      <Checkbox label="Enabled" checked={v.enabled} onChange={(x) => form.set("enabled", x)} />
      {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onDone}>Cancel</Button>
        <Button variant="primary" type="submit" busy={form.busy}>{route ? "Save" : "Create route"}</Button>
      </div>
    </form>
  );
}

export default function MessageRoutesPage() {
  const { me } = useAuth();
  const write = canWrite(me);
  const [url, setUrl] = useUrlState({ destination: "", offset: "0" });
  const offset = Number(url.offset) || 0;
  const query = useQuery({
    queryKey: ["message-routes", { destination: url.destination, offset }],
    queryFn: () => api.get<Page<MessageRoute>>(PATHS.messageRoutes, { destinationType: url.destination, limit: LIMIT, offset }),
  });
  const [editing, setEditing] = useState<MessageRoute | "new" | null>(null);
  const [testing, setTesting] = useState<MessageRoute | null>(null);
  const { busy, run } = useAction();
  const keys = [["message-routes"]];
  const columns: Column<MessageRoute>[] = [
    { key: "name", header: "Route", cell: (r) => <><strong>{r.name}</strong><div><code className="notify-clip" title={r.topicFilter}>{r.topicFilter}</code></div></> },
    { key: "payload", header: "Payload filter", cell: (r) => (Object.keys(r.payloadFilter).length ? <code className="notify-clip" title={JSON.stringify(r.payloadFilter)}>{JSON.stringify(r.payloadFilter)}</code> : <span className="muted">every message</span>) },
    { key: "dest", header: "Destination", cell: (r) => <>{DEST_LABELS[r.destinationType]}<div><span className="mono notify-clip" title={destination(r)}>{destination(r)}</span></div></> },
    { key: "enabled", header: "State", cell: (r) => <EnabledBadge enabled={r.enabled} /> },
  ];
  if (write) {
    columns.push({
      key: "actions",
      header: <span className="sr-only">Actions</span>,
      className: "notify-actions",
      cell: (r) => (
        <div className="row">
          <Button onClick={() => setTesting(r)} aria-label={`Test ${r.name}`}>Test</Button>
          <Button onClick={() => setEditing(r)} aria-label={`Edit ${r.name}`}>Edit</Button>
          <ConfirmButton busy={busy === `d-${r.routeId}`} confirm={`Delete ${r.name}?`} onConfirm={() => void run(`d-${r.routeId}`, () => api.del(`${PATHS.messageRoutes}/${r.routeId}`), { ok: `Deleted ${r.name}`, keys })}>Delete</ConfirmButton>
        </div>
      ),
    });
  }
  return (
    <>
      <PageHeader title="Message routes" subtitle="Forward device messages as they arrive: to a webhook, or republished over MQTT." />
      <div className="toolbar">
        <SelectField label="Destination" value={url.destination} onChange={(destination) => setUrl({ destination, offset: null })} options={[{ value: "", label: "All" }, ...DESTINATIONS.map((d) => ({ value: d, label: DEST_LABELS[d] }))]} />
        <span className="spacer" />
        {write ? <Button variant="primary" onClick={() => setEditing("new")}>New route</Button> : null}
      </div>
      <DataTable
        query={query}
        rows={query.data?.items}
        columns={columns}
        rowKey={(r) => r.routeId}
        caption="Message routes"
        empty={url.destination ? "No routes to this destination. Clear the filter." : write ? "No message routes. Create one to forward matching device messages to a webhook or an MQTT topic." : "No message routes yet."}
      />
      {query.data ? <Pagination total={query.data.total} limit={LIMIT} offset={offset} onChange={(o) => setUrl({ offset: String(o) })} /> : null}
      <Modal open={editing !== null} title={editing === "new" ? "New message route" : `Edit ${editing?.name ?? ""}`} onClose={() => setEditing(null)} wide>
        <RouteForm route={editing === "new" ? null : editing} tenantId={me?.tenantId ?? ""} onDone={() => setEditing(null)} />
      </Modal>
      <Modal open={testing !== null} title={`Test ${testing?.name ?? ""}`} onClose={() => setTesting(null)} wide>
        {testing ? <RouteTest route={testing} /> : null}
      </Modal>
    </>
  );
}
