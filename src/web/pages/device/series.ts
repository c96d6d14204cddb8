/**
 * Chart data of a device's telemetry as columns: one time array and one value array per
 * series, no per-point objects. Short ranges load raw points in one request (the columnar
 * series endpoint); long or truncated ones load bucketed history (avg, with min and max as
 * extra series). Live values are appended in place, so a 100k-point chart never gets copied.
 */
import type { Query } from "../../lib/api";
import type { HistoryResponse, MetricInfo, MetricValue, SeriesResponse } from "./types";

export const RANGES = ["1h", "6h", "24h", "7d", "30d"] as const;
export type Range = (typeof RANGES)[number];
const RANGE_MS: Record<Range, number> = { "1h": 3_600_000, "6h": 21_600_000, "24h": 86_400_000, "7d": 604_800_000, "30d": 2_592_000_000 };
/** Raw points per request; more than this in a range and the chart shows buckets instead. */
export const RAW_LIMIT = 100_000;

export const isRange = (s: string): s is Range => (RANGES as readonly string[]).includes(s);

export interface ColumnSeries {
  metric: string;
  kind: "value" | "avg" | "min" | "max";
  label: string;
  unit: string | null;
  values: (number | null)[];
}

export interface Columns {
  /** Epoch milliseconds, ascending. */
  time: number[];
  series: ColumnSeries[];
  mode: "raw" | "buckets";
  /** Why buckets were used although raw points were asked for. */
  note: string | null;
}

export function rangeWindow(range: Range, now = Date.now()): { from: string; to: string } {
  return { from: new Date(now - RANGE_MS[range]).toISOString(), to: new Date(now).toISOString() };
}

/** What a chart can plot: numbers, and booleans as 0/1. */
export const chartValue = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "boolean" ? +v : null);

export function fromSeries(r: SeriesResponse, units: Record<string, string | null> = {}): Columns {
  return {
    time: r.time,
    series: r.metrics.map((m) => ({ metric: m, kind: "value" as const, label: m, unit: units[m] ?? null, values: r.values[m] ?? new Array<number | null>(r.time.length).fill(null) })),
    mode: "raw",
    note: null,
  };
}

/** Buckets of several metrics on one time axis (the union of their bucket times). */
export function fromHistory(results: HistoryResponse[], units: Record<string, string | null> = {}, note: string | null = null): Columns {
  const times = new Set<number>();
  const parsed = results.map((r) => r.points.map((p) => Date.parse(p.time)));
  for (const ts of parsed) for (const t of ts) times.add(t);
  const time = [...times].sort((a, b) => a - b);
  const index = new Map(time.map((t, i) => [t, i]));
  const series: ColumnSeries[] = [];
  results.forEach((r, k) => {
    const col = (kind: "avg" | "min" | "max") => {
      const values = new Array<number | null>(time.length).fill(null);
      r.points.forEach((p, i) => (values[index.get(parsed[k]![i]!)!] = p[kind]));
      return { metric: r.metric, kind, label: kind === "avg" ? r.metric : `${r.metric} ${kind}`, unit: units[r.metric] ?? null, values };
    };
    series.push(col("avg"), col("min"), col("max"));
  });
  return { time, series, mode: "buckets", note };
}

/**
 * Appends a live `device` event's values of the charted metrics: one row per distinct time
 * newer than the chart's last, in time order. Returns how many rows were added (0: nothing to
 * redraw). Min and max columns of bucketed charts get gaps.
 */
export function appendLive(c: Columns, latest: Record<string, { value: MetricValue; time: string | null }>): number {
  const byTime = new Map<number, Map<string, number>>();
  const last = c.time.length ? c.time[c.time.length - 1]! : -Infinity;
  for (const s of c.series) {
    if (s.kind === "min" || s.kind === "max") continue;
    const m = latest[s.metric];
    const v = m && m.time ? chartValue(m.value) : null;
    if (v === null) continue;
    const t = Date.parse(m!.time!);
    if (!(t > last)) continue;
    if (!byTime.has(t)) byTime.set(t, new Map());
    byTime.get(t)!.set(s.metric, v);
  }
  const rows = [...byTime.keys()].sort((a, b) => a - b);
  for (const t of rows) {
    c.time.push(t);
    const vals = byTime.get(t)!;
    for (const s of c.series) s.values.push(s.kind === "min" || s.kind === "max" ? null : (vals.get(s.metric) ?? null));
  }
  return rows.length;
}

/** Up to `n` metrics worth charting first: declared sensors before keys only seen in telemetry. */
export function defaultMetrics(list: MetricInfo[], n = 3): string[] {
  const plottable = list.filter((m) => m.lastValue === null || chartValue(m.lastValue) !== null);
  const rank = (m: MetricInfo) => (m.source === "required" ? 0 : m.source === "optional" ? 1 : 2) + (typeof m.lastValue === "number" ? 0 : 3);
  return [...plottable].sort((a, b) => rank(a) - rank(b)).slice(0, n).map((m) => m.metricKey);
}

/**
 * The `metric` URL parameter: keys joined by commas, a comma or backslash inside a key escaped
 * with a backslash. (Not %-escapes: the router decodes the query string once more.)
 */
export const encodeMetrics = (keys: string[]) => keys.map((k) => k.replace(/[\\,]/g, (c) => "\\" + c)).join(",");
export function decodeMetrics(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" && i + 1 < s.length) cur += s[++i];
    else if (c !== ",") cur += c;
    else {
      if (cur) out.push(cur);
      cur = "";
    }
  }
  if (cur) out.push(cur);
  return out;
}

type Get = <T>(path: string, query?: Query) => Promise<T>;

/** The API's 404 for a path it has no route for (an ApiError; duck-typed so this module stays free of the session). */
const notDeployed = (e: unknown) => e instanceof Error && (e as { status?: unknown }).status === 404 && /^no route/.test(e.message);

const telemetryPath = (deviceId: string) => `/api/v1/customer/devices/${encodeURIComponent(deviceId)}/telemetry`;

/** Bucketed history of each metric (one small request each), on one time axis. */
export async function loadBuckets(get: Get, deviceId: string, metrics: string[], range: Range, units: Record<string, string | null> = {}, note: string | null = null): Promise<Columns> {
  return fromHistory(await Promise.all(metrics.map((metric) => get<HistoryResponse>(`${telemetryPath(deviceId)}/history`, { metric, range }))), units, note);
}

/** Loads one chart: raw points for short ranges, buckets for long ones or when raw is too much. */
export async function loadColumns(get: Get, deviceId: string, metrics: string[], range: Range, units: Record<string, string | null> = {}, now = Date.now()): Promise<Columns> {
  const base = telemetryPath(deviceId);
  const history = (note: string | null) => loadBuckets(get, deviceId, metrics, range, units, note);
  if (!metrics.length) return { time: [], series: [], mode: "raw", note: null };
  if (range === "7d" || range === "30d") return history(null);
  try {
    const r = await get<SeriesResponse>(`${base}/series`, { metric: metrics, ...rangeWindow(range, now), limit: RAW_LIMIT });
    if (!r.truncated) return fromSeries(r, units);
    return history(`more than ${RAW_LIMIT.toLocaleString()} points in this range: showing bucket averages with min and max`);
  } catch (e) {
    if (!notDeployed(e)) throw e;
    return history(null);
  }
}
