import { describe, expect, test } from "bun:test";
import { PulseError } from "../platform/errors";
import {
  compare,
  durationText,
  fingerprintOf,
  fmt,
  inScope,
  numericValue,
  type Operator,
  parseDefinition,
  RuleScope,
  RuleSpec,
  ruleMetrics,
  type ScopeDevice,
  severityName,
} from "./rules";

const G1 = "11111111-1111-4111-8111-111111111111";
const G2 = "22222222-2222-4222-8222-222222222222";
const T1 = "33333333-3333-4333-8333-333333333333";

function badRequest(fn: () => unknown): { message: string; details: unknown } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PulseError);
    const e = err as PulseError;
    expect(e.code).toBe("BAD_REQUEST");
    return { message: e.message, details: e.details };
  }
  throw new Error("expected a BAD_REQUEST");
}

test("every operator compares numbers as its name says", () => {
  const ops: Operator[] = ["GT", "GTE", "LT", "LTE", "EQ", "NEQ"];
  const table = ops.map((op) => [op, compare(op, 1, 2), compare(op, 2, 2), compare(op, 3, 2)]);
  expect(table).toEqual([
    ["GT", false, false, true],
    ["GTE", false, true, true],
    ["LT", true, false, false],
    ["LTE", true, true, false],
    ["EQ", false, true, false],
    ["NEQ", true, false, true],
  ]);
});

test("metric values: finite numbers as they are, booleans as 1/0, anything else is not a number", () => {
  expect([numericValue(85.2), numericValue(0), numericValue(-3), numericValue(true), numericValue(false)]).toEqual([85.2, 0, -3, 1, 0]);
  for (const v of ["85", "", null, undefined, {}, [1], Number.NaN, Number.POSITIVE_INFINITY]) expect(numericValue(v)).toBeUndefined();
});

test("severity names and fingerprints", () => {
  expect([1, 2, 3, 4, 5].map(severityName)).toEqual(["info", "low", "medium", "high", "critical"]);
  expect(severityName(9)).toBe("severity 9");
  expect(fingerprintOf("r-1", "gw-1")).toBe("RULE:r-1:gw-1");
});

test("numbers and durations in summaries", () => {
  expect([fmt(80), fmt(85.2), fmt(81.3333), fmt(-0.000123456), fmt(1e-7)]).toEqual(["80", "85.2", "81.33", "-0.000123", "1e-7"]);
  expect([durationText(45), durationText(90), durationText(300), durationText(3600), durationText(5400), durationText(86400)]).toEqual([
    "45 s",
    "90 s",
    "5 min",
    "1 h",
    "90 min",
    "24 h",
  ]);
});

describe("parseDefinition", () => {
  test("fills in the defaults of each type", () => {
    expect(parseDefinition("threshold", { conditions: [{ metric: "temp_c", op: "GT", value: 80 }] })).toEqual({
      conditions: [{ metric: "temp_c", op: "GT", value: 80 }],
      match: "all",
      holdSeconds: 0,
    });
    expect(parseDefinition("window", { metric: "temp_c", aggregation: "avg", windowSeconds: 300, op: "GT", value: 80 })).toEqual({
      metric: "temp_c",
      aggregation: "avg",
      windowSeconds: 300,
      op: "GT",
      value: 80,
      minSamples: 2,
    });
    expect(parseDefinition("telemetry_gap", { metric: "temp_c", gapSeconds: 600 })).toEqual({ metric: "temp_c", gapSeconds: 600 });
    expect(parseDefinition("anomaly", { metric: "temp_c" })).toEqual({ metric: "temp_c", windowMinutes: 60, zThreshold: 3, minSamples: 10 });
  });

  test("names the offending field", () => {
    expect(badRequest(() => parseDefinition("threshold", { conditions: [{ metric: "t", op: "BIGGER", value: 1 }] }))).toEqual({
      message: 'invalid threshold definition: definition.conditions.0.op: Invalid option: expected one of "GT"|"GTE"|"LT"|"LTE"|"EQ"|"NEQ"',
      details: { errors: [{ path: "definition.conditions.0.op", message: 'Invalid option: expected one of "GT"|"GTE"|"LT"|"LTE"|"EQ"|"NEQ"' }] },
    });
    const cases: Array<[Parameters<typeof parseDefinition>[0], unknown, string]> = [
      ["threshold", { conditions: [] }, "definition.conditions: Too small: expected array to have >=1 items"],
      ["threshold", { conditions: [{ metric: "t", op: "GT", value: 1 }], holdSecond: 5 }, 'definition: Unrecognized key: "holdSecond"'],
      ["threshold", { conditions: [{ metric: "t", op: "GT", value: 1 }], holdSeconds: 1.5 }, "definition.holdSeconds: Invalid input: expected int, received number"],
      ["threshold", { conditions: [{ metric: "t", op: "GT", value: "80" }] }, "definition.conditions.0.value: Invalid input: expected number, received string"],
      ["threshold", { conditions: [{ metric: "a\nb", op: "GT", value: 1 }] }, "definition.conditions.0.metric: expected a metric key: 1 to 128 printable characters"],
      ["window", { metric: "t", aggregation: "median", windowSeconds: 300, op: "GT", value: 1 }, 'definition.aggregation: Invalid option: expected one of "avg"|"min"|"max"|"sum"|"count"'],
      ["window", { metric: "t", aggregation: "avg", windowSeconds: 30, op: "GT", value: 1 }, "definition.windowSeconds: Too small: expected number to be >=60"],
      ["telemetry_gap", { metric: "t", gapSeconds: 86401 }, "definition.gapSeconds: Too big: expected number to be <=86400"],
      ["telemetry_gap", { gapSeconds: 600 }, "definition.metric: Invalid input: expected string, received undefined"],
      ["anomaly", { metric: "t", zThreshold: 0.5 }, "definition.zThreshold: Too small: expected number to be >=1"],
      ["anomaly", "temp_c", "definition: Invalid input: expected object, received string"],
    ];
    for (const [type, raw, message] of cases) expect(badRequest(() => parseDefinition(type, raw)).message).toBe(`invalid ${type} definition: ${message}`);
  });

  test("an unknown rule type is a bad request, not a crash", () => {
    expect(badRequest(() => parseDefinition("toString" as never, {}))).toEqual({
      message: "type: expected one of threshold, window, telemetry_gap, anomaly",
      details: { errors: [{ path: "type", message: "expected one of threshold, window, telemetry_gap, anomaly" }] },
    });
  });
});

