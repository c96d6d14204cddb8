/**
 * One tenant (/operator/tenants/:tenantId): its profile (editable), numbers, devices, and
 * suspend / resume / delete. Device search, connectivity filter and page live in the URL.
 */
import { useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useParams } from "wouter";
import { UpdateTenantBody } from "../../../http/api/bodies/tenants";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { ago, dateTime } from "../../lib/format";
import { useUrlState } from "../../lib/url-state";
import { SearchInput, SelectField } from "../../ui/controls";
import { Card, KeyValue, Modal, PageHeader, Stat } from "../../ui/layout";
import { StatusBadge } from "../../ui/badges";
import { DataTable, Pagination, QueryView, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { invalidateTenants, TenantActions } from "./tenant-actions";
import { TenantProfileForm } from "./tenant-form";
import { profileOf, total, type Tenant, type TenantStats } from "./tenant-model";

interface FleetDevice {
  deviceId: string;
  siteId: string | null;
  displayName: string | null;
  status: string;
  model: string | null;
  fwVersion: string | null;
  connectivity: string;
  lastSeenAt: string | null;
}

const LIMIT = 50;

export default function TenantPage() {
  const { tenantId = "" } = useParams<{ tenantId: string }>();
  const { me } = useAuth();
  const [, navigate] = useLocation();
  const [editing, setEditing] = useState(false);
  const url = `/api/v1/operator/tenants/${encodeURIComponent(tenantId)}`;
  const tenant = useQuery({ queryKey: ["tenant", tenantId], queryFn: () => api.get<Tenant>(url) });
  const t = tenant.data;
  return (
    <>
      <PageHeader
        title={t?.name ?? tenantId}
        subtitle={<><span className="mono">{tenantId}</span> {t ? <StatusBadge status={t.status} /> : null} · <Link href="/operator/tenants">All tenants</Link></>}
        actions={t && canWrite(me) ? <TenantActions tenant={t} edit={() => setEditing(true)} onDeleted={() => navigate("/operator/tenants")} /> : null}
      />
      <QueryView query={tenant}>
        {(t) => (
          <div className="stack">
            <Numbers tenantId={tenantId} url={url} />
            <div className="grid-2">
              <Profile t={t} />
              <Breakdown tenantId={tenantId} url={url} />
            </div>
            <Devices url={url} />
          </div>
        )}
      </QueryView>
      <Modal open={editing} title={`Edit ${tenantId}`} onClose={() => setEditing(false)} wide>
        {editing && t ? <EditTenant t={t} url={url} onClose={() => setEditing(false)} /> : null}
      </Modal>
    </>
  );
}

const useStats = (tenantId: string, url: string) => useQuery({ queryKey: ["tenant", tenantId, "stats"], queryFn: () => api.get<TenantStats>(`${url}/stats`) });

function Numbers({ tenantId, url }: { tenantId: string; url: string }) {
  const stats = useStats(tenantId, url);
  if (!stats.data) return null;
  const s = stats.data;
  const c = s.devicesByConnectivity;
  return (
    <div className="stats admin-stats">
      <Stat label="Devices" value={total(s.devicesByStatus)} href={`/operator/devices?tenant=${encodeURIComponent(tenantId)}`} />
      <Stat label="Online" value={c.ONLINE ?? 0} tone="ok" />
      <Stat label="Offline" value={c.OFFLINE ?? 0} tone={c.OFFLINE ? "bad" : "muted"} />
      <Stat label="Sites" value={s.sites} />
      <Stat label="Users" value={s.users} href={`/operator/users?tenant=${encodeURIComponent(tenantId)}`} />
      <Stat label="Telemetry rows, 24 h" value={s.telemetryRows24h.toLocaleString()} />
      <Stat label="Rejected messages, 24 h" value={s.quarantineEvents24h} tone={s.quarantineEvents24h ? "warn" : "muted"} href={`/operator/quarantine?tenant=${encodeURIComponent(tenantId)}`} />
    </div>
  );
}

function Breakdown({ tenantId, url }: { tenantId: string; url: string }) {
  const stats = useStats(tenantId, url);
  const rows = (r: Record<string, number>) => Object.entries(r).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]): [string, number] => [k.toLowerCase(), n]);
  return (
    <Card title="Devices by state">
      <QueryView query={stats}>
        {(s) =>
          total(s.devicesByStatus) ? (
            <div className="stack">
              <div>
                <h3 className="admin-h3">Registry status</h3>
                <KeyValue items={rows(s.devicesByStatus)} />
              </div>
              <div>
                <h3 className="admin-h3">Connectivity</h3>
                <KeyValue items={rows(s.devicesByConnectivity)} />
              </div>
              <p className="muted admin-note">Last telemetry {ago(s.lastTelemetryAt)}.</p>
            </div>
          ) : (
            <p className="muted">No devices yet.</p>
          )
        }
      </QueryView>
    </Card>
  );
}

