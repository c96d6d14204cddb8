/**
 * Tenants (/operator/tenants): platform numbers, every tenant with its status and counts,
 * search and status filter in the URL, a "New tenant" dialog, suspend / resume and delete.
 */
import { useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation } from "wouter";
import { CreateTenantBody } from "../../../http/api/bodies/tenants";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { ago, dateTime } from "../../lib/format";
import { useUrlState } from "../../lib/url-state";
import { Button, SearchInput, SelectField } from "../../ui/controls";
import { Modal, PageHeader, Stat } from "../../ui/layout";
import { StatusBadge } from "../../ui/badges";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { invalidateTenants, TenantActions } from "./tenant-actions";
import { TenantProfileForm } from "./tenant-form";
import type { PlatformSummary, Tenant } from "./tenant-model";

const LIMIT = 50;
const STATUS_OPTIONS = [
  { value: "", label: "Active and suspended" },
  { value: "ACTIVE", label: "Active" },
  { value: "SUSPENDED", label: "Suspended" },
  { value: "DELETED", label: "Deleted" },
  { value: "all", label: "All, with deleted" },
];

export default function TenantsPage() {
  const { me } = useAuth();
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader
        title="Tenants"
        subtitle="The organizations on this platform, their status and size."
        actions={canWrite(me) ? <Button variant="primary" onClick={() => setCreating(true)}>New tenant</Button> : null}
      />
      <Summary />
      <TenantList />
      <Modal open={creating} title="New tenant" onClose={() => setCreating(false)} wide>
        {creating ? <CreateTenant onClose={() => setCreating(false)} /> : null}
      </Modal>
    </>
  );
}

function Summary() {
  const s = useQuery({ queryKey: ["tenants", "summary"], queryFn: () => api.get<PlatformSummary>("/api/v1/operator/tenants/stats/summary") });
  if (!s.data) return null;
  const t = s.data.tenantsByStatus;
  const c = s.data.devicesByConnectivity;
  return (
    <div className="stats">
      <Stat label="Active tenants" value={t.ACTIVE ?? 0} tone="ok" href="/operator/tenants?status=ACTIVE" />
      <Stat label="Suspended tenants" value={t.SUSPENDED ?? 0} tone={t.SUSPENDED ? "bad" : "muted"} href="/operator/tenants?status=SUSPENDED" />
      <Stat label="Devices" value={s.data.devices} href="/operator/devices" />
      <Stat label="Online" value={c.ONLINE ?? 0} tone="ok" />
      <Stat label="Stale" value={c.STALE ?? 0} tone={c.STALE ? "warn" : "muted"} />
      <Stat label="Offline" value={c.OFFLINE ?? 0} tone={c.OFFLINE ? "bad" : "muted"} />
    </div>
  );
}

function TenantList() {
  const { me } = useAuth();
  const [, navigate] = useLocation();
  const [f, setF] = useUrlState({ q: "", status: "", offset: "0" });
  const offset = Number(f.offset) || 0;
  const query = {
    search: f.q.trim() || undefined,
    status: f.status && f.status !== "all" ? f.status : undefined,
    includeDeleted: f.status === "all" ? true : undefined,
    limit: LIMIT,
    offset,
  };
  const list = useQuery({ queryKey: ["tenants", "list", query], queryFn: () => api.get<Page<Tenant>>("/api/v1/operator/tenants", query), placeholderData: keepPreviousData });
  const columns: Column<Tenant>[] = [
    { key: "tenant", header: "Tenant", cell: (t) => <><Link href={`/operator/tenants/${t.tenantId}`}>{t.name}</Link> <span className="mono muted">{t.tenantId}</span></> },
    { key: "status", header: "Status", cell: (t) => <StatusBadge status={t.status} /> },
    { key: "devices", header: "Devices", cell: (t) => t.stats.devices, className: "num" },
    { key: "sites", header: "Sites", cell: (t) => t.stats.sites, className: "num" },
    { key: "users", header: "Users", cell: (t) => t.stats.users, className: "num" },
    { key: "region", header: "Region", cell: (t) => t.dataRegion ?? <span className="muted">—</span> },
    { key: "created", header: "Created", cell: (t) => <span title={dateTime(t.createdAt)}>{ago(t.createdAt)}</span> },
  ];
  if (canWrite(me)) columns.push({ key: "actions", header: <span className="sr-only">Actions</span>, cell: (t) => <TenantActions tenant={t} />, className: "admin-actions" });
  return (
    <>
      <div className="toolbar">
        <SearchInput label="Search tenants" placeholder="Search id or name" value={f.q} onChange={(q) => setF({ q, offset: null })} />
        <SelectField label="Status" value={f.status} options={STATUS_OPTIONS} onChange={(status) => setF({ status, offset: null })} />
      </div>
      <DataTable
        query={list}
        rows={list.data?.items}
        columns={columns}
        rowKey={(t) => t.tenantId}
        onRowClick={(t) => navigate(`/operator/tenants/${t.tenantId}`)}
        caption="Tenants"
        empty={f.q || f.status ? "No tenant matches. Clear the search or pick another status." : "No tenants yet. Use “New tenant” to create the first."}
      />
      {list.data ? <Pagination total={list.data.total} limit={LIMIT} offset={offset} onChange={(o) => setF({ offset: String(o) }, true)} /> : null}
    </>
  );
}

function CreateTenant({ onClose }: { onClose: () => void }) {
  const qc = useQueryClient();
  return (
    <TenantProfileForm
      mode="create"
      schema={CreateTenantBody}
      onCancel={onClose}
      onSubmit={async (body) => {
        const t = await api.post<Tenant>("/api/v1/operator/tenants", body);
        await invalidateTenants(qc);
        toast(`Tenant ${t.tenantId} created`);
        onClose();
      }}
    />
  );
}
