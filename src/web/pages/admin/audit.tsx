/**
 * Audit log (/audit): who changed what in the tenant, newest first, filtered by action, entity
 * type, user and time (all in the URL), paginated, each entry expandable to its full details.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { ago, dateTime } from "../../lib/format";
import { useUrlState } from "../../lib/url-state";
import { Button, SelectField } from "../../ui/controls";
import { Card, KeyValue, PageHeader } from "../../ui/layout";
import { Tag } from "../../ui/badges";
import { Pagination, type Column } from "../../ui/table";
import { detailsPreview, PAGE_SIZE, tenantAuditQuery } from "./audit-query";
import { ExpandableTable, prettyJson, queryFieldErrors, TextFilter, TimeRangeFilter } from "./audit-parts";
import type { User } from "./user-model";

interface AuditEntry {
  auditId: number;
  time: string;
  category: string;
  action: string;
  severity: "info" | "warning" | "critical";
  entityType: string | null;
  entityId: string | null;
  entityName: string | null;
  message: string | null;
  details: Record<string, unknown>;
  actorType: "user" | "device" | "system" | "operator";
  actorId: string | null;
  actorName: string | null;
  ip: string | null;
  requestId: string | null;
}

const ENTITY_TYPES = ["alert", "alert-rule", "dead-letter", "device", "device-group", "escalation-policy", "maintenance-window", "message-route", "notification-channel", "notification-route", "oncall-schedule", "sensor", "site", "template", "tenant", "transport", "user"];
const DEFAULTS = { action: "", entityType: "", actor: "", range: "", from: "", to: "", offset: "0" };

export default function AuditPage() {
  const { me } = useAuth();
  return (
    <>
      <PageHeader title="Audit log" subtitle="Every change made in this organization: who, what and when." />
      {canWrite(me) ? <AuditLog /> : (
        <Card>
          <p className="muted">Only tenant admins read the audit log, since it names people and addresses.</p>
        </Card>
      )}
    </>
  );
}

function AuditLog() {
  const [f, setF] = useUrlState(DEFAULTS);
  const list = useQuery({
    queryKey: ["audit", "tenant", f],
    queryFn: () => api.get<Page<AuditEntry>>("/api/v1/customer/audit-log", tenantAuditQuery(f, Date.now())),
    placeholderData: keepPreviousData,
  });
  const users = useQuery({ queryKey: ["users", "tenant", "all"], queryFn: () => api.get<Page<User>>("/api/v1/customer/users", { limit: 1000 }), staleTime: 60_000 });
  const errors = queryFieldErrors(list);
  const set = (p: Partial<Record<keyof typeof DEFAULTS, string | null>>) => setF({ ...p, offset: null });
  const filtered = Object.entries(f).some(([k, v]) => k !== "offset" && v);
  const emails = new Map((users.data?.items ?? []).map((u) => [u.userId, u.email]));
  const actors = [{ value: "", label: "Anyone" }, ...[...emails].map(([value, label]) => ({ value, label }))];
  if (f.actor && !actors.some((a) => a.value === f.actor)) actors.push({ value: f.actor, label: f.actor });
  return (
    <>
      <div className="toolbar admin-filters" role="search" aria-label="Filter the audit log">
        <TextFilter label="Action" value={f.action} error={errors.action} placeholder="e.g. user.created, site.deleted" onApply={(action) => set({ action })} />
        <TextFilter label="Entity type" value={f.entityType} error={errors.entityType} placeholder="e.g. device" list="admin-entity-types" onApply={(entityType) => set({ entityType })} />
        <datalist id="admin-entity-types">{ENTITY_TYPES.map((t) => <option key={t} value={t} />)}</datalist>
        <SelectField label="User" value={f.actor} options={actors} error={errors.actorId} onChange={(actor) => set({ actor })} />
        <TimeRangeFilter range={f.range} from={f.from} to={f.to} errors={errors} onChange={set} />
        {filtered ? <Button variant="ghost" onClick={() => setF({ action: null, entityType: null, actor: null, range: null, from: null, to: null, offset: null })}>Clear filters</Button> : null}
      </div>
      <ExpandableTable
        query={list}
        rows={list.data?.items}
        rowKey={(e) => String(e.auditId)}
        columns={columns(emails)}
        detail={Detail}
        caption="Audit log entries, newest first"
        empty={filtered ? "Nothing matches these filters. Widen the time range or clear the filters." : "Nothing recorded yet. Changes to devices, rules, users and settings appear here."}
      />
      {list.data ? <Pagination total={list.data.total} limit={PAGE_SIZE} offset={Number(f.offset) || 0} onChange={(o) => setF({ offset: String(o) }, true)} /> : null}
    </>
  );
}

const columns = (emails: Map<string, string>): Column<AuditEntry>[] => [
  { key: "time", header: "When", cell: (e) => <span title={dateTime(e.time)}>{ago(e.time)}</span>, className: "admin-nowrap" },
  { key: "actor", header: "Who", cell: (e) => e.actorName ?? e.actorId ?? <span className="muted">{e.actorType}</span> },
  { key: "action", header: "Action", cell: (e) => <span className="mono">{e.action}</span> },
  { key: "entity", header: "Entity", cell: (e) => (e.entityType ? <><Tag>{e.entityType}</Tag> <EntityRef e={e} emails={emails} /></> : <span className="muted">—</span>) },
  { key: "summary", header: "Summary", cell: (e) => <span className="muted admin-preview">{e.message ?? detailsPreview(e.details)}</span> },
];

function EntityRef({ e, emails }: { e: AuditEntry; emails: Map<string, string> }) {
  // User rows are named by id; the caller's own user list turns most into an email.
  const label = e.entityName ?? (e.entityType === "user" && e.entityId ? emails.get(e.entityId) : undefined) ?? e.entityId;
  if (!label) return null;
  if (e.entityType === "device" && e.entityId) return <Link href={`/devices/${encodeURIComponent(e.entityId)}`}>{label}</Link>;
  return <span className="mono">{label}</span>;
}

function Detail(e: AuditEntry) {
  return (
    <div className="stack admin-detail-body">
      <KeyValue
        items={[
          ["Time", dateTime(e.time)],
          ["Category", e.category],
          ["Severity", e.severity],
          ["Actor", `${e.actorType}${e.actorName ? ` · ${e.actorName}` : ""}`],
          ["Actor ID", e.actorId ? <span className="mono">{e.actorId}</span> : null],
          ["Entity ID", e.entityId ? <span className="mono">{e.entityId}</span> : null],
          ["IP address", e.ip],
          ["Request ID", e.requestId ? <span className="mono">{e.requestId}</span> : null],
        ]}
      />
      {e.message ? <p>{e.message}</p> : null}
      <pre className="admin-json" aria-label="Details">{prettyJson(e.details)}</pre>
    </div>
  );
}
