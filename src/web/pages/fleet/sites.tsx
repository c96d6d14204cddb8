/** Sites: where devices are. A searchable list; create and edit in a dialog; delete an empty site. */
import { useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { NewSite, SitePatch } from "../../../http/api/bodies/devices";
import { api, errorMessage, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useForm } from "../../lib/form";
import { useUrlState } from "../../lib/url-state";
import { Button, ConfirmButton, SelectField, TextField } from "../../ui/controls";
import { Modal, PageHeader } from "../../ui/layout";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { API, type Site } from "./data";
import { DebouncedSearch } from "./search";
import { newSiteBody, SITE_FORM, sitePatchBody, slug, toSiteForm, type SiteForm } from "./site-form";

const PAGE = 50;
const ZONES = ["UTC", ...Intl.supportedValuesOf("timeZone").filter((z) => z !== "UTC")];
const HERE = Intl.DateTimeFormat().resolvedOptions().timeZone;

const refresh = (qc: ReturnType<typeof useQueryClient>) => Promise.all(["sites", "devices", "fleet"].map((k) => qc.invalidateQueries({ queryKey: [k] })));

/** Create (no `site`) or edit one site. */
function SiteDialog({ site, onClose }: { site: Site | null; onClose: () => void }) {
  const qc = useQueryClient();
  const editing = site !== null;
  const [idTouched, setIdTouched] = useState(editing);
  const form = useForm<SiteForm, typeof NewSite | typeof SitePatch>(
    site ? toSiteForm(site) : { ...SITE_FORM, timezone: ZONES.includes(HERE) ? HERE : "UTC" },
    editing ? SitePatch : NewSite,
    async (body) => {
      const saved = editing ? await api.patch<Site>(`${API}/sites/${site.siteId}`, body) : await api.post<Site>(`${API}/sites`, body);
      await refresh(qc);
      toast(`Site ${saved.name} ${editing ? "saved" : "created"}`);
      onClose();
    },
    editing ? sitePatchBody : newSiteBody,
  );
  const e = form.errors;
  const setName = (v: string) => (form.set("name", v), idTouched || form.set("siteId", slug(v)));
  return (
    <form onSubmit={(ev) => void form.submit(ev)} noValidate>
      <TextField label="Name" value={form.values.name} onChange={setName} error={e.name} required autoFocus />
      <TextField label="Site ID" value={form.values.siteId} onChange={(v) => (setIdTouched(true), form.set("siteId", v))} error={e.siteId} disabled={editing} hint={editing ? "A site's id does not change." : "Used in the API and CSV imports."} />
      <TextField label="Address" value={form.values.address} onChange={(v) => form.set("address", v)} error={e.address} />
      <div className="form-grid">
        <TextField label="Latitude" inputMode="decimal" value={form.values.lat} onChange={(v) => form.set("lat", v)} error={e.lat} hint="-90 to 90" />
        <TextField label="Longitude" inputMode="decimal" value={form.values.lng} onChange={(v) => form.set("lng", v)} error={e.lng} hint="-180 to 180" />
      </div>
      <SelectField label="Time zone" value={form.values.timezone} onChange={(v) => form.set("timezone", v)} error={e.timezone} options={ZONES} />
      {form.formError && !Object.keys(e).length ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button onClick={onClose}>Cancel</Button>
        <Button type="submit" variant="primary" busy={form.busy}>{editing ? "Save site" : "Create site"}</Button>
      </div>
    </form>
  );
}

function columns(write: boolean, edit: (s: Site) => void, remove: (s: Site) => void): Column<Site>[] {
  const cols: Column<Site>[] = [
    { key: "name", header: "Site", cell: (s) => <><strong>{s.name}</strong><div className="muted mono">{s.siteId}</div></> },
    { key: "address", header: "Address", cell: (s) => s.address ?? <span className="muted">—</span> },
    { key: "location", header: "Location", cell: (s) => (s.lat !== null && s.lng !== null ? <span className="mono fleet-nowrap">{s.lat.toFixed(4)}, {s.lng.toFixed(4)}</span> : <span className="muted">—</span>) },
    { key: "tz", header: "Time zone", cell: (s) => s.timezone },
    { key: "devices", header: "Devices", className: "num", cell: (s) => <Link href={`/devices?site=${encodeURIComponent(s.siteId)}`}>{s.deviceCount}</Link> },
  ];
  if (!write) return cols;
  return [
    ...cols,
    {
      key: "actions",
      header: <span className="sr-only">Actions</span>,
      cell: (s) => (
        <div className="row fleet-row-actions">
          <Button variant="ghost" onClick={() => edit(s)} aria-label={`Edit ${s.name}`}>Edit</Button>
          <ConfirmButton confirm={`Delete ${s.name}?`} onConfirm={() => remove(s)}>Delete</ConfirmButton>
        </div>
      ),
    },
  ];
}

export default function Sites() {
  const { me } = useAuth();
  const write = canWrite(me);
  const qc = useQueryClient();
  const [s, set] = useUrlState({ q: "", offset: "0" });
  const query = { search: s.q.trim() || undefined, limit: PAGE, offset: Number(s.offset) || 0 };
  const list = useQuery({ queryKey: ["sites", "list", query], queryFn: () => api.get<Page<Site>>(`${API}/sites`, query), placeholderData: keepPreviousData });
  const [dialog, setDialog] = useState<{ site: Site | null } | null>(null);
  const remove = async (site: Site) => {
    try {
      await api.del(`${API}/sites/${site.siteId}`);
      await refresh(qc);
      toast(`Site ${site.name} deleted`);
    } catch (err) {
      toast(`Could not delete ${site.name}: ${errorMessage(err)}`, "bad");
    }
  };
  return (
    <>
      <PageHeader title="Sites" subtitle="Where your devices are." actions={write ? <Button variant="primary" onClick={() => setDialog({ site: null })}>Add site</Button> : null} />
      <div className="toolbar" role="search">
        <DebouncedSearch value={s.q} onChange={(v) => set({ q: v, offset: null })} label="Search sites" />
      </div>
      <DataTable
        query={list}
        rows={list.data?.items}
        columns={columns(write, (site) => setDialog({ site }), (site) => void remove(site))}
        rowKey={(x) => x.siteId}
        caption="Sites"
        empty={s.q ? "No site matches this search." : write ? <>No sites yet. <Button variant="ghost" onClick={() => setDialog({ site: null })}>Add the first site</Button></> : "No sites yet."}
      />
      {list.data ? <Pagination total={list.data.total} limit={list.data.limit} offset={list.data.offset} onChange={(o) => set({ offset: String(o) }, true)} /> : null}
      <Modal open={dialog !== null} title={dialog?.site ? `Edit ${dialog.site.name}` : "Add site"} onClose={() => setDialog(null)}>
        {dialog ? <SiteDialog key={dialog.site?.siteId ?? "new"} site={dialog.site} onClose={() => setDialog(null)} /> : null}
      </Modal>
    </>
  );
}
