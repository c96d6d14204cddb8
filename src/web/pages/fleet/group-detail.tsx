/** One group's devices: a static group's members (add and remove), or who a dynamic group's filter matches now. */
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation } from "wouter";
import { GroupMembers } from "../../../http/api/bodies/devices";
import { api, errorMessage, type Page } from "../../lib/api";
import { useForm } from "../../lib/form";
import { StatusBadge } from "../../ui/badges";
import { Button, TextField } from "../../ui/controls";
import { Card, KeyValue } from "../../ui/layout";
import { DataTable, Pagination, QueryView, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { API, byId, useSites, useTemplates, type Group } from "./data";
import { describeFilter, groupFieldErrors, splitIds } from "./group-form";

interface Member {
  deviceId: string;
  displayName: string | null;
  siteId: string | null;
  status: string;
  connectivity: string;
}

const PAGE = 50;
const refresh = (qc: ReturnType<typeof useQueryClient>) => Promise.all([qc.invalidateQueries({ queryKey: ["groups"] }), qc.invalidateQueries({ queryKey: ["devices"] })]);

function AddMembers({ groupId }: { groupId: string }) {
  const qc = useQueryClient();
  const form = useForm({ deviceIds: "" }, GroupMembers, async (body) => {
    await api.post(`${API}/device-groups/${groupId}/devices`, body);
    await refresh(qc);
    toast(`Added ${body.deviceIds.length} device${body.deviceIds.length === 1 ? "" : "s"}`);
    form.setAll({ deviceIds: "" });
  }, (v) => ({ deviceIds: splitIds(v.deviceIds) }));
  const errors = groupFieldErrors(form.errors);
  return (
    <form className="toolbar" onSubmit={(e) => void form.submit(e)} noValidate>
      <TextField label="Add devices" placeholder="pump-1, pump-2" value={form.values.deviceIds} onChange={(v) => form.set("deviceIds", v)} error={errors.deviceIds ?? (form.formError && !Object.keys(errors).length ? form.formError : undefined)} />
      <Button type="submit" busy={form.busy}>Add</Button>
    </form>
  );
}

function columns(sites: Map<string, string>, remove?: (m: Member) => void): Column<Member>[] {
  const cols: Column<Member>[] = [
    { key: "id", header: "Device", cell: (m) => <><Link href={`/devices/${m.deviceId}`} className="mono">{m.deviceId}</Link>{m.displayName ? <div className="muted">{m.displayName}</div> : null}</> },
    { key: "connectivity", header: "Connectivity", cell: (m) => <StatusBadge status={m.connectivity} /> },
    { key: "status", header: "Status", cell: (m) => <StatusBadge status={m.status} /> },
    { key: "site", header: "Site", cell: (m) => (m.siteId ? (sites.get(m.siteId) ?? m.siteId) : <span className="muted">—</span>) },
  ];
  if (!remove) return cols;
  return [...cols, { key: "remove", header: <span className="sr-only">Actions</span>, cell: (m) => <Button variant="ghost" onClick={() => remove(m)} aria-label={`Remove ${m.deviceId} from the group`}>Remove</Button> }];
}

export function GroupDetail({ groupId, offset, setOffset, write, close }: { groupId: string; offset: number; setOffset: (o: number) => void; write: boolean; close: () => void }) {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const group = useQuery({ queryKey: ["groups", "one", groupId], queryFn: () => api.get<Group>(`${API}/device-groups/${groupId}`) });
  const members = useQuery({
    queryKey: ["groups", "one", groupId, "devices", offset],
    queryFn: () => api.get<Page<Member>>(`${API}/device-groups/${groupId}/devices`, { limit: PAGE, offset }),
    placeholderData: keepPreviousData,
  });
  const sites = byId(useSites().data?.items, "siteId", (s) => s.name);
  const templates = byId(useTemplates().data?.items, "templateId", (t) => t.name);
  const remove = async (m: Member) => {
    try {
      await api.del(`${API}/device-groups/${groupId}/devices/${m.deviceId}`);
      await refresh(qc);
      toast(`Removed ${m.deviceId}`);
    } catch (err) {
      toast(`Could not remove ${m.deviceId}: ${errorMessage(err)}`, "bad");
    }
  };
  return (
    <Card title={group.data ? `Group: ${group.data.name}` : "Group"} actions={<Button variant="ghost" onClick={close}>Close</Button>} className="fleet-section">
      <QueryView query={group}>
        {(g) => {
          const editable = write && g.kind === "static";
          return (
            <div className="stack">
              <KeyValue items={[["Kind", g.kind], ["Devices", g.memberCount], ["Description", g.description], ...(g.kind === "dynamic" ? [["Filter", describeFilter(g.filter, { sites, templates })] as [string, string]] : [])]} />
              {g.kind === "dynamic" ? <p className="muted">Members follow the filter: these are the devices it matches now.</p> : null}
              {editable ? <AddMembers groupId={g.groupId} /> : null}
              <DataTable
                query={members}
                rows={members.data?.items}
                columns={columns(sites, editable ? (m) => void remove(m) : undefined)}
                rowKey={(m) => m.deviceId}
                caption={`Devices of ${g.name}`}
                onRowClick={(m) => navigate(`/devices/${m.deviceId}`)}
                empty={g.kind === "static" ? (editable ? "No devices yet: add them above, or select devices in the device list and use “Add to group”." : "No devices in this group yet.") : "No device matches this filter now."}
              />
              {members.data ? <Pagination total={members.data.total} limit={members.data.limit} offset={members.data.offset} onChange={setOffset} /> : null}
            </div>
          );
        }}
      </QueryView>
    </Card>
  );
}
