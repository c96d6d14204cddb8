/**
 * SQL of live updates. Every statement runs in the tenant transaction of one poll, so
 * row-level security scopes it to that tenant. Changes are found in two steps: a cheap scan
 * for what changed (ids and versions), then the full rows of only what will be sent.
 */
import type { DeviceStateRow } from "../fleet/queries";
import type { Db } from "../platform/db";

/** Where a new poller starts: the database clock and the newest alert event visible now. */
export async function startMarks(db: Db): Promise<{ now: Date; lastEventId: number }> {
  // event_id is bigint (a string in postgres.js); identities stay far below 2^53.
  const [row] = await db<{ now: Date; lastEventId: number }[]>`
    select now() as now, coalesce((select max(event_id) from alert_events), 0)::float8 as last_event_id`;
  return row!;
}

/** A device_state row's version: updated_at in microseconds, exact where a Date would round. */
export interface StateVersion {
  deviceId: string;
  version: string;
  updatedAt: Date;
}

const VERSION = `(extract(epoch from s.updated_at) * 1000000)::bigint::text`;

/**
 * device_state rows written after `since` (their writers set updated_at), only `deviceIds`
 * when given (primary-key probes), and the database clock to continue from. Without ids this
 * reads every row of the tenant: there is no index on updated_at on purpose, since ingest
 * rewrites these rows constantly and an indexed column would stop their HOT updates. One such
 * scan per tenant per tick is the accepted cost.
 */
export async function changedStates(db: Db, since: Date, deviceIds: readonly string[] | null): Promise<{ now: Date; rows: StateVersion[] }> {
  const only = deviceIds ? db`and s.device_id = any(${deviceIds as string[]})` : db``;
  // The lateral join yields one row even when nothing changed, so the clock always comes back.
  const rows = await db<Array<{ now: Date } & { [K in keyof StateVersion]: StateVersion[K] | null }>>`
    select now() as now, c.device_id, c.version, c.updated_at from (select) as t
    left join lateral (
      select s.device_id, ${db.unsafe(VERSION)} as version, s.updated_at
      from device_state s where s.updated_at > ${since} ${only}
    ) c on true`;
  const changed = rows.filter((r) => r.deviceId !== null).map(({ now: _n, ...r }) => r as StateVersion);
  return { now: rows[0]!.now, rows: changed };
}

/** A device's live state, as the fleet state list shows it (the subset the console streams). */
export type LiveDeviceState = Pick<DeviceStateRow, "deviceId" | "connectivity" | "lastSeenAt" | "lastTelemetryAt" | "latestMetrics">;

type StoredMetrics = Record<string, { v: number | boolean | string; t?: string }>;

export async function deviceStates(db: Db, deviceIds: readonly string[]): Promise<Array<LiveDeviceState & { version: string; updatedAt: Date }>> {
  if (deviceIds.length === 0) return [];
  const rows = await db<Array<Omit<LiveDeviceState, "latestMetrics"> & { latestMetrics: StoredMetrics; version: string; updatedAt: Date }>>`
    select s.device_id, s.status as connectivity, s.last_seen_at, s.last_telemetry_at, s.latest_metrics,
           ${db.unsafe(VERSION)} as version, s.updated_at
    from device_state s where s.device_id = any(${deviceIds as string[]})`;
  // The same {"k": {"v", "t"}} → {"k": {value, time}} reading as listDeviceState in src/fleet/queries.ts.
  return rows.map(({ latestMetrics, ...r }) => ({
    ...r,
    latestMetrics: Object.fromEntries(Object.entries(latestMetrics).map(([k, m]) => [k, { value: m.v, time: m.t ? new Date(m.t) : null }])),
  }));
}

/** Ids of alert events after `afterId`: the new ones and, below the newest seen, late commits. */
export async function alertEventIds(db: Db, afterId: number): Promise<number[]> {
  const rows = await db<{ eventId: number }[]>`select event_id::float8 as event_id from alert_events where event_id > ${afterId}`;
  return rows.map((r) => r.eventId);
}

export interface LiveAlertEvent {
  eventId: number;
  alertId: number;
  deviceId: string | null;
  status: "OPEN" | "ACKNOWLEDGED" | "CLOSED";
  severity: number;
  alertType: string;
  summary: string;
  event: string;
  at: Date;
}

/** The events with their alert's current status, severity and text, oldest first. */
export async function alertEvents(db: Db, eventIds: readonly number[]): Promise<LiveAlertEvent[]> {
  if (eventIds.length === 0) return [];
  return db<LiveAlertEvent[]>`
    select e.event_id::float8 as event_id, e.alert_id::float8 as alert_id, a.device_id, a.status, a.severity,
           a.alert_type, a.summary, e.transition as event, e.at
    from alert_events e join alerts a on a.alert_id = e.alert_id
    where e.event_id = any(${eventIds as number[]}::bigint[])
    order by e.event_id`;
}

/** Live (open or acknowledged) alerts per severity. */
export async function openAlertCounts(db: Db): Promise<Array<{ severity: number; n: number }>> {
  return db<{ severity: number; n: number }[]>`
    select severity, count(*)::int as n from alerts where status in ('OPEN', 'ACKNOWLEDGED') group by severity`;
}
