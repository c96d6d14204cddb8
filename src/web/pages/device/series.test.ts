import { describe, expect, test } from "bun:test";
import { appendLive, decodeMetrics, defaultMetrics, encodeMetrics, fromHistory, fromSeries, loadColumns, rangeWindow } from "./series";
import type { HistoryResponse, MetricInfo, SeriesResponse } from "./types";

// Shaped as lib/api's ApiError, which cannot load outside a browser (its session module needs window).
const httpError = (status: number, message: string) => Object.assign(new Error(message), { status });
const T0 = Date.parse("2026-11-27T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
const series = (over: Partial<SeriesResponse> = {}): SeriesResponse => ({
  from: iso(T0 - 3600_000), to: iso(T0), metrics: ["temp_c", "door"], time: [T0 - 20_000, T0 - 10_000], values: { temp_c: [1.5, null], door: [0, 1] }, truncated: false, ...over,
});
const hist = (metric: string, pts: [number, number][]): HistoryResponse => ({
  metric, bucket: "15m", points: pts.map(([t, avg]) => ({ time: iso(t), min: avg - 1, max: avg + 1, avg, count: 3 })),
});

describe("chart columns", () => {
  test("series responses become columns without copying the arrays", () => {
    const r = series();
    const c = fromSeries(r, { temp_c: "°C" });
    expect(c.time).toBe(r.time);
    expect(c.series[0]!.values).toBe(r.values.temp_c!);
    expect(c.series.map((s) => [s.label, s.unit, s.kind])).toEqual([["temp_c", "°C", "value"], ["door", null, "value"]]);
  });

  test("history of several metrics is aligned on the union of bucket times, with min and max series", () => {
    const c = fromHistory([hist("a", [[T0, 10], [T0 + 900_000, 11]]), hist("b", [[T0 + 900_000, 5], [T0 + 1_800_000, 6]])]);
    expect(c.time).toEqual([T0, T0 + 900_000, T0 + 1_800_000]);
    expect(c.series.map((s) => s.label)).toEqual(["a", "a min", "a max", "b", "b min", "b max"]);
    expect(c.series[0]!.values).toEqual([10, 11, null]);
    expect(c.series[1]!.values).toEqual([9, 10, null]);
    expect(c.series[3]!.values).toEqual([null, 5, 6]);
    expect(c.mode).toBe("buckets");
  });

  test("live values append one row per new time, in order, and skip stale, repeated or non-numeric ones", () => {
    const c = fromSeries(series());
    const n = appendLive(c, {
      temp_c: { value: 2.5, time: iso(T0 + 5000) },
      door: { value: true, time: iso(T0) },
      other: { value: 9, time: iso(T0 + 9000) },
    });
    expect(n).toBe(2);
    expect(c.time).toEqual([T0 - 20_000, T0 - 10_000, T0, T0 + 5000]);
    expect(c.series[0]!.values).toEqual([1.5, null, null, 2.5]);
    expect(c.series[1]!.values).toEqual([0, 1, 1, null]);
    expect(appendLive(c, { temp_c: { value: 2.5, time: iso(T0 + 5000) } })).toBe(0);
    expect(appendLive(c, { temp_c: { value: "hot", time: iso(T0 + 6000) }, door: { value: 1, time: null } })).toBe(0);
    expect(c.time.length).toBe(4);
  });

  test("live values on a bucketed chart go to the average, with gaps in min and max", () => {
    const c = fromHistory([hist("a", [[T0, 10]])]);
    expect(appendLive(c, { a: { value: 12, time: iso(T0 + 1000) } })).toBe(1);
    expect(c.series.map((s) => s.values)).toEqual([[10, 12], [9, null], [11, null]]);
  });

  test("the default metrics are numeric sensors first, then numeric telemetry keys, booleans after, never strings", () => {
    const m = (metricKey: string, source: MetricInfo["source"], lastValue: MetricInfo["lastValue"]): MetricInfo => ({ metricKey, source, lastValue, unit: null, displayName: null, lastTime: null });
    const list = [m("fw", "telemetry", "1.2.3"), m("door", "required", true), m("rssi", "telemetry", -70), m("temp", "optional", 4.5), m("hum", "required", 40)];
    expect(defaultMetrics(list)).toEqual(["hum", "temp", "rssi"]);
    expect(defaultMetrics(list, 5)).toEqual(["hum", "temp", "rssi", "door"]);
  });

  test("metric keys round-trip through the URL parameter, commas included", () => {
    const keys = ["temp_c", "a,b", "ü 1", "back\\slash,", "50%"];
    expect(encodeMetrics(["temp_c", "hum"])).toBe("temp_c,hum");
    expect(decodeMetrics(encodeMetrics(keys))).toEqual(keys);
    expect(decodeMetrics("")).toEqual([]);
    expect(decodeMetrics("a,,b,")).toEqual(["a", "b"]);
  });

  test("a range window ends now", () => {
    expect(rangeWindow("6h", T0)).toEqual({ from: iso(T0 - 6 * 3600_000), to: iso(T0) });
  });
});

describe("loading a chart", () => {
  const recorder = (answer: (path: string, q: Record<string, unknown>) => unknown) => {
    const calls: [string, Record<string, unknown>][] = [];
    const get = async <T,>(path: string, q?: Record<string, unknown>) => {
      calls.push([path, q ?? {}]);
      const a = answer(path, q ?? {});
      if (a instanceof Error) throw a;
      return a as T;
    };
    return { calls, get };
  };

  test("short ranges ask once for raw points of every metric", async () => {
    const r = recorder(() => series());
    const c = await loadColumns(r.get, "dev 1", ["temp_c", "door"], "24h", {}, T0);
    expect(r.calls).toEqual([["/api/v1/customer/devices/dev%201/telemetry/series", { metric: ["temp_c", "door"], from: iso(T0 - 86_400_000), to: iso(T0), limit: 100_000 }]]);
    expect(c.mode).toBe("raw");
  });

  test("a truncated answer falls back to buckets, with a note", async () => {
    const r = recorder((p, q) => (p.endsWith("/series") ? series({ truncated: true }) : hist(String(q.metric), [[T0, 1]])));
    const c = await loadColumns(r.get, "d", ["temp_c", "door"], "6h", {}, T0);
    expect(r.calls.map(([p, q]) => [p.split("/").pop(), q.metric, q.range])).toEqual([["series", ["temp_c", "door"], undefined], ["history", "temp_c", "6h"], ["history", "door", "6h"]]);
    expect(c.mode).toBe("buckets");
    expect(c.note).toContain("100,000");
  });

  test("long ranges go straight to buckets", async () => {
    const r = recorder((_p, q) => hist(String(q.metric), [[T0, 1]]));
    await loadColumns(r.get, "d", ["x"], "30d", {}, T0);
    expect(r.calls).toEqual([["/api/v1/customer/devices/d/telemetry/history", { metric: "x", range: "30d" }]]);
  });

  test("a server without the series route is answered with buckets; other errors are errors", async () => {
    const missing = recorder((p) => (p.endsWith("/series") ? httpError(404, "no route for GET /x") : hist("x", [])));
    expect((await loadColumns(missing.get, "d", ["x"], "1h", {}, T0)).mode).toBe("buckets");
    const gone = recorder(() => httpError(404, "device d not found"));
    await expect(loadColumns(gone.get, "d", ["x"], "1h", {}, T0)).rejects.toThrow("device d not found");
  });

  test("no metrics, no request", async () => {
    const r = recorder(() => series());
    expect(await loadColumns(r.get, "d", [], "1h")).toEqual({ time: [], series: [], mode: "raw", note: null });
    expect(r.calls).toEqual([]);
  });
});
