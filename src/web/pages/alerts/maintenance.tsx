/**
 * Maintenance windows (/maintenance): while one covering a device is on, no alerts open for it.
 * The list shows one-off and weekly windows with their time zone, scope and whether they are on
 * now; writers create, edit (in a dialog) and delete them.
 */
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, errorMessage, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useUrlState } from "../../lib/url-state";
import { Button, ConfirmButton, SearchInput, SelectField } from "../../ui/controls";
import { PageHeader } from "../../ui/layout";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { scopeText, type ScopeNames } from "./scope";
import { useScopeNames } from "./scope-picker";
import type { MaintenanceWindow } from "./types";
import { WindowDialog } from "./window-dialog";
import { windowState, windowText, windowZone } from "./window-form";

const PAGE = 25;
const WINDOWS = "/api/v1/customer/maintenance-windows";
const STATE_BADGE = { active: "badge-warn", upcoming: "badge-ok", scheduled: "", ended: "", disabled: "" } as const;
const STATE_TEXT = { active: "active now", upcoming: "upcoming", scheduled: "waiting for its hours", ended: "ended", disabled: "disabled" } as const;

function columns(write: boolean, names: ScopeNames, edit: (w: MaintenanceWindow) => void, remove: (w: MaintenanceWindow) => void): Column<MaintenanceWindow>[] {
  const cols: Column<MaintenanceWindow>[] = [
    { key: "name", header: "Name", cell: (w) => <strong>{w.name}</strong> },
    { key: "state", header: "Status", cell: (w) => { const s = windowState(w); return <span className={`badge ${STATE_BADGE[s]}`}>{STATE_TEXT[s]}</span>; } },
    { key: "kind", header: "Kind", className: "alerts-nowrap", cell: (w) => (w.recurrence ? "weekly" : "one-off") },
    { key: "when", header: "When", cell: (w) => <span className="alerts-when">{windowText(w)}</span> },
    { key: "zone", header: "Time zone", cell: (w) => windowZone(w) },
    { key: "scope", header: "Scope", cell: (w) => <span className="alerts-scope-text">{scopeText(w.scope, names)}</span> },
  ];
  if (write) {
    cols.push({
      key: "actions",
      header: <span className="sr-only">Actions</span>,
      cell: (w) => (
        <span className="alerts-actions">
          <Button aria-label={`Edit ${w.name}`} onClick={() => edit(w)}>Edit</Button>
          <ConfirmButton confirm={`Delete "${w.name}"?`} onConfirm={() => remove(w)}>Delete</ConfirmButton>
        </span>
      ),
    });
  }
  return cols;
}

export default function Maintenance() {
  const { me } = useAuth();
  const write = canWrite(me);
  const qc = useQueryClient();
  const names = useScopeNames();
  const [s, set] = useUrlState({ q: "", enabled: "", offset: "0", edit: "" });
  const offset = Math.max(0, Number(s.offset) || 0);
  const query = { search: s.q.trim() || undefined, enabled: s.enabled || undefined, limit: PAGE, offset };
  const list = useQuery({ queryKey: ["maintenance-windows", "list", query], queryFn: () => api.get<Page<MaintenanceWindow>>(WINDOWS, query), placeholderData: keepPreviousData });
  const editing = useQuery({ queryKey: ["maintenance-windows", "one", s.edit], queryFn: () => api.get<MaintenanceWindow>(`${WINDOWS}/${s.edit}`), enabled: write && !!s.edit && s.edit !== "new" });
  const dialog = !write || !s.edit ? undefined : s.edit === "new" ? null : editing.data;

  async function remove(w: MaintenanceWindow) {
    try {
      await api.del(`${WINDOWS}/${w.windowId}`);
      toast(`Window "${w.name}" deleted`);
    } catch (err) {
      toast(errorMessage(err), "bad");
    }
    await qc.invalidateQueries({ queryKey: ["maintenance-windows"] });
  }

  return (
    <>
      <PageHeader
        title="Maintenance windows"
        subtitle="While a window covering a device is on, no new alerts open for it; open ones still close."
        actions={write ? <Button variant="primary" onClick={() => set({ edit: "new" }, true)}>New window</Button> : null}
      />
      <div className="toolbar" role="search" aria-label="Filter windows">
        <div className="field">
          <SearchInput label="Search windows" value={s.q} onChange={(q) => set({ q, offset: null })} />
        </div>
        <SelectField label="Enabled" value={s.enabled} onChange={(enabled) => set({ enabled, offset: null })} options={[{ value: "", label: "Any" }, { value: "true", label: "Enabled" }, { value: "false", label: "Disabled" }]} />
      </div>
      {editing.isError ? <div className="form-error" role="alert">Could not open that window: {errorMessage(editing.error)}</div> : null}
      <DataTable
        query={list}
        rows={list.data?.items}
        columns={columns(write, names, (w) => set({ edit: w.windowId }, true), (w) => void remove(w))}
        rowKey={(w) => w.windowId}
        caption="Maintenance windows"
        empty={s.q || s.enabled ? "No windows match these filters. Clear them to see every window." : write ? "No maintenance windows. Plan one with “New window” before servicing devices, so they raise no alerts meanwhile." : "No maintenance windows planned."}
      />
      {list.data ? <Pagination total={list.data.total} limit={PAGE} offset={offset} onChange={(o) => set({ offset: String(o) }, true)} /> : null}
      <WindowDialog window={dialog} onClose={() => set({ edit: null })} />
    </>
  );
}
