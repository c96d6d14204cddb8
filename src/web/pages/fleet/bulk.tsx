/**
 * Bulk actions on the devices selected in the list: add or remove a tag, add to a static
 * group, decommission (asked twice). Each reports how many devices it changed and why any failed.
 */
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Tag } from "../../../http/api/bodies/devices";
import { api, errorMessage } from "../../lib/api";
import { Button, ConfirmButton, SelectField, TextField } from "../../ui/controls";
import { toast } from "../../ui/toast";
import { API, useStaticGroups } from "./data";
import { forEach } from "./device-query";

const devices = (n: number) => `${n} device${n === 1 ? "" : "s"}`;

export function BulkBar({ ids, onDone }: { ids: string[]; onDone: () => void }) {
  const qc = useQueryClient();
  const groups = useStaticGroups();
  const [tag, setTag] = useState("");
  const [tagError, setTagError] = useState<string | undefined>();
  const [group, setGroup] = useState("");
  const [busy, setBusy] = useState<string | null>(null);

  const finish = async (what: string, r: { done: number; failed: { id: string; error: unknown }[] }) => {
    await Promise.all(["devices", "tags", "groups", "fleet"].map((k) => qc.invalidateQueries({ queryKey: [k] })));
    if (r.failed.length) toast(`${what}: ${r.done} done, ${r.failed.length} failed (${r.failed[0]!.id}: ${errorMessage(r.failed[0]!.error)})`, "bad");
    else toast(`${what}: ${devices(r.done)}`);
    onDone();
  };
  const run = async (key: string, what: string, fn: (id: string) => Promise<unknown>) => {
    setBusy(key);
    try {
      await finish(what, await forEach(ids, fn));
    } finally {
      setBusy(null);
    }
  };
  const tagAction = (add: boolean) => {
    const t = Tag.safeParse(tag);
    if (!t.success) return setTagError(t.error.issues[0]!.message);
    setTagError(undefined);
    const path = (id: string) => `${API}/devices/${id}/tags/${encodeURIComponent(t.data)}`;
    void run(add ? "tag+" : "tag-", `Tag "${t.data}" ${add ? "added" : "removed"}`, (id) => (add ? api.post(path(id)) : api.del(path(id))));
  };
  const addToGroup = async () => {
    setBusy("group");
    try {
      await api.post(`${API}/device-groups/${group}/devices`, { deviceIds: ids });
      await finish("Added to the group", { done: ids.length, failed: [] });
    } catch (err) {
      toast(`Nothing was added to the group: ${errorMessage(err)}`, "bad");
    } finally {
      setBusy(null);
    }
  };
  const groupOptions = [{ value: "", label: groups.data?.items.length ? "Choose a group" : "No static groups yet" }, ...(groups.data?.items ?? []).map((g) => ({ value: g.groupId, label: g.name }))];
  return (
    <div className="fleet-bulk" role="region" aria-label="Bulk actions">
      <strong>{devices(ids.length)} selected</strong>
      <div className="toolbar">
        <TextField label="Tag to add or remove" value={tag} onChange={setTag} error={tagError} maxLength={64} />
        <Button busy={busy === "tag+"} disabled={!!busy || !tag.trim()} onClick={() => tagAction(true)}>Add tag</Button>
        <Button busy={busy === "tag-"} disabled={!!busy || !tag.trim()} onClick={() => tagAction(false)}>Remove tag</Button>
        <SelectField label="Static group" value={group} onChange={setGroup} options={groupOptions} />
        <Button busy={busy === "group"} disabled={!!busy || !group} onClick={() => void addToGroup()}>Add to group</Button>
        <ConfirmButton busy={busy === "decommission"} confirm={`Decommission ${devices(ids.length)}? Their tokens are revoked.`} onConfirm={() => void run("decommission", "Decommissioned", (id) => api.patch(`${API}/devices/${id}/decommission`, {}))}>
          Decommission
        </ConfirmButton>
        <Button variant="ghost" disabled={!!busy} onClick={onDone}>Clear selection</Button>
      </div>
    </div>
  );
}
