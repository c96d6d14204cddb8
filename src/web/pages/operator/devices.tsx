/**
 * Every tenant's devices in one inventory: filter by tenant, text, status and connectivity
 * (all in the URL), page through, and open a device (its key in the URL too, so a link to one
 * device in one tenant can be shared).
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Page } from "../../lib/api";
import { ago, dateTime } from "../../lib/format";
import { useUrlState } from "../../lib/url-state";
import { StatusBadge } from "../../ui/badges";
import { Checkbox, SelectField } from "../../ui/controls";
import { PageHeader } from "../../ui/layout";
import { DataTable, Pagination } from "../../ui/table";
import { DeviceModal } from "./device-modal";
import { afterKeyEvent, deviceRef, devicesQuery, PAGE_SIZE, parseDeviceRef } from "./model";
import { SearchBox } from "./search-box";
import { TenantFilter } from "./tenant-filter";

interface FleetDevice {
  tenantId: string;
  deviceId: string;
  siteId: string | null;
  displayName: string | null;
  status: string;
  deviceType: string | null;
  model: string | null;
  fwVersion: string | null;
  connectivity: string;
  lastSeenAt: string | null;
}

const STATUSES = [{ value: "", label: "Any status" }, ...["ACTIVE", "INACTIVE", "SUSPENDED", "DECOMMISSIONED"].map((s) => ({ value: s, label: s.toLowerCase() }))];
const CONNECTIVITY = [{ value: "", label: "Any" }, ...["ONLINE", "STALE", "OFFLINE"].map((s) => ({ value: s, label: s.toLowerCase() }))];

export default function OperatorDevices() {
  const [f, set] = useUrlState({ tenant: "", q: "", status: "", connectivity: "", decommissioned: "", offset: "0", device: "" });
  const query = devicesQuery(f);
  const list = useQuery({
    queryKey: ["operator", "devices", query],
    queryFn: () => api.get<Page<FleetDevice>>("/api/v1/operator/devices", query),
    placeholderData: keepPreviousData,
  });
  const open = parseDeviceRef(f.device);
  const filtered = !!(f.tenant || f.q || f.status || f.connectivity);
  const filter = (patch: Partial<Record<keyof typeof f, string | null>>) => set({ ...patch, offset: null });
  return (
    <>
      <PageHeader title="Devices" subtitle="Devices of every tenant. Open one to see its state, metrics and sensors." />
      <div className="toolbar" role="search" aria-label="Filter devices">
        <TenantFilter value={f.tenant} onChange={(tenant) => filter({ tenant })} />
        <SearchBox label="Search" placeholder="id, name, serial, model…" value={f.q} onCommit={(q) => filter({ q })} />
        <SelectField label="Status" value={f.status} options={STATUSES} onChange={(status) => filter({ status })} />
        <SelectField label="Connectivity" value={f.connectivity} options={CONNECTIVITY} onChange={(connectivity) => filter({ connectivity })} />
        {!f.status ? (
          <div className="field operator-check">
            <Checkbox label="Include decommissioned" checked={f.decommissioned === "1"} onChange={(v) => filter({ decommissioned: v ? "1" : null })} />
          </div>
        ) : null}
      </div>
      <DataTable
        query={list}
        rows={list.data?.items}
        rowKey={(d) => deviceRef(d.tenantId, d.deviceId)}
        caption="Devices"
        onRowClick={afterKeyEvent((d) => set({ device: deviceRef(d.tenantId, d.deviceId) }, true))}
        empty={filtered ? "No device matches these filters. Clear the search or pick another tenant or status." : "No tenant has a device yet. Tenants add devices in their console (or with `pulse simulate`)."}
        columns={[
          {
            key: "device",
            header: "Device",
            cell: (d) => (
              <button type="button" className="operator-link" onClick={() => set({ device: deviceRef(d.tenantId, d.deviceId) }, true)}>
                {d.displayName ?? d.deviceId}
                {d.displayName ? <span className="muted mono"> {d.deviceId}</span> : null}
              </button>
            ),
          },
          { key: "tenant", header: "Tenant", cell: (d) => <span className="mono">{d.tenantId}</span> },
          { key: "status", header: "Status", cell: (d) => <StatusBadge status={d.status} /> },
          { key: "conn", header: "Connectivity", cell: (d) => <StatusBadge status={d.connectivity} /> },
          { key: "type", header: "Type · model", cell: (d) => [d.deviceType, d.model].filter(Boolean).join(" · ") || "—" },
          { key: "fw", header: "Firmware", cell: (d) => d.fwVersion ?? "—" },
          { key: "seen", header: "Last seen", className: "operator-nowrap", cell: (d) => (d.lastSeenAt ? <span title={dateTime(d.lastSeenAt)}>{ago(d.lastSeenAt)}</span> : "never") },
        ]}
      />
      {list.data ? <Pagination total={list.data.total} limit={PAGE_SIZE} offset={list.data.offset} onChange={(o) => set({ offset: String(o) }, true)} /> : null}
      {open ? <DeviceModal tenantId={open.tenantId} deviceId={open.deviceId} onClose={() => set({ device: null })} /> : null}
    </>
  );
}
