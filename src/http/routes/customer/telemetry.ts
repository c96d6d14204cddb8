/**
 * A device's telemetry: latest values, raw messages (keyset pages), bucketed history, columns
 * for charts, the metric keys it reports and a streamed CSV export. Every route first proves the device is
 * the caller's (RLS hides other tenants' devices, so theirs answer 404).
 */
import { z } from "zod";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import * as reads from "../../../telemetry/reads";
import { route } from "../../api/route";
import { DeviceId, listParam, Timestamp } from "../../api/schemas";

const MetricKey = z.string().min(1).max(128).regex(/^[^\p{Cc}]+$/u, { error: "expected a metric key: 1 to 128 printable characters" });
const MetricValue = z.union([z.number(), z.boolean(), z.string()]);
const IsoTime = z.iso.datetime({ offset: true, error: "expected an ISO 8601 timestamp with a zone, e.g. 2026-11-27T12:00:00Z" }).transform((s) => new Date(s));
const MsgType = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, { error: "expected a message type such as telemetry or heartbeat" });

const Message = z.object({ time: Timestamp, msgType: z.string(), seq: z.number().int().nullable(), metrics: z.record(z.string(), MetricValue) });
const Params = z.object({ deviceId: DeviceId });

const DAY_S = 86_400;
const MAX_SPAN_S = 31 * DAY_S;
const MAX_BUCKETS = 5000;
const MAX_SERIES_METRICS = 8;
const RANGES = { "1h": 3600, "6h": 6 * 3600, "24h": DAY_S, "7d": 7 * DAY_S, "30d": 30 * DAY_S } as const;
const BUCKETS = { "1m": 60, "5m": 300, "15m": 900, "1h": 3600, "6h": 6 * 3600, "1d": DAY_S } as const;
/** The default bucket of a span: the first whose span limit it does not exceed. */
const DEFAULT_BUCKETS: [number, keyof typeof BUCKETS][] = [[3600, "1m"], [6 * 3600, "5m"], [DAY_S, "15m"], [7 * DAY_S, "1h"], [Infinity, "6h"]];

/** The keyset cursor: base64url JSON of the last row's time (µs since the epoch) and msg id. */
const encodeCursor = (p: reads.Position) => Buffer.from(JSON.stringify({ t: p.us, m: p.msgId })).toString("base64url");
const Cursor = z.string().max(200).transform((s, ctx): reads.Position => {
  try {
    const v = JSON.parse(Buffer.from(s, "base64url").toString()) as { t?: unknown; m?: unknown };
    if (typeof v.t === "string" && /^-?\d{1,16}$/.test(v.t) && typeof v.m === "string" && z.uuid().safeParse(v.m).success) return { us: v.t, msgId: v.m };
  } catch {}
  ctx.issues.push({ code: "custom", message: "not a cursor from this API; pass nextCursor unchanged", input: s });
  return z.NEVER;
});

const RangeQuery = z.object({
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  metric: listParam(MetricKey).describe("only messages carrying one of these metric keys, and only those keys (repeat the parameter or separate with commas)"),
  msgType: MsgType.default("telemetry"),
});

const SeriesMetrics = z.array(z.string(), { error: "give the metric keys to chart: repeat metric or separate them with commas" })
  .min(1, { error: "give at least one metric key" })
  .max(MAX_SERIES_METRICS, { error: `at most ${MAX_SERIES_METRICS} metric keys per series` });

const bad = (path: string, message: string) => new PulseError("BAD_REQUEST", `invalid query: ${path}: ${message}`, { errors: [{ path, message }] });
const notFound = (deviceId: string) => new PulseError("NOT_FOUND", `device ${deviceId} not found`);

/** from/to with the defaults (the last 24 h) and limits of every range read. */
function span(q: { from?: Date; to?: Date }, fallbackSeconds = DAY_S): { from: Date; to: Date } {
  const to = q.to ?? new Date();
  const from = q.from ?? new Date(to.getTime() - fallbackSeconds * 1000);
  if (from >= to) throw bad("query.from", "from must be before to");
  if (to.getTime() - from.getTime() > MAX_SPAN_S * 1000) throw bad("query.from", "at most 31 days between from and to");
  return { from, to };
}

const rangeFilter = (q: z.infer<typeof RangeQuery>, order: "asc" | "desc"): reads.RangeFilter => ({
  ...span(q),
  msgType: q.msgType,
  metrics: q.metric?.length ? [...new Set(q.metric)] : undefined,
  order,
});