test("RuleSpec picks the definition schema by type", () => {
  const ok = RuleSpec.safeParse({ type: "telemetry_gap", definition: { metric: "temp_c", gapSeconds: 600 } });
  expect(ok.success && ok.data).toEqual({ type: "telemetry_gap", definition: { metric: "temp_c", gapSeconds: 600 } });
  const bad = RuleSpec.safeParse({ type: "window", definition: { metric: "temp_c", gapSeconds: 600 } });
  expect(bad.success).toBe(false);
});

test("ruleMetrics names each metric a rule reads once", () => {
  const range = { conditions: [{ metric: "temp_c", op: "GT", value: 10 }, { metric: "temp_c", op: "LT", value: 30 }, { metric: "rh", op: "GT", value: 90 }] };
  expect(ruleMetrics({ type: "threshold", definition: parseDefinition("threshold", range) })).toEqual(["temp_c", "rh"]);
  expect(ruleMetrics({ type: "anomaly", definition: parseDefinition("anomaly", { metric: "vib" }) })).toEqual(["vib"]);
});

describe("inScope", () => {
  const device: ScopeDevice = { deviceId: "gw-1", siteId: "ams", templateId: T1, tags: new Set(["cold", "dock"]), groupIds: new Set([G1]) };

  test("an empty scope, or empty lists, cover every device", () => {
    expect(inScope({}, device)).toBe(true);
    expect(inScope({ siteIds: [], groupIds: [], templateIds: [], tags: [], deviceIds: [] }, device)).toBe(true);
  });

  test("each list matches on any element, and every list given must match", () => {
    expect(inScope({ siteIds: ["rtm", "ams"] }, device)).toBe(true);
    expect(inScope({ siteIds: ["rtm"] }, device)).toBe(false);
    expect(inScope({ tags: ["hot", "dock"] }, device)).toBe(true);
    expect(inScope({ tags: ["hot"] }, device)).toBe(false);
    expect(inScope({ groupIds: [G2, G1] }, device)).toBe(true);
    expect(inScope({ groupIds: [G2] }, device)).toBe(false);
    expect(inScope({ templateIds: [T1] }, device)).toBe(true);
    expect(inScope({ deviceIds: ["gw-2"] }, device)).toBe(false);
    expect(inScope({ siteIds: ["ams"], tags: ["cold"], deviceIds: ["gw-1"] }, device)).toBe(true);
    expect(inScope({ siteIds: ["ams"], tags: ["hot"] }, device)).toBe(false);
  });

  test("a device without a site or template is outside scopes that list some", () => {
    const bare: ScopeDevice = { deviceId: "gw-9", siteId: null, templateId: null, tags: new Set(), groupIds: new Set() };
    expect([inScope({ siteIds: ["ams"] }, bare), inScope({ templateIds: [T1] }, bare), inScope({ tags: ["cold"] }, bare)]).toEqual([false, false, false]);
  });

  test("the scope schema rejects unknown keys and malformed ids", () => {
    expect(RuleScope.safeParse({ sites: ["ams"] }).success).toBe(false);
    expect(RuleScope.safeParse({ groupIds: ["not-a-uuid"] }).success).toBe(false);
    expect(RuleScope.safeParse({ tags: ["a,b"] }).success).toBe(false);
    expect(RuleScope.safeParse({ deviceIds: Array.from({ length: 501 }, (_, i) => `d${i}`) }).success).toBe(false);
    expect(RuleScope.parse({ siteIds: ["ams"], tags: ["cold"] })).toEqual({ siteIds: ["ams"], tags: ["cold"] });
  });
});
