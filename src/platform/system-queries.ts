/**
 * SQL of the role heartbeats (sql/0015) and of the operator's system health page: which
 * processes run, how big the database is, how fast telemetry arrives, how many alerts are
 * open. Heartbeats run as pulse_worker, the page as pulse_operator; neither reads raw
 * telemetry: the rates come from the per-minute aggregates ingest keeps anyway.
 */
import type { Db } from "./db";

/** What a process says about itself in its heartbeat. */
export interface Instance {
  instanceId: string;
  role: string;
  host: string;
  pid: number;
  version: string;
  info: Record<string, unknown>;
}

/**
 * Upserts the process's row and forgets processes not seen for a day. started_at is the
 * database's clock minus the process's uptime, so it is right even when the row is recreated
 * (after a long outage) and compares with last_seen_at on one clock.
 */
export async function beat(db: Db, i: Instance, uptimeSeconds: number): Promise<void> {
  await db`
    insert into role_instances (instance_id, role, host, pid, version, started_at, last_seen_at, info)
    values (${i.instanceId}, ${i.role}, ${i.host}, ${i.pid}, ${i.version}, now() - ${uptimeSeconds}::float8 * interval '1 second', now(), ${db.json(i.info as never)})
    on conflict (instance_id) do update set last_seen_at = excluded.last_seen_at, info = excluded.info`;
  await db`delete from role_instances where last_seen_at < now() - interval '1 day'`;
}

export async function removeInstance(db: Db, instanceId: string): Promise<void> {
  await db`delete from role_instances where instance_id = ${instanceId}`;
}

export interface RoleInstance {
  role: string;
  instanceId: string;
  host: string;
  pid: number;
  version: string;
  startedAt: Date;
  lastSeenAt: Date;
  /** Seen within three of its heartbeat intervals (`info.heartbeatMs`, else `defaultHeartbeatMs`). */
  up: boolean;
  info: Record<string, unknown>;
}

export const listInstances = (db: Db, defaultHeartbeatMs: number) => db<RoleInstance[]>`
  select role, instance_id, host, pid, version, started_at, last_seen_at, info,
         last_seen_at > now() - 3 * coalesce(case when jsonb_typeof(info -> 'heartbeatMs') = 'number' then (info ->> 'heartbeatMs')::float8 end,
                                             ${defaultHeartbeatMs}::float8) * interval '1 millisecond' as up
  from role_instances
  order by role, host, pid, instance_id`;

export interface DatabaseStats {
  sizeBytes: number;
  connections: number;
  /** The largest tables, partitions and chunks counted with their parent, indexes and TOAST included. */
  tables: { name: string; bytes: number }[];
}

export async function databaseStats(db: Db, largest = 8): Promise<DatabaseStats> {
  const [totals] = await db<{ sizeBytes: number; connections: number }[]>`
    select pg_database_size(current_database())::float8 as size_bytes,
           (select count(*)::int from pg_stat_activity where datname = current_database()) as connections`;
  const tables = await db<{ name: string; bytes: number }[]>`
    with recursive tree as (
      select c.oid as root, c.oid as rel from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition
      union all
      select t.root, i.inhrelid from tree t join pg_inherits i on i.inhparent = t.rel
    )
    select c.relname as name, sum(pg_total_relation_size(t.rel))::float8 as bytes
    from tree t join pg_class c on c.oid = t.root
    group by c.relname order by bytes desc, name limit ${largest}`;
  return { sizeBytes: totals!.sizeBytes, connections: totals!.connections, tables };
}

export interface IngestRates {
  perSecond1m: number;
  perSecond15m: number;
  quarantinedLastHour: number;
}

/**
 * Stored messages per second over the last whole minute and the last 15 whole minutes.
 * telemetry_minute counts samples per metric, so a device's messages in a minute are taken
 * as its busiest metric's count (exact when every message carries that metric; messages
 * with no numeric or boolean metric are not counted).
 */
export async function ingestRates(db: Db): Promise<IngestRates> {
  const [row] = await db<IngestRates[]>`
    with bounds as (select date_trunc('minute', now()) as hi),
    per_device as (
      select m.minute, max(m.count) as n
      from telemetry_minute m, bounds b
      where m.minute >= b.hi - interval '15 minutes' and m.minute < b.hi
      group by m.tenant_id, m.device_id, m.minute
    )
    select coalesce(sum(n) filter (where minute >= (select hi from bounds) - interval '1 minute'), 0)::float8 / 60 as per_second_1m,
           coalesce(sum(n), 0)::float8 / 900 as per_second_15m,
           (select coalesce(sum(count), 0)::float8 from quarantine_counters_minute where minute > now() - interval '1 hour') as quarantined_last_hour
    from per_device`;
  return row!;
}

export async function alertCounts(db: Db): Promise<{ open: number; acknowledged: number }> {
  const [row] = await db<{ open: number; acknowledged: number }[]>`
    select count(*) filter (where status = 'OPEN')::int as open, count(*) filter (where status = 'ACKNOWLEDGED')::int as acknowledged
    from alerts where status in ('OPEN', 'ACKNOWLEDGED')`;
  return row!;
}
