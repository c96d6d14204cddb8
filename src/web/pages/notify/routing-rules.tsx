/**
 * Routing rules: which alerts (severity, type, site, tag, device prefix, transition) reach
 * which channel, at most once per throttle window. Shown whole, in the API's priority order,
 * and moved up or down by changing priorities (see rule-order.ts).
 */
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ALERT_TRANSITIONS, ALERT_TYPES, NotificationRouteFields, NotificationRoutePatch } from "../../../http/api/bodies/notify";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useForm } from "../../lib/form";
import { SEVERITIES } from "../../lib/format";
import { Button, Checkbox, ConfirmButton, SelectField, TextField } from "../../ui/controls";
import { SeverityBadge } from "../../ui/badges";
import { Modal } from "../../ui/layout";
import { DataTable, Empty, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { CheckGroup, EnabledBadge, numberOrAbsent, useAction, useAllChannels, useAllSites, WhenLoaded } from "./parts";
import { moveRule } from "./rule-order";
import { ALL, errorAt, PATHS, splitList, type Channel, type RoutingRule } from "./types";

const SEVERITY_OPTIONS = Object.entries(SEVERITIES).map(([value, label]) => ({ value, label: `${label} or higher` }));

/** What a rule matches, in one line: "THRESHOLD, NO_HEARTBEAT · site s1 · tag prod · demo-*". */
function matches(r: RoutingRule): string {
  const parts = [
    r.alertTypes.join(", "),
    r.siteIds.map((x) => `site ${x}`).join(", "),
    r.tags.map((x) => `tag ${x}`).join(", "),
    r.devicePrefixes.map((x) => `${x}*`).join(", "),
  ].filter(Boolean);
  return parts.join(" · ") || "every alert";
}

function RuleForm({ rule, channels, nextPriority, onDone }: { rule: RoutingRule | null; channels: Channel[]; nextPriority: number; onDone: () => void }) {
  const qc = useQueryClient();
  const sites = useAllSites();
  const initial = {
    name: rule?.name ?? "",
    channelId: rule?.channelId ?? channels[0]?.channelId ?? "",
    enabled: rule?.enabled ?? true,
    priority: String(rule?.priority ?? nextPriority),
    minSeverity: String(rule?.minSeverity ?? 1),
    alertTypes: rule?.alertTypes ?? [],
    siteIds: rule?.siteIds ?? [],
    tags: rule?.tags.join(", ") ?? "",
    devicePrefixes: rule?.devicePrefixes.join(", ") ?? "",
    transitions: rule?.transitions ?? ["OPEN", "CLOSED"],
    throttleMinutes: String(rule?.throttleMinutes ?? 0),
  };
  const form = useForm(initial, rule ? NotificationRoutePatch : NotificationRouteFields, async (body) => {
    const saved = rule ? await api.patch<RoutingRule>(`${PATHS.rules}/${rule.routeId}`, body) : await api.post<RoutingRule>(PATHS.rules, body);
    toast(rule ? `Saved ${saved.name}` : `Created ${saved.name}`);
    await qc.invalidateQueries({ queryKey: ["routing-rules"] });
    onDone();
  }, (v) => ({
    ...v,
    priority: numberOrAbsent(v.priority),
    minSeverity: Number(v.minSeverity),
    throttleMinutes: numberOrAbsent(v.throttleMinutes),
    tags: splitList(v.tags),
    devicePrefixes: splitList(v.devicePrefixes),
  }));
  const v = form.values;
  const e = form.errors;
  return (
    <form onSubmit={(ev) => void form.submit(ev)} noValidate>
      <div className="form-grid">
        <TextField label="Name" required value={v.name} onChange={(x) => form.set("name", x)} error={e.name} />
        <SelectField label="Channel" value={v.channelId} onChange={(x) => form.set("channelId", x)} options={channels.map((c) => ({ value: c.channelId, label: c.name }))} error={e.channelId} />
        <SelectField label="Severity" value={v.minSeverity} onChange={(x) => form.set("minSeverity", x)} options={SEVERITY_OPTIONS} error={e.minSeverity} />
        <TextField label="Throttle (minutes)" inputMode="numeric" value={v.throttleMinutes} onChange={(x) => form.set("throttleMinutes", x)} error={e.throttleMinutes} hint="At most one notice per channel in this many minutes; 0: no limit." />
        <TextField label="Priority" inputMode="numeric" value={v.priority} onChange={(x) => form.set("priority", x)} error={e.priority} hint="Lower runs first." />
      </div>
      <CheckGroup legend="Transitions" options={ALERT_TRANSITIONS} value={v.transitions} onChange={(x) => form.set("transitions", x)} error={errorAt(e, "transitions")} />
      <CheckGroup legend="Alert types" options={ALERT_TYPES} value={v.alertTypes} onChange={(x) => form.set("alertTypes", x)} error={errorAt(e, "alertTypes")} hint="None checked: every type." />
      {sites.data?.items.length ? (
        <CheckGroup legend="Sites" options={sites.data.items.map((s) => ({ value: s.siteId, label: s.name }))} value={v.siteIds} onChange={(x) => form.set("siteIds", x)} error={errorAt(e, "siteIds")} hint="None checked: every site." />
      ) : null}
      <div className="form-grid">
        <TextField label="Device tags" value={v.tags} onChange={(x) => form.set("tags", x)} error={errorAt(e, "tags")} hint="Comma-separated; empty: any device." />
        <TextField label="Device id prefixes" value={v.devicePrefixes} onChange={(x) => form.set("devicePrefixes", x)} error={errorAt(e, "devicePrefixes")} hint="Comma-separated, e.g. pump-, demo-" />
      </div>
      <Checkbox label="Enabled" checked={v.enabled} onChange={(x) => form.set("enabled", x)} />
      {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onDone}>Cancel</Button>
        <Button variant="primary" type="submit" busy={form.busy}>{rule ? "Save" : "Create rule"}</Button>
      </div>
    </form>
  );
}

export function RoutingRules({ onNoChannels }: { onNoChannels: () => void }) {
  const { me } = useAuth();
  const write = canWrite(me);
  const query = useQuery({ queryKey: ["routing-rules"], queryFn: () => api.get<Page<RoutingRule>>(PATHS.rules, ALL) });
  const channels = useAllChannels();
  const [editing, setEditing] = useState<RoutingRule | "new" | null>(null);
  const { busy, run } = useAction();
  const rules = query.data?.items ?? [];
  const channelName = (id: string) => channels.data?.items.find((c) => c.channelId === id)?.name ?? id;
  const keys = [["routing-rules"]];

  const move = (r: RoutingRule, delta: -1 | 1) =>
    run(`move-${r.routeId}`, () => Promise.all(moveRule(rules, r.routeId, delta).map((c) => api.patch(`${PATHS.rules}/${c.routeId}`, { priority: c.priority }))), { ok: `Moved ${r.name} ${delta < 0 ? "up" : "down"}`, keys });

  const columns: Column<RoutingRule>[] = [
    { key: "priority", header: "Priority", className: "num", cell: (r) => r.priority },
    { key: "name", header: "Rule", cell: (r) => <><strong>{r.name}</strong><div className="muted">to {channelName(r.channelId)}</div></> },
    { key: "severity", header: "Severity", cell: (r) => (r.minSeverity > 1 ? <><SeverityBadge severity={r.minSeverity} /> <span className="muted">or higher</span></> : <span className="muted">any</span>) },
    { key: "matches", header: "Matches", cell: (r) => <span className="notify-wrap">{matches(r)}</span> },
    { key: "transitions", header: "On", cell: (r) => r.transitions.map((t) => t.toLowerCase()).join(", ") },
    { key: "throttle", header: "Throttle", className: "num", cell: (r) => (r.throttleMinutes ? `${r.throttleMinutes} min` : "—") },
    { key: "enabled", header: "State", cell: (r) => <EnabledBadge enabled={r.enabled} /> },
  ];
  if (write) {
    columns.push({
      key: "actions",
      header: <span className="sr-only">Actions</span>,
      className: "notify-actions",
      cell: (r) => {
        const i = rules.indexOf(r);
        return (
          <div className="row">
            <Button variant="ghost" aria-label={`Move ${r.name} up`} disabled={i === 0 || !!busy} busy={busy === `move-${r.routeId}`} onClick={() => void move(r, -1)}>↑</Button>
            <Button variant="ghost" aria-label={`Move ${r.name} down`} disabled={i === rules.length - 1 || !!busy} onClick={() => void move(r, 1)}>↓</Button>
            <Button onClick={() => setEditing(r)} aria-label={`Edit ${r.name}`}>Edit</Button>
            <ConfirmButton busy={busy === `del-${r.routeId}`} confirm={`Delete ${r.name}?`} onConfirm={() => void run(`del-${r.routeId}`, () => api.del(`${PATHS.rules}/${r.routeId}`), { ok: `Deleted ${r.name}`, keys })}>
              Delete
            </ConfirmButton>
          </div>
        );
      },
    });
  }

  const noChannels = channels.data && channels.data.items.length === 0;
  return (
    <>
      <div className="toolbar">
        <p className="muted notify-grow">Every enabled rule that matches an alert transition sends one notice to its channel; rules run in priority order.</p>
        {write ? <Button variant="primary" disabled={!channels.data?.items.length} onClick={() => setEditing("new")}>New rule</Button> : null}
      </div>
      {noChannels && !rules.length ? (
        <Empty>
          Rules send alerts to channels, and there are none yet. <Button variant="ghost" onClick={onNoChannels}>Create a channel first</Button>
        </Empty>
      ) : (
        <DataTable query={query} rows={rules} columns={columns} rowKey={(r) => r.routeId} caption="Routing rules in priority order" empty={write ? "No routing rules: alerts reach no channel. Create a rule." : "No routing rules yet."} />
      )}
      {query.data && query.data.total > rules.length ? <p className="muted">Showing the first {rules.length} of {query.data.total} rules.</p> : null}
      <Modal open={editing !== null} title={editing === "new" ? "New routing rule" : `Edit ${editing?.name ?? ""}`} onClose={() => setEditing(null)} wide>
        <WhenLoaded queries={[channels]}>
          {() => <RuleForm rule={editing === "new" ? null : editing} channels={channels.data?.items ?? []} nextPriority={(rules.at(-1)?.priority ?? 90) + 10} onDone={() => setEditing(null)} />}
        </WhenLoaded>
      </Modal>
    </>
  );
}