function Profile({ t }: { t: Tenant }) {
  const meta = Object.keys(t.metadata);
  return (
    <Card title="Profile">
      <KeyValue
        items={[
          ["Name", t.name],
          ["Contact email", t.contactEmail],
          ["Legal name", t.legalName],
          ["Industry", t.industry],
          ["Country", t.country],
          ["Data region", t.dataRegion],
          ["Created", dateTime(t.createdAt)],
          ["Updated", dateTime(t.updatedAt)],
          ...(t.deletedAt ? ([["Deleted", dateTime(t.deletedAt)]] as [string, string][]) : []),
        ]}
      />
      {meta.length ? (
        <>
          <h3 className="admin-h3">Metadata</h3>
          <pre className="admin-json" aria-label="Metadata">{JSON.stringify(t.metadata, null, 2)}</pre>
        </>
      ) : null}
    </Card>
  );
}

function Devices({ url }: { url: string }) {
  const [f, setF] = useUrlState({ q: "", connectivity: "", offset: "0" });
  const offset = Number(f.offset) || 0;
  const query = { search: f.q.trim() || undefined, connectivity: f.connectivity || undefined, limit: LIMIT, offset };
  const list = useQuery({ queryKey: ["tenant", url, "devices", query], queryFn: () => api.get<Page<FleetDevice>>(`${url}/devices`, query), placeholderData: keepPreviousData });
  const columns: Column<FleetDevice>[] = [
    { key: "id", header: "Device", cell: (d) => <><span className="mono">{d.deviceId}</span>{d.displayName ? <div className="muted">{d.displayName}</div> : null}</>, className: "admin-nowrap" },
    { key: "conn", header: "Connectivity", cell: (d) => <StatusBadge status={d.connectivity} /> },
    { key: "status", header: "Status", cell: (d) => <StatusBadge status={d.status} /> },
    { key: "model", header: "Model · firmware", cell: (d) => [d.model, d.fwVersion].filter(Boolean).join(" · ") || <span className="muted">—</span> },
    { key: "seen", header: "Last seen", cell: (d) => <span title={dateTime(d.lastSeenAt)}>{ago(d.lastSeenAt)}</span> },
  ];
  return (
    <Card title={`Devices${list.data ? ` (${list.data.total})` : ""}`}>
      <div className="toolbar">
        <SearchInput label="Search devices" placeholder="Search id, name, serial" value={f.q} onChange={(q) => setF({ q, offset: null })} />
        <SelectField label="Connectivity" value={f.connectivity} options={[{ value: "", label: "Any" }, "ONLINE", "STALE", "OFFLINE"]} onChange={(connectivity) => setF({ connectivity, offset: null })} />
      </div>
      <DataTable
        query={list}
        rows={list.data?.items}
        columns={columns}
        rowKey={(d) => d.deviceId}
        caption="Devices of this tenant"
        empty={f.q || f.connectivity ? "No device matches. Clear the search or the filter." : "This tenant has no devices yet. Its admins add them in their console."}
      />
      {list.data ? <Pagination total={list.data.total} limit={LIMIT} offset={offset} onChange={(o) => setF({ offset: String(o) }, true)} /> : null}
    </Card>
  );
}

function EditTenant({ t, url, onClose }: { t: Tenant; url: string; onClose: () => void }) {
  const qc = useQueryClient();
  return (
    <TenantProfileForm
      mode="edit"
      schema={UpdateTenantBody}
      initial={profileOf(t)}
      onCancel={onClose}
      onSubmit={async (body) => {
        qc.setQueryData(["tenant", t.tenantId], await api.patch<Tenant>(url, body));
        await invalidateTenants(qc);
        toast(`Tenant ${t.tenantId} saved`);
        onClose();
      }}
    />
  );
}
