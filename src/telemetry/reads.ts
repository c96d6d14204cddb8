/**
 * SQL of the telemetry read path (the write path is queries.ts). Runs inside a tenant
 * transaction: row-level security adds `tenant_id = pulse_tenant()`, so every device-scoped
 * query below is an index range scan on (tenant_id, device_id, time, msg_id) over only the
 * daily partitions its time range touches.
 */
import type { Db, Tx } from "../platform/db";
import type { MetricValue } from "./envelope";

export interface Message {
  time: Date;
  msgType: string;
  seq: number | null;
  metrics: Record<string, MetricValue>;
}

/** Where a page of messages ended: the exact stored time (microseconds) and message id. */
export interface Position {
  us: string;
  msgId: string;
}

export interface RangeFilter {
  from: Date;
  to: Date;
  msgType: string;
  /** Only messages carrying one of these keys, and only these keys of their metrics. */
  metrics?: string[];
  order: "asc" | "desc";
}

export async function deviceExists(db: Db, deviceId: string): Promise<boolean> {
  const [row] = await db`select 1 from device_registry where device_id = ${deviceId}`;
  return !!row;
}

/** Metrics reduced to the requested keys (all of them when none were requested). */
const pick = (metrics: Record<string, MetricValue>, keys?: string[]) =>
  keys ? Object.fromEntries(keys.filter((k) => k in metrics).map((k) => [k, metrics[k]!])) : metrics;

// seq is a bigint the envelope keeps within 2^53, so it is exact as a JS number.
const MESSAGE = `time, msg_type, seq::float8 as seq, metrics`;
// Microseconds since the epoch: a JS Date keeps only milliseconds, so positions would lose rows.
const US = `(extract(epoch from time) * 1000000)::int8::text as us`;
const atUs = (db: Db, us: string) => db`timestamptz 'epoch' + ${us}::int8 * interval '1 microsecond'`;

function rangeWhere(db: Db, deviceId: string, f: RangeFilter, after?: Position) {
  const parts = [db`device_id = ${deviceId} and time >= ${f.from} and time < ${f.to} and msg_type = ${f.msgType}`];
  if (f.metrics) parts.push(db`metrics ?| ${f.metrics}::text[]`);
  if (after) {
    parts.push(f.order === "desc" ? db`(time, msg_id) < (${atUs(db, after.us)}, ${after.msgId}::uuid)` : db`(time, msg_id) > (${atUs(db, after.us)}, ${after.msgId}::uuid)`);
  }
  return parts.reduce((acc, p) => db`${acc} and ${p}`);
}

const orderBy = (db: Db, order: "asc" | "desc") => (order === "desc" ? db`order by time desc, msg_id desc` : db`order by time, msg_id`);

/** One page of messages in keyset order, and where the next page starts (null at the end). */
export async function listMessages(db: Db, deviceId: string, f: RangeFilter, limit: number, after?: Position): Promise<{ items: Message[]; next: Position | null }> {
  const rows = await db<(Message & Position)[]>`
    select ${db.unsafe(MESSAGE)}, msg_id, ${db.unsafe(US)} from telemetry
    where ${rangeWhere(db, deviceId, f, after)} ${orderBy(db, f.order)} limit ${limit + 1}`;
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    items: page.map((r) => ({ time: r.time, msgType: r.msgType, seq: r.seq, metrics: pick(r.metrics, f.metrics) })),
    next: more && last ? { us: last.us, msgId: last.msgId } : null,
  };
}

/** The newest messages of any type. */
export async function recentMessages(db: Db, deviceId: string, count: number): Promise<Message[]> {
  return db<Message[]>`
    select ${db.unsafe(MESSAGE)} from telemetry where device_id = ${deviceId}
    order by time desc, msg_id desc limit ${count}`;
}

export interface LatestMetric {
  metricKey: string;
  value: MetricValue;
  time: Date;
  unit: string | null;
  displayName: string | null;
}

