import { expect, test } from "bun:test";
import { backtest } from "./backtest";
import type { Sample } from "./conditions";
import { parseDefinition, type RuleType } from "./rules";

const MIN = 60_000;
const rule = (type: RuleType, raw: unknown) => ({ type, definition: parseDefinition(type, raw) });
/** One sample a minute from minute 0 with these temp_c values (null: a sample without it). */
const perMinute = (values: ReadonlyArray<number | null>): Sample[] =>
  values.map((v, i) => ({ t: i * MIN, metrics: v === null ? { rh: 50 } : { temp_c: v } }));
const hot = rule("threshold", { conditions: [{ metric: "temp_c", op: "GT", value: 80 }] });
const cond = (value: number) => ({ match: "all", holdSeconds: 0, conditions: [{ metric: "temp_c", op: "GT", threshold: 80, value, met: true }] });

test("threshold: opens on a breach, counts repeats, closes when clear, and stays open at the end", () => {
  const samples = new Map([["gw-1", perMinute([70, 85, 90, 70, null, 95, 96])]]);
  expect(backtest(hot, samples, { from: 0, to: 10 * MIN })).toEqual({
    alerts: [
      { deviceId: "gw-1", openedAt: MIN, closedAt: 3 * MIN, triggerCount: 2, summary: "temp_c 85 > 80", details: cond(85) },
      { deviceId: "gw-1", openedAt: 5 * MIN, closedAt: null, triggerCount: 2, summary: "temp_c 95 > 80", details: cond(95) },
    ],
    samples: 7,
    truncated: false,
  });
});

test("hold: the timer opens the alert when the hold elapses, between samples", () => {
  const held = rule("threshold", { conditions: [{ metric: "temp_c", op: "GT", value: 80 }], holdSeconds: 90 });
  const samples = new Map([["gw-1", perMinute([85, 85, 85, 85, 70, 85, 70])]]);
  const { alerts } = backtest(held, samples, { from: 0, to: 10 * MIN });
  // Held from 0, so due at 1.5 min; the second breach (at 5 min) clears at 6 min, before its hold.
  expect(alerts.map((a) => [a.openedAt, a.closedAt, a.triggerCount, a.summary])).toEqual([[90_000, 4 * MIN, 3, "temp_c 85 > 80 for 90 s"]]);
});

test("telemetry gap: deadlines fire at their time, also after the last sample, up to the range end", () => {
  const gap = rule("telemetry_gap", { metric: "temp_c", gapSeconds: 120 });
  const samples = new Map([
    ["gw-1", perMinute([20, 20, null, null, null, 20, 20])],
    ["gw-2", perMinute([20])],
    ["gw-3", perMinute([20, 20, 20, 20, 20, 20, 20, 20, 20])],
  ]);
  const result = backtest(gap, samples, { from: 0, to: 10 * MIN });
  expect(result.alerts.map((a) => [a.deviceId, a.openedAt, a.closedAt, a.triggerCount])).toEqual([
    ["gw-2", 2 * MIN, null, 1],
    ["gw-1", 3 * MIN, 5 * MIN, 3], // the deadline at 3 min fires before that minute's sample; both rh-only samples repeat it
    ["gw-1", 8 * MIN, null, 1], // last temp_c at 6 min: due at 8 min, inside the range
    ["gw-3", 10 * MIN, null, 1], // due exactly at the range end
  ]);
  expect(result.alerts[0]!.details).toEqual({ metric: "temp_c", gapSeconds: 120, lastSeenAt: 0, silentSeconds: 120 });
  expect(result.samples).toBe(17);
  // A deadline after the range end does not fire.
  expect(backtest(gap, new Map([["gw-2", perMinute([20])]]), { from: 0, to: 2 * MIN - 1 }).alerts).toEqual([]);
});

test("only samples inside the range count", () => {
  const samples = new Map([["gw-1", perMinute([85, 70, 90, 91, 92])]]);
  const result = backtest(hot, samples, { from: MIN, to: 3 * MIN });
  expect(result.samples).toBe(3);
  expect(result.alerts.map((a) => [a.openedAt, a.closedAt, a.triggerCount])).toEqual([[2 * MIN, null, 2]]);
});

test("alerts come ordered by time across devices; past maxAlerts the earliest are kept", () => {
  const flap = perMinute([85, 70, 85, 70, 85, 70]);
  const samples = new Map([
    ["gw-b", flap],
    ["gw-a", flap.map((x) => ({ ...x, t: x.t + 30_000 }))],
  ]);
  const all = backtest(hot, samples, { from: 0, to: 10 * MIN });
  expect(all.alerts.map((a) => [a.deviceId, a.openedAt / 1000])).toEqual([
    ["gw-b", 0],
    ["gw-a", 30],
    ["gw-b", 120],
    ["gw-a", 150],
    ["gw-b", 240],
    ["gw-a", 270],
  ]);
  expect(all.truncated).toBe(false);
  const capped = backtest(hot, samples, { from: 0, to: 10 * MIN }, { maxAlerts: 4 });
  expect([capped.alerts.length, capped.truncated, capped.samples]).toEqual([4, true, 12]);
  expect(capped.alerts).toEqual(all.alerts.slice(0, 4));
});

test("window and anomaly rules replay through the same state machines", () => {
  const avg = rule("window", { metric: "temp_c", aggregation: "avg", windowSeconds: 180, op: "GT", value: 80, minSamples: 3 });
  const { alerts } = backtest(avg, new Map([["gw-1", perMinute([79, 81, 82, 83, 70, 60, 90])]]), { from: 0, to: 10 * MIN });
  expect(alerts.map((a) => [a.openedAt / MIN, a.closedAt! / MIN, a.summary])).toEqual([[2, 4, "avg(temp_c) over 3 min = 80.67 > 80"]]);
  const spiky = Array.from({ length: 40 }, (_, i) => 20 + (i % 2 ? 0.5 : -0.5));
  spiky[30] = 40;
  const anomaly = rule("anomaly", { metric: "temp_c", windowMinutes: 60, minSamples: 10 });
  const found = backtest(anomaly, new Map([["gw-1", perMinute(spiky)]]), { from: 0, to: 60 * MIN }).alerts;
  expect(found.map((a) => [a.openedAt / MIN, a.closedAt! / MIN])).toEqual([[30, 31]]);
});
