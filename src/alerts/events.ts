/**
 * Alert transitions are written with the change itself: an alert_events row (the alert's
 * history) and, for transitions that notify, a bus_outbox row carrying the NOTIFY job, in the
 * caller's transaction. The outbox relay publishes it after commit, so a committed transition
 * is always announced and a rolled-back one never is.
 */
import { jsonbArray, type Db } from "../platform/db";
import type { NotifyJob, NotifyTransition } from "../platform/subjects";

export type AlertTransition = NotifyTransition | "SILENCED" | "UNSILENCED";

export interface AlertEventInput {
  tenant: string;
  alertId: number;
  transition: AlertTransition;
  level?: number;
  actor: string;
  details?: Record<string, unknown>;
  at?: Date;
}

const NOTIFIES: ReadonlySet<AlertTransition> = new Set(["OPEN", "ACKNOWLEDGED", "CLOSED", "ESCALATED"]);

/** Records transitions (in any order of tenants) and queues their notifications; returns the event ids. */
export async function recordAlertEvents(db: Db, events: readonly AlertEventInput[]): Promise<number[]> {
  if (events.length === 0) return [];
  const rows = await db<{ eventId: string; tenantId: string; alertId: string; transition: AlertTransition; level: number }[]>`
    insert into alert_events (tenant_id, alert_id, transition, level, actor, details, at)
    select * from unnest(${events.map((e) => e.tenant)}::text[], ${events.map((e) => e.alertId)}::bigint[],
      ${events.map((e) => e.transition)}::text[], ${events.map((e) => e.level ?? 0)}::smallint[],
      ${events.map((e) => e.actor)}::text[], ${jsonbArray(events.map((e) => e.details ?? {}))}::jsonb[],
      ${events.map((e) => (e.at ?? new Date()).toISOString())}::timestamptz[])
    returning event_id, tenant_id, alert_id, transition, level`;
  const jobs: NotifyJob[] = rows
    .filter((r) => NOTIFIES.has(r.transition))
    .map((r) => ({ v: 1, tenant: r.tenantId, alertId: Number(r.alertId), eventId: Number(r.eventId), transition: r.transition as NotifyTransition, level: r.level }));
  await queueNotifyJobs(db, jobs);
  return rows.map((r) => Number(r.eventId));
}

/** Queues NOTIFY jobs in the outbox (a replay queues one again with the delivery it names). */
export async function queueNotifyJobs(db: Db, jobs: readonly NotifyJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await db`
    insert into bus_outbox (tenant_id, stream, msg_id, payload)
    select * from unnest(${jobs.map((j) => j.tenant)}::text[], ${jobs.map(() => "NOTIFY")}::text[],
      ${jobs.map((j) => (j.replayDeliveryId ? `replay-${j.replayDeliveryId}-${Date.now()}` : `alert-event-${j.eventId}`))}::text[],
      ${jsonbArray(jobs)}::jsonb[])`;
}
