/**
 * SQL of rule backtests: the devices a scope could cover and their stored telemetry. Runs in
 * the caller's tenant transaction. Devices are chosen as the evaluator chooses them (ACTIVE
 * devices; the caller adds dynamic group members), so a backtest predicts what the evaluator would do.
 */
import type { Db } from "../platform/db";

export interface BacktestDevice {
  deviceId: string;
  siteId: string | null;
  templateId: string | null;
  tags: string[];
  groupIds: string[];
}

export interface TelemetrySample {
  deviceId: string;
  time: Date;
  metrics: Record<string, unknown>;
}

/** Candidates for a scope: narrowed by the lists that SQL can apply directly; the caller applies the scope itself. */
export async function candidateDevices(db: Db, f: { deviceIds?: readonly string[]; siteIds?: readonly string[]; templateIds?: readonly string[] }): Promise<BacktestDevice[]> {
  const has = (l?: readonly string[]) => l !== undefined && l.length > 0;
  return db<BacktestDevice[]>`
    select d.device_id, d.site_id, d.template_id,
           coalesce((select array_agg(t.tag) from device_tags t where t.tenant_id = d.tenant_id and t.device_id = d.device_id), '{}') as tags,
           coalesce((select array_agg(m.group_id::text) from device_group_members m where m.tenant_id = d.tenant_id and m.device_id = d.device_id), '{}') as group_ids
    from device_registry d
    where d.status = 'ACTIVE'
      and ${has(f.deviceIds) ? db`d.device_id = any(${f.deviceIds as string[]}::text[])` : db`true`}
      and ${has(f.siteIds) ? db`d.site_id = any(${f.siteIds as string[]}::text[])` : db`true`}
      and ${has(f.templateIds) ? db`d.template_id = any(${f.templateIds as string[]}::uuid[])` : db`true`}
    order by d.device_id`;
}

/**
 * Telemetry of the devices in [from, to) that carries any of `metrics`, oldest first, with only
 * those metrics kept; at most `limit` rows.
 */
export async function telemetrySamples(db: Db, q: { deviceIds: readonly string[]; metrics: readonly string[]; from: Date; to: Date; limit: number }): Promise<TelemetrySample[]> {
  if (q.deviceIds.length === 0 || q.metrics.length === 0) return [];
  const metrics = q.metrics as string[];
  return db<TelemetrySample[]>`
    select t.device_id, t.time, (select jsonb_object_agg(e.key, e.value) from jsonb_each(t.metrics) e where e.key = any(${metrics}::text[])) as metrics
    from telemetry t
    where t.device_id = any(${q.deviceIds as string[]}::text[]) and t.time >= ${q.from} and t.time < ${q.to}
      and t.metrics ?| ${metrics}::text[]
    order by t.time, t.device_id limit ${q.limit}`;
}
