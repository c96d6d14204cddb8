/** On-call schedules: each with who is on call right now, and a form for a new schedule. */
import { useState } from "react";
import { useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation } from "wouter";
import { ScheduleFields, SchedulePatch } from "../../../http/api/bodies/notify";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useForm } from "../../lib/form";
import { useUrlState } from "../../lib/url-state";
import { Button, TextArea, TextField } from "../../ui/controls";
import { Modal, PageHeader } from "../../ui/layout";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { isShift, PATHS, type OnCallNow, type Schedule } from "./types";
import { shortTime, timeZones } from "./zone";

const LIMIT = 50;
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export const currentQuery = (scheduleId: string) => ({
  queryKey: ["oncall", scheduleId, "current"],
  queryFn: () => api.get<OnCallNow>(`${PATHS.schedules}/${scheduleId}/current`),
  refetchInterval: 60_000,
});

/** Create (schedule null) or edit a schedule's name, description and time zone. */
export function ScheduleForm({ schedule, onDone }: { schedule: Schedule | null; onDone: (s: Schedule) => void }) {
  const qc = useQueryClient();
  const initial = { name: schedule?.name ?? "", description: schedule?.description ?? "", timezone: schedule?.timezone ?? browserZone() };
  const form = useForm(initial, schedule ? SchedulePatch : ScheduleFields, async (body) => {
    const saved = schedule ? await api.patch<Schedule>(`${PATHS.schedules}/${schedule.scheduleId}`, body) : await api.post<Schedule>(PATHS.schedules, body);
    toast(schedule ? `Saved ${saved.name}` : `Created ${saved.name}`);
    await qc.invalidateQueries({ queryKey: ["oncall"] });
    onDone(saved);
  }, (v) => ({ ...v, description: v.description.trim() || null, timezone: v.timezone.trim() }));
  const v = form.values;
  return (
    <form onSubmit={(e) => void form.submit(e)} noValidate>
      <TextField label="Name" required value={v.name} onChange={(x) => form.set("name", x)} error={form.errors.name} />
      <TextField label="Time zone" required list="notify-zones" value={v.timezone} onChange={(x) => form.set("timezone", x)} error={form.errors.timezone} hint="Daily and weekly hand-offs keep their wall-clock time in this zone, across DST changes." />
      <datalist id="notify-zones">
        {timeZones().map((z) => <option key={z} value={z} />)}
      </datalist>
      <TextArea label="Description" value={v.description} onChange={(x) => form.set("description", x)} error={form.errors.description} rows={2} />
      {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="primary" type="submit" busy={form.busy}>{schedule ? "Save" : "Create schedule"}</Button>
      </div>
    </form>
  );
}

function OnCallCell({ now, tz }: { now: OnCallNow | undefined; tz: string }) {
  if (!now) return <span className="muted">…</span>;
  if (!isShift(now)) return <span className="muted">Nobody</span>;
  return (
    <span>
      <strong>{now.responder.name}</strong> <span className="muted">until {shortTime(now.end, tz)}{now.source === "override" ? " (override)" : ""}</span>
    </span>
  );
}

export default function OnCallPage() {
  const { me } = useAuth();
  const write = canWrite(me);
  const [, navigate] = useLocation();
  const [url, setUrl] = useUrlState({ offset: "0" });
  const offset = Number(url.offset) || 0;
  const query = useQuery({ queryKey: ["oncall", "list", { offset }], queryFn: () => api.get<Page<Schedule>>(PATHS.schedules, { limit: LIMIT, offset }) });
  const schedules = query.data?.items ?? [];
  const current = useQueries({ queries: schedules.map((s) => currentQuery(s.scheduleId)) });
  const [creating, setCreating] = useState(false);
  const columns: Column<Schedule>[] = [
    { key: "name", header: "Schedule", cell: (s) => <Link href={`/oncall/${s.scheduleId}`}>{s.name}</Link> },
    { key: "now", header: "On call now", cell: (s) => <OnCallCell now={current[schedules.indexOf(s)]?.data} tz={s.timezone} /> },
    { key: "tz", header: "Time zone", cell: (s) => s.timezone },
    { key: "description", header: "Description", cell: (s) => <span className="muted">{s.description ?? ""}</span> },
  ];
  return (
    <>
      <PageHeader
        title="On-call"
        subtitle="Rotations of responders; escalation levels can notify whoever is on call."
        actions={write ? <Button variant="primary" onClick={() => setCreating(true)}>New schedule</Button> : undefined}
      />
      <DataTable
        query={query}
        rows={schedules}
        columns={columns}
        rowKey={(s) => s.scheduleId}
        onRowClick={(s) => navigate(`/oncall/${s.scheduleId}`)}
        caption="On-call schedules"
        empty={write ? "No on-call schedules. Create one, then add a rotation layer with its responders." : "No on-call schedules yet."}
      />
      {query.data ? <Pagination total={query.data.total} limit={LIMIT} offset={offset} onChange={(o) => setUrl({ offset: String(o) })} /> : null}
      <Modal open={creating} title="New on-call schedule" onClose={() => setCreating(false)}>
        <ScheduleForm schedule={null} onDone={(s) => (setCreating(false), navigate(`/oncall/${s.scheduleId}`))} />
      </Modal>
    </>
  );
}