async function ownDevice(tx: Tx, deviceId: string): Promise<void> {
  if (!(await reads.deviceExists(tx, deviceId))) throw notFound(deviceId);
}

function historyWindow(q: { range?: keyof typeof RANGES; from?: Date; to?: Date; bucket?: keyof typeof BUCKETS }) {
  if (q.range && (q.from || q.to)) throw bad("query.range", "give either range or from/to, not both");
  const { from, to } = span(q.from || q.to ? q : { to: new Date() }, RANGES[q.range ?? "24h"]);
  const seconds = (to.getTime() - from.getTime()) / 1000;
  const bucket = q.bucket ?? DEFAULT_BUCKETS.find(([limit]) => seconds <= limit)![1];
  const count = Math.ceil(seconds / BUCKETS[bucket]);
  if (count > MAX_BUCKETS) throw bad("query.bucket", `${bucket} buckets over this range make ${count}; at most ${MAX_BUCKETS}: choose a wider bucket`);
  return { from, to, bucket };
}

/**
 * A byte stream filled inside one tenant transaction, which stays open while the client
 * reads: `write` waits whenever a few chunks are queued unread, so a slow client holds back
 * the database cursor instead of filling memory. A client that goes away rolls it back; a
 * failure after the headers went out can only cut the body short, so it is also logged.
 */
function tenantStream(
  tenant: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
  fill: (tx: Tx, write: (s: string) => Promise<void>) => Promise<void>,
  onError: (err: unknown) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let resume: (() => void) | undefined;
  let cancelled = false;
  const wake = () => {
    resume?.();
    resume = undefined;
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const write = async (s: string) => {
          if (cancelled) throw new Error("the client stopped reading");
          controller.enqueue(encoder.encode(s));
          if ((controller.desiredSize ?? 0) <= 0) await new Promise<void>((r) => (resume = r));
          if (cancelled) throw new Error("the client stopped reading");
        };
        tenant((tx) => fill(tx, write)).then(
          () => controller.close(),
          (err) => {
            if (cancelled) return;
            onError(err);
            controller.error(err);
          },
        );
      },
      pull: wake,
      cancel() {
        cancelled = true;
        wake();
      },
    },
    { highWaterMark: 4 },
  );
}