// A sensor's own unit and name win over its template metric's.
const SENSOR_META = `
  left join device_sensors s on s.device_id = st.device_id and s.metric_key = l.key
  left join template_metrics tm on tm.metric_id = s.template_metric_id`;

/** Each metric's latest value (from device_state) and the device's last-seen time. */
export async function latestMetrics(db: Db, deviceId: string): Promise<{ lastSeenAt: Date | null; metrics: LatestMetric[] }> {
  const [state] = await db<{ lastSeenAt: Date | null }[]>`select last_seen_at from device_state where device_id = ${deviceId}`;
  const metrics = await db<LatestMetric[]>`
    select l.key as metric_key, l.value -> 'v' as value, (l.value ->> 't')::timestamptz as time,
           coalesce(s.unit, tm.unit) as unit, coalesce(s.display_name, tm.display_name) as display_name
    from device_state st cross join jsonb_each(st.latest_metrics) l ${db.unsafe(SENSOR_META)}
    where st.device_id = ${deviceId} order by l.key collate "C"`;
  return { lastSeenAt: state?.lastSeenAt ?? null, metrics };
}

export interface MetricInfo {
  metricKey: string;
  unit: string | null;
  displayName: string | null;
  /** The sensor's source, or `telemetry` for a key only seen in messages (no sensor row). */
  source: "required" | "optional" | "unmodeled" | "telemetry";
  lastValue: MetricValue | null;
  lastTime: Date | null;
}

/** The device's metric keys: its sensors and every key its latest state holds. */
export async function metricKeys(db: Db, deviceId: string): Promise<MetricInfo[]> {
  return db<MetricInfo[]>`
    with sensor as (
      select s.metric_key, coalesce(s.unit, tm.unit) as unit, coalesce(s.display_name, tm.display_name) as display_name, s.source
      from device_sensors s left join template_metrics tm on tm.metric_id = s.template_metric_id
      where s.device_id = ${deviceId}
    ), latest as (
      select l.key, l.value -> 'v' as v, (l.value ->> 't')::timestamptz as t
      from device_state st cross join jsonb_each(st.latest_metrics) l where st.device_id = ${deviceId}
    )
    select coalesce(sensor.metric_key, latest.key) as metric_key, sensor.unit, sensor.display_name,
           coalesce(sensor.source, 'telemetry') as source, latest.v as last_value, latest.t as last_time
    from sensor full join latest on latest.key = sensor.metric_key
    order by coalesce(sensor.metric_key, latest.key) collate "C"`;
}

export interface Bucket {
  time: Date;
  min: number;
  max: number;
  avg: number;
  count: number;
}

/**
 * One metric aggregated into fixed buckets aligned to UTC midnight; buckets without values
 * are left out. Numbers count as they are, booleans as 0/1 (so avg of a door contact is the
 * share of time it was open); strings are skipped. Messages of every type count. Buckets are
 * whole minutes (1 min … 1 day), so they are built from telemetry_minute (sql/0011).
 */
export async function history(tx: Tx, deviceId: string, f: { metric: string; from: Date; to: Date; bucketSeconds: number }): Promise<Bucket[]> {
  // Whole minutes come from the aggregates; only the ragged edges of the range are read raw,
  // so the answer is exact and costs about the same for 1 hour of data or 30 days.
  const minute = 60_000;
  let a = Math.ceil(f.from.getTime() / minute) * minute;
  let b = Math.floor(f.to.getTime() / minute) * minute;
  if (a >= b) a = b = f.to.getTime();
  const [inner0, inner1] = [new Date(a), new Date(b)];
  return tx<Bucket[]>`
    select date_bin(${`${f.bucketSeconds} seconds`}::interval, t, timestamptz '2000-01-01 00:00:00+00') as time,
           min(lo) as min, max(hi) as max, sum(total) / sum(n) as avg, sum(n)::int as count
    from (
      select minute as t, count as n, sum as total, min as lo, max as hi from telemetry_minute
      where device_id = ${deviceId} and metric_key = ${f.metric} and minute >= ${inner0} and minute < ${inner1}
      union all
      select time, 1, v, v, v from (
        select time, case jsonb_typeof(metrics -> ${f.metric}) when 'number' then (metrics -> ${f.metric})::float8
                                                              when 'boolean' then (metrics -> ${f.metric})::boolean::int::float8 end as v
        from telemetry
        where device_id = ${deviceId} and ((time >= ${f.from} and time < ${inner0}) or (time >= ${inner1} and time < ${f.to}))
      ) edge where v is not null
    ) parts
    group by 1 order by 1`;
}

