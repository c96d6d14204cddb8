/**
 * SQL of dead letters: route messages and notifications given up on, and what a replay
 * changes (a fresh ROUTES outbox row, or the notification's delivery row reset). Runs inside a
 * tenant transaction.
 */
import { paged, type Db } from "../platform/db";

export type DeadLetterStatus = "FAILED" | "REPLAYED" | "DISCARDED";
export type DeadLetterSource = "route" | "notification";

export interface DeadLetterRow {
  deadLetterId: string;
  source: DeadLetterSource;
  sourceId: string | null;
  deliveryId: number | null;
  originalTopic: string | null;
  payload: Uint8Array;
  destinationType: string;
  destination: string;
  errorMessage: string;
  attempts: number;
  status: DeadLetterStatus;
  firstFailedAt: Date;
  lastFailedAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

/** The columns of a delivery a notification replay needs to queue its NOTIFY job again. */
export interface ReplayedDelivery {
  alertId: number;
  eventId: number;
  transition: string;
  level: number;
}

const DEAD_LETTER = `dead_letter_id, source, source_id, delivery_id::float8 as delivery_id, original_topic, payload, destination_type,
  destination, error_message, attempts, status, first_failed_at, last_failed_at, resolved_at, resolved_by`;

export async function listDeadLetters(
  db: Db,
  f: { limit: number; offset: number; status?: DeadLetterStatus; source?: DeadLetterSource },
): Promise<{ items: DeadLetterRow[]; total: number }> {
  const rows = await db<(DeadLetterRow & { total: number })[]>`
    select ${db.unsafe(DEAD_LETTER)}, count(*) over ()::int as total from dead_letter_messages
    where ${f.status ? db`status = ${f.status}` : db`true`} and ${f.source ? db`source = ${f.source}` : db`true`}
    order by last_failed_at desc, dead_letter_id limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export async function getDeadLetter(db: Db, deadLetterId: string): Promise<DeadLetterRow | undefined> {
  const [row] = await db<DeadLetterRow[]>`select ${db.unsafe(DEAD_LETTER)} from dead_letter_messages where dead_letter_id = ${deadLetterId}`;
  return row;
}

/** Locked, so two replays of one dead letter cannot both see it FAILED. */
export async function lockDeadLetters(db: Db, ids: readonly string[]): Promise<DeadLetterRow[]> {
  if (ids.length === 0) return [];
  return db<DeadLetterRow[]>`
    select ${db.unsafe(DEAD_LETTER)} from dead_letter_messages where dead_letter_id = any(${ids}::uuid[])
    order by dead_letter_id for update`;
}

export async function resolveDeadLetter(db: Db, deadLetterId: string, status: Exclude<DeadLetterStatus, "FAILED">, by: string): Promise<DeadLetterRow> {
  const [row] = await db<DeadLetterRow[]>`
    update dead_letter_messages set status = ${status}, resolved_at = now(), resolved_by = ${by}
    where dead_letter_id = ${deadLetterId} returning ${db.unsafe(DEAD_LETTER)}`;
  return row!;
}

/** Deletes FAILED rows last failing, and resolved rows resolved, before the cut-off. */
export async function purgeDeadLetters(db: Db, olderThanDays: number): Promise<number> {
  const [row] = await db<{ n: number }[]>`
    with gone as (
      delete from dead_letter_messages
      where case when status = 'FAILED' then last_failed_at else resolved_at end < now() - make_interval(days => ${olderThanDays})
      returning 1)
    select count(*)::int as n from gone`;
  return row!.n;
}

/** Queues a route message again; the ROUTES consumer dedupes on msg_id, so each replay gets its own. */
/** Is the route still there and enabled (a replay to a route that is gone would be dropped)? */
export async function routeEnabled(db: Db, routeId: string): Promise<boolean> {
  const [row] = await db`select 1 from message_routes where route_id = ${routeId} and enabled`;
  return row !== undefined;
}

export async function queueRouteReplay(db: Db, msgId: string, job: unknown): Promise<void> {
  await db`insert into bus_outbox (tenant_id, stream, msg_id, payload) values (pulse_tenant(), 'ROUTES', ${msgId}, ${db.json(job as never)})`;
}

/** Makes a given-up delivery sendable again; undefined when its row, its alert event or its (enabled) channel is gone. */
export async function resetDelivery(db: Db, deliveryId: number): Promise<ReplayedDelivery | undefined> {
  const [row] = await db<ReplayedDelivery[]>`
    update notification_deliveries set status = 'PENDING', attempts = 0, last_error = null, updated_at = now()
    where delivery_id = ${deliveryId} and alert_id is not null and event_id is not null
      and exists (select from notification_channels c where c.channel_id = notification_deliveries.channel_id and c.enabled)
    returning alert_id::float8 as alert_id, event_id::float8 as event_id, transition, level`;
  return row;
}