export const telemetryRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/telemetry/latest",
    summary: "Latest value and time of each metric, and optionally the last few messages",
    tag: "telemetry",
    access: "tenant-read",
    params: Params,
    query: z.object({ count: z.coerce.number().int().min(1).max(10).optional() }),
    response: z.object({
      deviceId: DeviceId,
      lastSeenAt: Timestamp.nullable(),
      metrics: z.array(z.object({ metricKey: z.string(), value: MetricValue, time: Timestamp, unit: z.string().nullable(), displayName: z.string().nullable() })),
      messages: z.array(Message).optional(),
    }),
    handler: async ({ tenant, params, query }) =>
      tenant(async (tx) => {
        await ownDevice(tx, params.deviceId);
        const latest = await reads.latestMetrics(tx, params.deviceId);
        const messages = query.count ? await reads.recentMessages(tx, params.deviceId, query.count) : undefined;
        return { deviceId: params.deviceId, ...latest, ...(messages ? { messages } : {}) };
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/telemetry",
    summary: "Raw messages in a time range (default the last 24 h, at most 31 days), a keyset page at a time",
    tag: "telemetry",
    access: "tenant-read",
    params: Params,
    query: RangeQuery.extend({
      order: z.enum(["asc", "desc"]).default("desc"),
      limit: z.coerce.number().int().min(1).max(10_000).default(1000),
      cursor: Cursor.optional(),
    }),
    response: z.object({ items: z.array(Message), nextCursor: z.string().nullable() }),
    handler: async ({ tenant, params, query }) => {
      const f = rangeFilter(query, query.order);
      const { items, next } = await tenant(async (tx) => {
        await ownDevice(tx, params.deviceId);
        return reads.listMessages(tx, params.deviceId, f, query.limit, query.cursor);
      });
      return { items, nextCursor: next && encodeCursor(next) };
    },
  }),
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/telemetry/history",
    summary: "One metric's min, max, avg and count per time bucket (booleans count as 0/1; empty buckets omitted)",
    tag: "telemetry",
    access: "tenant-read",
    params: Params,
    query: z.object({
      metric: MetricKey,
      range: z.enum(Object.keys(RANGES) as [keyof typeof RANGES]).optional(),
      from: IsoTime.optional(),
      to: IsoTime.optional(),
      bucket: z.enum(Object.keys(BUCKETS) as [keyof typeof BUCKETS]).optional(),
    }),
    exampleQuery: { metric: "temp_c", range: "24h" },
    response: z.object({
      metric: z.string(),
      bucket: z.enum(Object.keys(BUCKETS) as [keyof typeof BUCKETS]),
      from: Timestamp,
      to: Timestamp,
      points: z.array(z.object({ time: Timestamp, min: z.number(), max: z.number(), avg: z.number(), count: z.number().int() })),
    }),
    handler: async ({ tenant, params, query }) => {
      const w = historyWindow(query);
      const points = await tenant(async (tx) => {
        await ownDevice(tx, params.deviceId);
        return reads.history(tx, params.deviceId, { metric: query.metric, from: w.from, to: w.to, bucketSeconds: BUCKETS[w.bucket] });
      });
      return { metric: query.metric, ...w, points };
    },
  }),
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/telemetry/series",
    summary: "Up to 8 metrics as columns for charts, oldest first: epoch-ms times and one value array per metric (booleans 0/1; strings and missing values null)",
    tag: "telemetry",
    access: "tenant-read",
    params: Params,
    query: z.object({
      metric: listParam(MetricKey).pipe(SeriesMetrics).describe("required: 1 to 8 metric keys (repeat the parameter or separate with commas)"),
      from: IsoTime.optional(),
      to: IsoTime.optional(),
      msgType: MsgType.default("telemetry"),
      limit: z.coerce.number().int().min(1).max(200_000).default(100_000),
    }),
    exampleQuery: { metric: "temp_c" },
    response: z.object({
      from: Timestamp,
      to: Timestamp,
      metrics: z.array(z.string()),
      time: z.array(z.number()),
      values: z.record(z.string(), z.array(z.number().nullable())),
      truncated: z.boolean().describe("more messages matched than limit: these are the newest"),
    }),
    handler: async ({ tenant, params, query }) => {
      const f = { ...span(query), msgType: query.msgType, metrics: [...new Set(query.metric)] };
      const s = await tenant(async (tx) => {
        await ownDevice(tx, params.deviceId);
        return reads.series(tx, params.deviceId, f, query.limit);
      });
      return { from: f.from, to: f.to, metrics: f.metrics, time: s.time, values: Object.fromEntries(f.metrics.map((m, i) => [m, s.values[i]!])), truncated: s.truncated };
    },
  }),
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/telemetry/metrics",
    summary: "The metric keys of a device: its sensors and every key in its latest state, with unit, name and last value",
    tag: "telemetry",
    access: "tenant-read",
    params: Params,
    response: z.object({
      items: z.array(
        z.object({
          metricKey: z.string(),
          unit: z.string().nullable(),
          displayName: z.string().nullable(),
          source: z.enum(["required", "optional", "unmodeled", "telemetry"]),
          lastValue: MetricValue.nullable(),
          lastTime: Timestamp.nullable(),
        }),
      ),
    }),
    handler: async ({ tenant, params }) =>
      tenant(async (tx) => {
        await ownDevice(tx, params.deviceId);
        return { items: await reads.metricKeys(tx, params.deviceId) };
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/telemetry/export",
    summary: "Raw messages as CSV, streamed (oldest first by default, at most 100,000 rows): time, msg_type, seq and one column per metric",
    tag: "telemetry",
    access: "tenant-read",
    params: Params,
    query: RangeQuery.extend({
      order: z.enum(["asc", "desc"]).default("asc"),
      limit: z.coerce.number().int().min(1).max(100_000).default(100_000),
    }),
    produces: "text/csv",
    handler: async ({ tenant, params, query, deps, requestId }) => {
      const f = rangeFilter(query, query.order);
      const keys = await tenant(async (tx) => {
        await ownDevice(tx, params.deviceId);
        return f.metrics ?? reads.exportKeys(tx, params.deviceId, f, query.limit);
      });
      const fill = async (tx: Tx, write: (s: string) => Promise<void>) => {
        await write(reads.csvRow(["time", "msg_type", "seq", ...keys]));
        for await (const batch of reads.exportBatches(tx, params.deviceId, f, query.limit)) {
          await write(batch.map((m) => reads.csvRow([m.time.toISOString(), m.msgType, m.seq, ...keys.map((k) => m.metrics[k])])).join(""));
        }
      };
      const failed = (err: unknown) => deps.log.error("telemetry export failed mid-stream", { err, requestId, deviceId: params.deviceId });
      return new Response(tenantStream(tenant, fill, failed), {
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="${params.deviceId}-telemetry.csv"`,
          "cache-control": "no-store",
        },
      });
    },
  }),
];
