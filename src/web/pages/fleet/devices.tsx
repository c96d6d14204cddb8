/**
 * The device list: search and filters in the URL, live connectivity, offset pagination and
 * bulk actions on selected rows.
 */
import { useEffect, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useLocation } from "wouter";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import type { LiveDevice } from "../../lib/live";
import { useUrlState } from "../../lib/url-state";
import { StatusBadge, Tag } from "../../ui/badges";
import { Button, SelectField } from "../../ui/controls";
import { PageHeader } from "../../ui/layout";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { BulkBar } from "./bulk";
import { DebouncedSearch } from "./search";
import { API, byId, CONNECTIVITY, DEVICE_STATUSES, seen, useFleetDevices, useNow, useSites, useTags, useTemplates, type Device } from "./data";
import { deviceQuery, isFiltered, LIST_DEFAULTS, withCurrent, type ListState } from "./device-query";

function Filters({ s, set }: { s: ListState; set: (p: Partial<ListState>) => void }) {
  const sites = useSites();
  const templates = useTemplates();
  const tags = useTags();
  const opts = (any: string, items: { value: string; label: string }[], value: string) => withCurrent([{ value: "", label: any }, ...items], value);
  const pick = (key: keyof ListState) => (v: string) => set({ [key]: v, offset: "0" });
  return (
    <div className="toolbar" role="search">
      <DebouncedSearch value={s.q} onChange={pick("q")} label="Search devices" placeholder="Search id, name, serial, model…" />
      <SelectField label="Status" value={s.status} onChange={pick("status")} options={opts("Not decommissioned", DEVICE_STATUSES.map((v) => ({ value: v, label: v.toLowerCase() })), s.status)} />
      <SelectField label="Connectivity" value={s.connectivity} onChange={pick("connectivity")} options={opts("Any", CONNECTIVITY.map((v) => ({ value: v, label: v.toLowerCase() })), s.connectivity)} />
      <SelectField label="Site" value={s.site} onChange={pick("site")} options={opts("Any site", (sites.data?.items ?? []).map((x) => ({ value: x.siteId, label: x.name })), s.site)} />
      <SelectField label="Template" value={s.template} onChange={pick("template")} options={opts("Any template", (templates.data?.items ?? []).map((t) => ({ value: t.templateId, label: t.name })), s.template)} />
      <SelectField label="Tag" value={s.tag} onChange={pick("tag")} options={opts("Any tag", (tags.data?.items ?? []).map((t) => ({ value: t.tag, label: `${t.tag} (${t.deviceCount})` })), s.tag)} />
    </div>
  );
}

function columns(live: Record<string, LiveDevice>, sites: Map<string, string>, templates: Map<string, string>, now: number): Column<Device>[] {
  return [
    {
      key: "id",
      header: "Device",
      cell: (d) => (
        <>
          <Link href={`/devices/${d.deviceId}`} className="mono">{d.deviceId}</Link>
          {d.displayName ? <div className="muted">{d.displayName}</div> : null}
        </>
      ),
    },
    {
      key: "connectivity",
      header: "Connectivity",
      cell: (d) => (
        <>
          <StatusBadge status={live[d.deviceId]?.connectivity ?? d.state.connectivity} /> {d.status !== "ACTIVE" ? <StatusBadge status={d.status} /> : null}
        </>
      ),
    },
    { key: "site", header: "Site", cell: (d) => (d.siteId ? (sites.get(d.siteId) ?? d.siteId) : <span className="muted">—</span>) },
    { key: "template", header: "Template", cell: (d) => (d.templateId ? (templates.get(d.templateId) ?? "…") : <span className="muted">—</span>) },
    { key: "tags", header: "Tags", cell: (d) => d.tags.map((t) => <Tag key={t}>{t}</Tag>) },
    { key: "seen", header: "Last seen", cell: (d) => <span title={live[d.deviceId]?.lastSeenAt ?? d.state.lastSeenAt ?? undefined}>{seen(live[d.deviceId]?.lastSeenAt ?? d.state.lastSeenAt, now)}</span> },
  ];
}

export default function DeviceList() {
  const { me } = useAuth();
  const write = canWrite(me);
  const [, navigate] = useLocation();
  const [s, set] = useUrlState(LIST_DEFAULTS);
  const query = deviceQuery(s);
  const list = useQuery({ queryKey: ["devices", "list", query], queryFn: () => api.get<Page<Device>>(`${API}/devices`, query), placeholderData: keepPreviousData });
  const [live, setLive] = useState<Record<string, LiveDevice>>({});
  useFleetDevices((d) => setLive((m) => ({ ...m, [d.deviceId]: d })), () => setLive({}));
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const queryKey = JSON.stringify(query);
  useEffect(() => setSelected(new Set()), [queryKey]);
  const now = useNow();
  const sites = byId(useSites().data?.items, "siteId", (x) => x.name);
  const templates = byId(useTemplates().data?.items, "templateId", (t) => t.name);
  const actions = write ? (
    <>
      <Link href="/devices/new" className="btn btn-primary fleet-link-btn">Add device</Link>
      <Link href="/devices/import" className="btn fleet-link-btn">Import CSV</Link>
    </>
  ) : null;
  return (
    <>
      <PageHeader title="Devices" subtitle={list.data ? `${list.data.total.toLocaleString()} device${list.data.total === 1 ? "" : "s"}` : undefined} actions={actions} />
      <Filters s={s} set={set} />
      {write && selected.size ? <BulkBar ids={[...selected]} onDone={() => setSelected(new Set())} /> : null}
      <DataTable
        query={list}
        rows={list.data?.items}
        columns={columns(live, sites, templates, now)}
        rowKey={(d) => d.deviceId}
        caption="Devices"
        onRowClick={(d) => navigate(`/devices/${d.deviceId}`)}
        selected={write ? selected : undefined}
        onSelect={write ? setSelected : undefined}
        empty={
          isFiltered(s) ? (
            <>
              No devices match these filters. <Button variant="ghost" onClick={() => set({ q: "", status: "", connectivity: "", site: "", template: "", tag: "", offset: "0" })}>Clear filters</Button>
            </>
          ) : (
            <>No devices yet. {write ? <><Link href="/devices/new">Add a device</Link> or <Link href="/devices/import">import a CSV file</Link>.</> : "An administrator can add them."}</>
          )
        }
      />
      {list.data ? <Pagination total={list.data.total} limit={list.data.limit} offset={list.data.offset} onChange={(o) => set({ offset: String(o) }, true)} /> : null}
    </>
  );
}
