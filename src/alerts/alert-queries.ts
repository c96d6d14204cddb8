/**
 * SQL of alerts as people see and handle them: lists, history, acknowledge, close, silence,
 * trend and live counts. Tenant routes run these under row-level security; the operator's
 * cross-tenant views pass `tenantId` explicitly.
 */
import { paged, type Db } from "../platform/db";

export const ALERT_STATUSES = ["OPEN", "ACKNOWLEDGED", "CLOSED"] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const ALERT_TYPES = ["NO_HEARTBEAT", "THRESHOLD", "WINDOW", "ANOMALY", "NO_TELEMETRY", "SYSTEM_HEALTH", "CERT_EXPIRING"] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export interface AlertRow {
  tenantId: string;
  alertId: number;
  deviceId: string | null;
  siteId: string | null;
  ruleId: string | null;
  alertType: AlertType;
  fingerprint: string;
  status: AlertStatus;
  severity: number;
  summary: string;
  details: Record<string, unknown>;
  triggerCount: number;
  openedAt: Date;
  lastTriggeredAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  closedAt: Date | null;
  closedBy: string | null;
  closeReason: string | null;
  silencedUntil: Date | null;
  silenced: boolean;
  escalationLevel: number;
  nextEscalationAt: Date | null;
}

export interface AlertEventRow {
  eventId: number;
  transition: string;
  level: number;
  actor: string;
  details: Record<string, unknown>;
  at: Date;
}

export interface AlertFilter {
  tenantId?: string;
  status?: AlertStatus[];
  minSeverity?: number;
  type?: AlertType;
  deviceId?: string;
  siteId?: string;
  ruleId?: string;
  from?: Date;
  to?: Date;
  search?: string;
}

// alert_id and event_id are bigint, which postgres.js returns as strings; identities stay far below 2^53.
const COLUMNS = `a.tenant_id, a.alert_id::float8 as alert_id, a.device_id, a.site_id, a.rule_id, a.alert_type, a.fingerprint, a.status,
  a.severity, a.summary, a.details, a.trigger_count, a.opened_at, a.last_triggered_at, a.acknowledged_at, a.acknowledged_by,
  a.closed_at, a.closed_by, a.close_reason, a.silenced_until, coalesce(a.silenced_until > now(), false) as silenced,
  a.escalation_level, a.next_escalation_at`;

const LIVE = ["OPEN", "ACKNOWLEDGED"];

function filterSql(db: Db, f: AlertFilter) {
  const parts = [db`true`];
  if (f.tenantId) parts.push(db`a.tenant_id = ${f.tenantId}`);
  if (f.status?.length) parts.push(db`a.status = any(${f.status})`);
  if (f.minSeverity) parts.push(db`a.severity >= ${f.minSeverity}`);
  if (f.type) parts.push(db`a.alert_type = ${f.type}`);
  if (f.deviceId) parts.push(db`a.device_id = ${f.deviceId}`);
  if (f.siteId) parts.push(db`a.site_id = ${f.siteId}`);
  if (f.ruleId) parts.push(db`a.rule_id = ${f.ruleId}`);
  if (f.from) parts.push(db`a.opened_at >= ${f.from}`);
  if (f.to) parts.push(db`a.opened_at < ${f.to}`);
  if (f.search) parts.push(db`a.summary ilike ${`%${f.search.replace(/[\\%_]/g, "\\$&")}%`}`);
  return parts.reduce((acc, p) => db`${acc} and ${p}`);
}

