/**
 * One on-call schedule: who is on call now, a 14-day timeline (its start day in the URL), the
 * rotation layers and the overrides. Times read in the schedule's own time zone.
 */
import { useEffect, useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link, useLocation, useParams } from "wouter";
import { api } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { ago } from "../../lib/format";
import { useUrlState } from "../../lib/url-state";
import { Button, ConfirmButton } from "../../ui/controls";
import { Card, Modal, PageHeader } from "../../ui/layout";
import { DataTable, ErrorBox, Loading, QueryView, type Column } from "../../ui/table";
import { currentQuery, ScheduleForm } from "./oncall";
import { LayerForm, OverrideForm } from "./oncall-forms";
import { TimelineChart } from "./oncall-timeline";
import { useAction } from "./parts";
import { layoutTimeline } from "./timeline";
import { isShift, PATHS, type Layer, type Override, type ScheduleDetail, type Shift } from "./types";
import { addDays, dayIn, dayStart, shortTime } from "./zone";

const DAYS = 14;

function useNow(everyMs = 60_000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

function NowCard({ s, shifts }: { s: ScheduleDetail; shifts: Shift[] | undefined }) {
  const current = useQuery(currentQuery(s.scheduleId));
  const shift = isShift(current.data) ? current.data : null;
  const next = shift && shifts?.find((x) => Date.parse(x.start) >= Date.parse(shift.end));
  const source = shift?.source === "override" ? "an override" : (s.layers.find((l) => l.layerId === shift?.layerId)?.name ?? "a layer");
  return (
    <Card title="On call now" className="notify-now">
      {current.isPending ? <Loading /> : current.isError ? <ErrorBox error={current.error} retry={() => void current.refetch()} /> : !shift ? (
        <p>Nobody is on call now. {s.layers.length ? "No layer has started yet." : "Add a rotation layer below."}</p>
      ) : (
        <div className="stack notify-tight">
          <div className="notify-now-name">{shift.responder.name}</div>
          <div className="row">
            {shift.responder.email ? <a href={`mailto:${shift.responder.email}`}>{shift.responder.email}</a> : null}
            {shift.responder.phone ? <a href={`tel:${shift.responder.phone}`}>{shift.responder.phone}</a> : null}
          </div>
          <div className="muted">
            Until {shortTime(shift.end, s.timezone)} ({ago(shift.end)}), from {source}.
          </div>
          {next ? <div>Next: <strong>{next.responder.name}</strong> <span className="muted">from {shortTime(next.start, s.timezone)}</span></div> : null}
        </div>
      )}
    </Card>
  );
}

/** The timeline window (its start day in the URL, default today in the schedule's zone) and its shifts. */
function useTimeline(s: ScheduleDetail) {
  const tz = s.timezone;
  const now = useNow();
  const [url, setUrl] = useUrlState({ start: "" });
  const today = dayIn(now, tz);
  const startDay = /^\d{4}-\d{2}-\d{2}$/.test(url.start) ? url.start : today;
  const from = dayStart(startDay, tz);
  const to = dayStart(addDays(startDay, DAYS), tz);
  const query = useQuery({
    queryKey: ["oncall", s.scheduleId, "timeline", startDay],
    queryFn: () => api.get<{ shifts: Shift[] }>(`${PATHS.schedules}/${s.scheduleId}/timeline`, { from: new Date(from).toISOString(), to: new Date(to).toISOString() }),
  });
  const go = (day: string) => setUrl({ start: day === today ? null : day });
  return { query, now, today, startDay, from, to, go };
}

function Timeline({ s, t }: { s: ScheduleDetail; t: ReturnType<typeof useTimeline> }) {
  const { query, now, today, startDay, from, to, go } = t;
  const layout = useMemo(() => (query.data ? layoutTimeline(s, query.data.shifts, from, to, now) : null), [query.data, s, from, to, now]);
  const actions = (
    <div className="row" role="group" aria-label="Timeline window">
      <Button variant="ghost" onClick={() => go(addDays(startDay, -7))}>← Week</Button>
      <Button variant="ghost" disabled={startDay === today} onClick={() => go(today)}>Today</Button>
      <Button variant="ghost" onClick={() => go(addDays(startDay, 7))}>Week →</Button>
    </div>
  );
  return (
    <Card title={`Timeline: ${DAYS} days`} actions={actions}>
      <QueryView query={query}>
        {() => (layout ? <TimelineChart layout={layout} tz={s.timezone} from={from} caption={`${DAYS} days from ${shortTime(from, s.timezone)}, times in ${s.timezone}. Each layer is drawn on its own; the last row is who is actually on call.`} /> : null)}
      </QueryView>
    </Card>
  );
}

function Layers({ s, write }: { s: ScheduleDetail; write: boolean }) {
  const [editing, setEditing] = useState<Layer | "new" | null>(null);
  const { busy, run } = useAction();
  const layers = [...s.layers].sort((a, b) => b.order - a.order);
  const columns: Column<Layer>[] = [
    { key: "name", header: "Layer", cell: (l) => <strong>{l.name}</strong> },
    { key: "order", header: "Order", className: "num", cell: (l) => l.order },
    { key: "rotation", header: "Rotation", cell: (l) => (l.rotation === "custom" ? `every ${l.shiftHours} h` : l.rotation) },
    { key: "handoff", header: "First hand-off", cell: (l) => shortTime(l.startsAt, s.timezone) },
    { key: "who", header: "Responders", cell: (l) => l.responders.map((r) => r.name).join(" → ") },
  ];
  if (write) {
    columns.push({
      key: "actions",
      header: <span className="sr-only">Actions</span>,
      className: "notify-actions",
      cell: (l) => (
        <div className="row">
          <Button onClick={() => setEditing(l)} aria-label={`Edit ${l.name}`}>Edit</Button>
          <ConfirmButton busy={busy === l.layerId} confirm={`Remove ${l.name}?`} onConfirm={() => void run(l.layerId, () => api.del(`${PATHS.schedules}/${s.scheduleId}/layers/${l.layerId}`), { ok: `Removed ${l.name}`, keys: [["oncall"]] })}>Remove</ConfirmButton>
        </div>
      ),
    });
  }
  return (
    <Card title="Rotation layers" actions={write ? <Button onClick={() => setEditing("new")}>Add layer</Button> : undefined}>
      <DataTable rows={layers} columns={columns} rowKey={(l) => l.layerId} caption="Rotation layers, highest order first" empty={write ? "No layers: nobody is on call. Add a daily, weekly or custom rotation." : "No layers: nobody is on call."} />
      <Modal open={editing !== null} title={editing === "new" ? "Add a rotation layer" : `Edit ${editing?.name ?? ""}`} onClose={() => setEditing(null)} wide>
        <LayerForm scheduleId={s.scheduleId} tz={s.timezone} layer={editing === "new" ? null : editing} onDone={() => setEditing(null)} />
      </Modal>
    </Card>
  );
}

function Overrides({ s, write }: { s: ScheduleDetail; write: boolean }) {
  const [adding, setAdding] = useState(false);
  const { busy, run } = useAction();
  const now = Date.now();
  const known = [...new Map(s.layers.flatMap((l) => l.responders).map((r) => [r.name, r])).values()];
  const state = (o: Override) => (Date.parse(o.endsAt) <= now ? "ended" : Date.parse(o.startsAt) <= now ? "active" : "upcoming");
  const columns: Column<Override>[] = [
    { key: "who", header: "Responder", cell: (o) => <strong>{o.responder.name}</strong> },
    { key: "from", header: "From", cell: (o) => shortTime(o.startsAt, s.timezone) },
    { key: "until", header: "Until", cell: (o) => shortTime(o.endsAt, s.timezone) },
    { key: "reason", header: "Reason", cell: (o) => o.reason ?? <span className="muted">—</span> },
    { key: "state", header: "State", cell: (o) => <span className={`badge ${state(o) === "active" ? "badge-ok" : state(o) === "upcoming" ? "badge-warn" : ""}`}>{state(o)}</span> },
  ];
  if (write) {
    columns.push({
      key: "actions",
      header: <span className="sr-only">Actions</span>,
      className: "notify-actions",
      cell: (o) => (
        <ConfirmButton busy={busy === o.overrideId} confirm="Remove this override?" onConfirm={() => void run(o.overrideId, () => api.del(`${PATHS.schedules}/${s.scheduleId}/overrides/${o.overrideId}`), { ok: "Override removed", keys: [["oncall"]] })}>Remove</ConfirmButton>
      ),
    });
  }
  return (
    <Card title="Overrides" actions={write ? <Button onClick={() => setAdding(true)}>Add override</Button> : undefined}>
      <DataTable rows={s.overrides} columns={columns} rowKey={(o) => o.overrideId} caption="Overrides" empty="No overrides. Add one to put someone on call over the rotation for a while." />
      <Modal open={adding} title="Add an override" onClose={() => setAdding(false)} wide>
        <OverrideForm scheduleId={s.scheduleId} tz={s.timezone} known={known} onDone={() => setAdding(false)} />
      </Modal>
    </Card>
  );
}

function ScheduleView({ s }: { s: ScheduleDetail }) {
  const { me } = useAuth();
  const write = canWrite(me);
  const [, navigate] = useLocation();
  const [editing, setEditing] = useState(false);
  const { busy, run } = useAction();
  const timeline = useTimeline(s);
  const remove = async () => {
    if (await run("delete", () => api.del(`${PATHS.schedules}/${s.scheduleId}`), { ok: `Deleted ${s.name}`, keys: [["oncall", "list"]] })) navigate("/oncall");
  };
  const actions = write ? (
    <>
      <Button onClick={() => setEditing(true)}>Edit schedule</Button>
      <ConfirmButton busy={busy === "delete"} confirm={`Delete ${s.name}?`} onConfirm={() => void remove()}>Delete</ConfirmButton>
    </>
  ) : undefined;
  return (
    <>
      <p className="notify-back"><Link href="/oncall">← On-call schedules</Link></p>
      <PageHeader title={s.name} subtitle={`${s.description ? `${s.description} · ` : ""}Times in ${s.timezone}`} actions={actions} />
      <div className="stack">
        <NowCard s={s} shifts={timeline.startDay === timeline.today ? timeline.query.data?.shifts : undefined} />
        <Timeline s={s} t={timeline} />
        <Layers s={s} write={write} />
        <Overrides s={s} write={write} />
      </div>
      <Modal open={editing} title={`Edit ${s.name}`} onClose={() => setEditing(false)}>
        <ScheduleForm schedule={s} onDone={() => setEditing(false)} />
      </Modal>
    </>
  );
}

export default function SchedulePage() {
  const { scheduleId } = useParams<{ scheduleId: string }>();
  const q = useQuery({ queryKey: ["oncall", scheduleId], queryFn: () => api.get<ScheduleDetail>(`${PATHS.schedules}/${scheduleId}`) });
  return <QueryView query={q}>{(s) => <ScheduleView s={s} />}</QueryView>;
}
