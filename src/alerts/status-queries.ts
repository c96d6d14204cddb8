/**
 * SQL of device status policies (when a silent device turns STALE, then OFFLINE) and of the
 * connection events the evaluator writes. Runs under the caller's row-level security.
 */
import { paged, type Db } from "../platform/db";

type DeviceConnectivity = "ONLINE" | "STALE" | "OFFLINE";

export interface StatusPolicy {
  staleAfterSeconds: number;
  offlineAfterSeconds: number;
  noHeartbeatAlert: boolean;
  noHeartbeatSeverity: number;
}

export interface TemplatePolicyRow extends StatusPolicy {
  templateId: string;
  templateName: string;
  updatedAt: Date;
}

export interface ConnectionEventRow {
  eventId: number;
  event: "CONNECTED" | "DISCONNECTED" | "OFFLINE";
  reason: string;
  statusFrom: DeviceConnectivity | null;
  statusTo: DeviceConnectivity;
  at: Date;
}

/** What the evaluator uses when the tenant has no default row. */
export const BUILT_IN_POLICY: StatusPolicy = { staleAfterSeconds: 90, offlineAfterSeconds: 600, noHeartbeatAlert: true, noHeartbeatSeverity: 4 };

const COLUMNS = "p.stale_after_seconds, p.offline_after_seconds, p.no_heartbeat_alert, p.no_heartbeat_severity, p.updated_at";
// Must match the expression of device_status_policies_key for ON CONFLICT to find it.
const KEY = "(tenant_id, coalesce(template_id, '00000000-0000-0000-0000-000000000000'::uuid))";

export async function defaultPolicy(db: Db): Promise<(StatusPolicy & { updatedAt: Date }) | undefined> {
  const [row] = await db<(StatusPolicy & { updatedAt: Date })[]>`
    select ${db.unsafe(COLUMNS)} from device_status_policies p where p.template_id is null`;
  return row;
}

export async function templatePolicies(db: Db): Promise<TemplatePolicyRow[]> {
  return db<TemplatePolicyRow[]>`
    select p.template_id, t.name as template_name, ${db.unsafe(COLUMNS)}
    from device_status_policies p join device_templates t on t.template_id = p.template_id
    order by lower(t.name), p.template_id`;
}

/** Writes the tenant default (templateId null) or a template's policy, replacing any. */
export async function putPolicy(db: Db, templateId: string | null, p: StatusPolicy): Promise<void> {
  await db`
    insert into device_status_policies (tenant_id, template_id, stale_after_seconds, offline_after_seconds, no_heartbeat_alert, no_heartbeat_severity)
    values (pulse_tenant(), ${templateId}, ${p.staleAfterSeconds}, ${p.offlineAfterSeconds}, ${p.noHeartbeatAlert}, ${p.noHeartbeatSeverity})
    on conflict ${db.unsafe(KEY)} do update set
      stale_after_seconds = excluded.stale_after_seconds, offline_after_seconds = excluded.offline_after_seconds,
      no_heartbeat_alert = excluded.no_heartbeat_alert, no_heartbeat_severity = excluded.no_heartbeat_severity`;
}

export async function deleteTemplatePolicy(db: Db, templateId: string): Promise<boolean> {
  const rows = await db`delete from device_status_policies where template_id = ${templateId} returning 1`;
  return rows.length > 0;
}

/** A system template or one of the tenant's own (another tenant's is not visible). */
export async function templateName(db: Db, templateId: string): Promise<string | undefined> {
  const [row] = await db<{ name: string }[]>`select name from device_templates where template_id = ${templateId}`;
  return row?.name;
}

export async function deviceExists(db: Db, deviceId: string): Promise<boolean> {
  const [row] = await db`select 1 from device_registry where device_id = ${deviceId}`;
  return row !== undefined;
}

/** Newest first. */
export async function listConnectionEvents(db: Db, deviceId: string, f: { limit: number; offset: number }): Promise<{ items: ConnectionEventRow[]; total: number }> {
  const rows = await db<(ConnectionEventRow & { total: number })[]>`
    select event_id::float8 as event_id, event, reason, status_from, status_to, at, count(*) over ()::int as total
    from device_connection_events where device_id = ${deviceId}
    order by at desc, event_id desc limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}