/** Newest first. */
export async function listAlerts(db: Db, f: AlertFilter & { limit: number; offset: number }): Promise<{ items: AlertRow[]; total: number }> {
  const rows = await db<(AlertRow & { total: number })[]>`
    select ${db.unsafe(COLUMNS)}, count(*) over ()::int as total from alerts a
    where ${filterSql(db, f)}
    order by a.opened_at desc, a.alert_id desc limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

/** `lock` takes the row for a transition, so concurrent transitions of one alert serialise. */
export async function getAlert(db: Db, alertId: number, o: { lock?: boolean } = {}): Promise<AlertRow | undefined> {
  const [row] = await db<AlertRow[]>`
    select ${db.unsafe(COLUMNS)} from alerts a where a.alert_id = ${alertId} ${o.lock ? db`for update` : db``}`;
  return row;
}

export async function alertEvents(db: Db, alertId: number): Promise<AlertEventRow[]> {
  return db<AlertEventRow[]>`
    select event_id::float8 as event_id, transition, level, actor, details, at from alert_events
    where alert_id = ${alertId} order by event_id`;
}

/** Acknowledging stops escalation. */
export async function acknowledgeAlert(db: Db, alertId: number, by: string): Promise<void> {
  await db`
    update alerts set status = 'ACKNOWLEDGED', acknowledged_at = now(), acknowledged_by = ${by}, next_escalation_at = null
    where alert_id = ${alertId} and status = 'OPEN'`;
}

/** Closes the live alerts of one alert or of one rule; returns those it closed. */
export async function closeAlerts(db: Db, which: { alertId: number } | { ruleId: string }, c: { by: string; reason: string | null }): Promise<{ tenantId: string; alertId: number; escalationLevel: number }[]> {
  return db<{ tenantId: string; alertId: number; escalationLevel: number }[]>`
    update alerts set status = 'CLOSED', closed_at = now(), closed_by = ${c.by}, close_reason = ${c.reason}, next_escalation_at = null
    where ${"alertId" in which ? db`alert_id = ${which.alertId}` : db`rule_id = ${which.ruleId}`} and status = any(${LIVE})
    returning tenant_id, alert_id::float8 as alert_id, escalation_level`;
}

export async function setSilence(db: Db, alertId: number, minutes: number | null): Promise<Date | null> {
  const [row] = await db<{ silencedUntil: Date | null }[]>`
    update alerts set silenced_until = ${minutes === null ? null : db`now() + make_interval(mins => ${minutes})`}
    where alert_id = ${alertId} returning silenced_until`;
  return row?.silencedUntil ?? null;
}

export interface TrendRow {
  start: Date;
  /** Opened alerts by severity (1-5, as text keys). */
  opened: Record<string, number>;
  closed: number;
}

/** Buckets (UTC) from the one holding `from` up to `to`, each with alerts opened and closed in it. */
export async function alertTrend(db: Db, r: { from: Date; to: Date; bucket: "hour" | "day" }): Promise<TrendRow[]> {
  const step = `1 ${r.bucket}`;
  return db<TrendRow[]>`
    with opened as (
      select start, jsonb_object_agg(severity, n) as counts from (
        select date_trunc(${r.bucket}, opened_at, 'UTC') as start, severity, count(*)::int as n from alerts
        where opened_at >= ${r.from} and opened_at < ${r.to} group by 1, 2) o
      group by start
    ), closed as (
      select date_trunc(${r.bucket}, closed_at, 'UTC') as start, count(*)::int as n from alerts
      where closed_at >= ${r.from} and closed_at < ${r.to} group by 1
    )
    select g.start, coalesce(o.counts, '{}') as opened, coalesce(c.n, 0) as closed
    from generate_series(date_trunc(${r.bucket}, ${r.from}::timestamptz, 'UTC'), ${r.to}::timestamptz, ${step}::interval) as g(start)
    left join opened o using (start) left join closed c using (start)
    where g.start < ${r.to}
    order by g.start`;
}

export interface LiveCount {
  tenantId: string;
  status: AlertStatus;
  severity: number;
  silenced: boolean;
  n: number;
}

/** Live (open or acknowledged) alerts counted by tenant, status, severity and silence. */
export async function liveCounts(db: Db, tenantId?: string): Promise<LiveCount[]> {
  return db<LiveCount[]>`
    select tenant_id, status, severity, coalesce(silenced_until > now(), false) as silenced, count(*)::int as n
    from alerts where status = any(${LIVE}) and ${tenantId ? db`tenant_id = ${tenantId}` : db`true`}
    group by 1, 2, 3, 4 order by 1, 2, 3, 4`;
}
