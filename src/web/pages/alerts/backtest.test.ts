import { describe, expect, test } from "bun:test";
import { backtestRequest, byDevice, checkBacktest, editorPath } from "./backtest";

const NOW = Date.parse("2026-03-02T12:00:00Z");
const rule = { type: "threshold", definition: { conditions: [{ metric: "temp_c", op: "GT", value: 5 }] }, scope: {} };

describe("backtest request", () => {
  test("covers the chosen range up to now, narrowed to typed device ids", () => {
    expect(backtestRequest(rule, "24h", "", NOW)).toEqual({ rule, from: "2026-03-01T12:00:00.000Z", to: "2026-03-02T12:00:00.000Z" });
    expect(backtestRequest(rule, "7d", "a, b", NOW)).toEqual({ rule, from: "2026-02-23T12:00:00.000Z", to: "2026-03-02T12:00:00.000Z", deviceIds: ["a", "b"] });
    expect(backtestRequest(rule, "nonsense", "", NOW).from).toBe("2026-03-01T12:00:00.000Z");
  });

  test("is checked with the API's own schema", () => {
    expect(checkBacktest(backtestRequest(rule, "31d", "", NOW))).toBeNull();
    expect(checkBacktest({ ...backtestRequest(rule, "24h", "", NOW), from: "2026-01-01T00:00:00Z" })).toEqual({ to: "at most 31 days between from and to" });
    expect(checkBacktest(backtestRequest(rule, "1h", "bad id!", NOW))).toEqual({ "deviceIds.0": expect.stringContaining("device id") });
  });

  test("server paths of the draft rule land on the editor's fields", () => {
    expect(editorPath("rule.definition.conditions.0.op")).toBe("definition.conditions.0.op");
    expect(editorPath("body.rule.scope.tags.0")).toBe("scope.tags.0");
    expect(editorPath("deviceIds.0")).toBe("deviceIds.0");
  });
});

describe("byDevice", () => {
  test("groups would-be alerts per device, most first, placed on the range", () => {
    const from = NOW - 100_000;
    const at = (s: number) => new Date(from + s * 1000).toISOString();
    const a = (deviceId: string, o: number, c: number | null) => ({ deviceId, openedAt: at(o), closedAt: c === null ? null : at(c), triggerCount: 1, summary: "", details: {} });
    const rows = byDevice([a("b", 10, 20), a("a", 0, 50), a("b", 90, null), a("c", -5, 0)], from, NOW);
    expect(rows.map((r) => [r.deviceId, r.alerts.length])).toEqual([["b", 2], ["a", 1], ["c", 1]]);
    expect(rows[0]!.spans).toEqual([{ left: 10, width: 10, open: false }, { left: 90, width: 10, open: true }]);
    expect(rows[1]!.spans).toEqual([{ left: 0, width: 50, open: false }]);
    // Clipped to the range, but never invisible.
    expect(rows[2]!.spans).toEqual([{ left: 0, width: 0.4, open: false }]);
  });
});
