/**
 * Device groups: static ones list their devices, dynamic ones keep a device filter. The list
 * (kind filter and page in the URL), create and edit in a dialog, and the chosen group's devices.
 */
import { useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, errorMessage, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useUrlState } from "../../lib/url-state";
import { Button, ConfirmButton } from "../../ui/controls";
import { Modal, PageHeader, Tabs } from "../../ui/layout";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { API, byId, seen, useSites, useTemplates, type Group } from "./data";
import { GroupDetail } from "./group-detail";
import { GroupDialog } from "./group-dialog";
import { describeFilter } from "./group-form";

const PAGE = 50;
const KINDS = [
  { id: "", label: "All groups" },
  { id: "static", label: "Static" },
  { id: "dynamic", label: "Dynamic" },
] as const;

function columns(names: { sites: Map<string, string>; templates: Map<string, string> }, write: boolean, edit: (g: Group) => void, remove: (g: Group) => void): Column<Group>[] {
  const cols: Column<Group>[] = [
    { key: "name", header: "Group", cell: (g) => <><strong>{g.name}</strong>{g.description ? <div className="muted">{g.description}</div> : null}</> },
    { key: "kind", header: "Kind", cell: (g) => <span className="tag">{g.kind}</span> },
    { key: "rule", header: "Devices in it", cell: (g) => (g.kind === "dynamic" ? describeFilter(g.filter, names) : <span className="muted">listed</span>) },
    { key: "count", header: "Devices", className: "num", cell: (g) => g.memberCount },
    { key: "updated", header: "Changed", cell: (g) => seen(g.updatedAt) },
  ];
  if (!write) return cols;
  return [
    ...cols,
    {
      key: "actions",
      header: <span className="sr-only">Actions</span>,
      cell: (g) => (
        <div className="row fleet-row-actions">
          <Button variant="ghost" onClick={() => edit(g)} aria-label={`Edit ${g.name}`}>Edit</Button>
          <ConfirmButton confirm={`Delete ${g.name}? Its devices stay.`} onConfirm={() => remove(g)}>Delete</ConfirmButton>
        </div>
      ),
    },
  ];
}

export default function Groups() {
  const { me } = useAuth();
  const write = canWrite(me);
  const qc = useQueryClient();
  const [s, set] = useUrlState({ kind: "", offset: "0", group: "", members: "0" });
  const kind = s.kind === "static" || s.kind === "dynamic" ? s.kind : "";
  const query = { kind: kind || undefined, limit: PAGE, offset: Number(s.offset) || 0 };
  const list = useQuery({ queryKey: ["groups", "list", query], queryFn: () => api.get<Page<Group>>(`${API}/device-groups`, query), placeholderData: keepPreviousData });
  const names = { sites: byId(useSites().data?.items, "siteId", (x) => x.name), templates: byId(useTemplates().data?.items, "templateId", (t) => t.name) };
  const [dialog, setDialog] = useState<{ group: Group | null } | null>(null);
  const open = (groupId: string) => set({ group: groupId, members: null }, true);
  const remove = async (g: Group) => {
    try {
      await api.del(`${API}/device-groups/${g.groupId}`);
      if (s.group === g.groupId) set({ group: null, members: null });
      await qc.invalidateQueries({ queryKey: ["groups"] });
      toast(`Group ${g.name} deleted`);
    } catch (err) {
      toast(`Could not delete ${g.name}: ${errorMessage(err)}`, "bad");
    }
  };
  return (
    <>
      <PageHeader title="Groups" subtitle="Static groups list their devices; dynamic groups follow a device filter." actions={write ? <Button variant="primary" onClick={() => setDialog({ group: null })}>Add group</Button> : null} />
      <Tabs label="Kind of group" tabs={KINDS} value={kind} onChange={(k) => set({ kind: k, offset: null })} />
      <DataTable
        query={list}
        rows={list.data?.items}
        columns={columns(names, write, (g) => setDialog({ group: g }), (g) => void remove(g))}
        rowKey={(g) => g.groupId}
        caption="Device groups"
        onRowClick={(g) => open(g.groupId)}
        selected={s.group ? new Set([s.group]) : undefined}
        empty={kind ? `No ${kind} groups yet.` : write ? <>No groups yet. <Button variant="ghost" onClick={() => setDialog({ group: null })}>Add a group</Button> to act on many devices at once.</> : "No groups yet."}
      />
      {list.data ? <Pagination total={list.data.total} limit={list.data.limit} offset={list.data.offset} onChange={(o) => set({ offset: String(o) }, true)} /> : null}
      {s.group ? (
        <GroupDetail key={s.group} groupId={s.group} offset={Number(s.members) || 0} setOffset={(o) => set({ members: String(o) }, true)} write={write} close={() => set({ group: null, members: null })} />
      ) : null}
      <Modal open={dialog !== null} title={dialog?.group ? `Edit ${dialog.group.name}` : "Add group"} onClose={() => setDialog(null)} wide>
        {dialog ? (
          <GroupDialog key={dialog.group?.groupId ?? "new"} group={dialog.group} onClose={() => setDialog(null)} onSaved={(g) => (setDialog(null), open(g.groupId))} />
        ) : null}
      </Modal>
    </>
  );
}
