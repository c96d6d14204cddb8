/**
 * Operator audit log (/operator/audit): what operators looked at or changed, newest first,
 * filtered by operator, target tenant and time (all in the URL), each entry expandable.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { ago, dateTime } from "../../lib/format";
import { useUrlState } from "../../lib/url-state";
import { Button, SelectField } from "../../ui/controls";
import { Card, KeyValue, PageHeader } from "../../ui/layout";
import { Pagination, type Column } from "../../ui/table";
import { detailsPreview, operatorAuditQuery, PAGE_SIZE } from "../admin/audit-query";
import { ExpandableTable, prettyJson, queryFieldErrors, TimeRangeFilter } from "../admin/audit-parts";
import type { User } from "../admin/user-model";
import { TenantFilter } from "./tenant-filter";

interface OperatorAuditEntry {
  auditId: number;
  time: string;
  actorId: string;
  action: string;
  targetTenantId: string | null;
  resource: string;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

const DEFAULTS = { actor: "", tenant: "", range: "", from: "", to: "", offset: "0" };

export default function OperatorAuditPage() {
  const { me } = useAuth();
  return (
    <>
      <PageHeader title="Operator audit log" subtitle="Every operator request that read or changed tenant data: who, what, which tenant, when." />
      {canWrite(me) ? <OperatorAudit /> : (
        <Card>
          <p className="muted">Only operator admins read the operator audit log.</p>
        </Card>
      )}
    </>
  );
}

/** Operators hold operator or operator-admin: one request each, merged, for the actor picker. */
function useOperators() {
  const one = (role: string) => api.get<Page<User>>("/api/v1/operator/users", { role, limit: 1000 });
  return useQuery({
    queryKey: ["users", "operator", "operators"],
    queryFn: async () => (await Promise.all([one("operator"), one("operator-admin")])).flatMap((p) => p.items).filter((u, i, all) => all.findIndex((x) => x.userId === u.userId) === i),
    staleTime: 60_000,
  });
}

function OperatorAudit() {
  const [f, setF] = useUrlState(DEFAULTS);
  const list = useQuery({
    queryKey: ["audit", "operator", f],
    queryFn: () => api.get<Page<OperatorAuditEntry>>("/api/v1/operator/audit-log", operatorAuditQuery(f, Date.now())),
    placeholderData: keepPreviousData,
  });
  const operators = useOperators();
  const names = new Map((operators.data ?? []).map((u) => [u.userId, u.email]));
  const errors = queryFieldErrors(list);
  const set = (p: Partial<Record<keyof typeof DEFAULTS, string | null>>) => setF({ ...p, offset: null });
  const filtered = Object.entries(f).some(([k, v]) => k !== "offset" && v);
  const actors = [{ value: "", label: "Any operator" }, ...[...names].map(([value, label]) => ({ value, label }))];
  if (f.actor && !names.has(f.actor)) actors.push({ value: f.actor, label: f.actor });
  const columns: Column<OperatorAuditEntry>[] = [
    { key: "time", header: "When", cell: (e) => <span title={dateTime(e.time)}>{ago(e.time)}</span>, className: "admin-nowrap" },
    { key: "actor", header: "Operator", cell: (e) => names.get(e.actorId) ?? <span className="mono">{e.actorId}</span> },
    { key: "action", header: "Action", cell: (e) => <span className="mono">{e.action}</span> },
    { key: "tenant", header: "Tenant", cell: (e) => (e.targetTenantId ? <Link href={`/operator/tenants/${e.targetTenantId}`}>{e.targetTenantId}</Link> : <span className="muted">—</span>) },
    { key: "resource", header: "Request", cell: (e) => <span className="mono admin-preview">{e.resource}</span> },
  ];
  return (
    <>
      <div className="toolbar admin-filters" role="search" aria-label="Filter the operator audit log">
        <SelectField label="Operator" value={f.actor} options={actors} error={errors.actorId} onChange={(actor) => set({ actor })} />
        <TenantFilter value={f.tenant} onChange={(tenant) => set({ tenant })} />
        <TimeRangeFilter range={f.range} from={f.from} to={f.to} errors={errors} onChange={set} />
        {filtered ? <Button variant="ghost" onClick={() => setF({ actor: null, tenant: null, range: null, from: null, to: null, offset: null })}>Clear filters</Button> : null}
      </div>
      <ExpandableTable
        query={list}
        rows={list.data?.items}
        rowKey={(e) => String(e.auditId)}
        columns={columns}
        detail={(e) => <Detail e={e} actor={names.get(e.actorId)} />}
        caption="Operator audit entries, newest first"
        empty={filtered ? "Nothing matches these filters. Widen the time range or clear the filters." : "Nothing recorded yet. Operator requests to tenant data appear here."}
      />
      {list.data ? <Pagination total={list.data.total} limit={PAGE_SIZE} offset={Number(f.offset) || 0} onChange={(o) => setF({ offset: String(o) }, true)} /> : null}
    </>
  );
}

function Detail({ e, actor }: { e: OperatorAuditEntry; actor?: string }) {
  const preview = detailsPreview(e.details);
  return (
    <div className="stack admin-detail-body">
      <KeyValue
        items={[
          ["Time", dateTime(e.time)],
          ["Operator", actor ?? null],
          ["Operator ID", <span className="mono">{e.actorId}</span>],
          ["Request", <span className="mono">{e.resource}</span>],
          ["IP address", e.ip],
          ["User agent", e.userAgent],
          ["Request ID", e.requestId ? <span className="mono">{e.requestId}</span> : null],
        ]}
      />
      {preview ? <pre className="admin-json" aria-label="Details">{prettyJson(e.details)}</pre> : <p className="muted">No further details.</p>}
    </div>
  );
}