export interface SeriesFilter {
  from: Date;
  to: Date;
  msgType: string;
  /** Distinct keys; only messages carrying at least one of them count. */
  metrics: string[];
}

/** Columns of one chart, oldest first: `values[i][j]` is metric i of the message at `time[j]`. */
export interface Series {
  /** Milliseconds since the epoch (a fraction keeps stored microseconds). */
  time: number[];
  values: (number | null)[][];
  /** More than `limit` messages matched: these are the newest `limit`. */
  truncated: boolean;
}

const chartValue = (v: unknown): number | null => (typeof v === "number" ? v : typeof v === "boolean" ? +v : null);

/**
 * Up to `limit` messages as columns, in one statement that reads only the requested keys
 * (`metrics -> key`, converted here: measured cheaper than casting in SQL). Rows come newest
 * first so the limit keeps the newest; they are written into the columns back to front, and
 * the one extra row only tells that there was more.
 */
export async function series(db: Db, deviceId: string, f: SeriesFilter, limit: number): Promise<Series> {
  const picks = f.metrics.map((k) => db`metrics -> ${k}`).reduce((acc, p) => db`${acc}, ${p}`);
  const rows = await db<unknown[][]>`
    select (extract(epoch from time) * 1000)::float8, ${picks} from telemetry
    where ${rangeWhere(db, deviceId, { ...f, order: "desc" })} ${orderBy(db, "desc")} limit ${limit + 1}`.values();
  const n = Math.min(rows.length, limit);
  const time = new Array<number>(n);
  const values = f.metrics.map(() => new Array<number | null>(n));
  for (let i = 0, j = n - 1; j >= 0; i++, j--) {
    const row = rows[i]!;
    time[j] = row[0] as number;
    for (let k = 0; k < values.length; k++) values[k]![j] = chartValue(row[k + 1]);
  }
  return { time, values, truncated: rows.length > limit };
}

/** The metric keys present in the messages an export will hold, in key order. */
export async function exportKeys(db: Db, deviceId: string, f: RangeFilter, limit: number): Promise<string[]> {
  const rows = await db<{ key: string }[]>`
    select distinct k collate "C" as key from (
      select metrics from telemetry where ${rangeWhere(db, deviceId, f)} ${orderBy(db, f.order)} limit ${limit}
    ) m cross join jsonb_object_keys(m.metrics) k
    order by 1`;
  return rows.map((r) => r.key);
}

/** The export's messages in batches, read through a server-side cursor (never all in memory). */
export async function* exportBatches(tx: Tx, deviceId: string, f: RangeFilter, limit: number, batch = 1000): AsyncGenerator<Message[]> {
  const q = tx<Message[]>`
    select ${tx.unsafe(MESSAGE)} from telemetry
    where ${rangeWhere(tx, deviceId, f)} ${orderBy(tx, f.order)} limit ${limit}`;
  for await (const rows of q.cursor(batch)) yield rows;
}

/**
 * A CSV cell (RFC 4180 quoting). Strings that a spreadsheet would run as a formula (leading
 * =, +, -, @, tab or carriage return) get a leading apostrophe; numbers are written as is.
 */
function csvCell(v: MetricValue | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v !== "string") return String(v);
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const csvRow = (cells: (MetricValue | null | undefined)[]) => `${cells.map(csvCell).join(",")}\r\n`;
