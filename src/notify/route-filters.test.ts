import { describe, expect, test } from "bun:test";
import {
  compilePayloadFilter,
  compileTopicFilter,
  MqttRepublishConfig,
  PayloadFilter,
  payloadMatches,
  renderTopic,
  topicMatches,
  validTopicFilter,
} from "./route-filters";

describe("topic filters", () => {
  test("validity", () => {
    const cases: Array<[string, string | null]> = [
      ["tenant/+/device/+/telemetry", null],
      ["tenant/acme/#", null],
      ["#", null],
      ["+", null],
      ["+/+/#", null],
      ["a//b", null],
      ["site:1/dev_2/temp-c", null],
      ["", "the topic filter is empty"],
      ["a/#/b", "'#' must be the last level"],
      ["#/a", "'#' must be the last level"],
      ["a/b#", "'#' must be a whole level"],
      ["a/#b", "'#' must be a whole level"],
      ["a/b+/c", "'+' must be a whole level"],
      ["a/++", "'+' must be a whole level"],
      ["a/b c", '" " is not allowed: use A-Z a-z 0-9 _ : - and / + #'],
      ["a/é", '"é" is not allowed: use A-Z a-z 0-9 _ : - and / + #'],
      ["a/$SYS", '"$" is not allowed: use A-Z a-z 0-9 _ : - and / + #'],
      ["a".repeat(256), null],
      ["a".repeat(257), "the topic filter is 257 characters, at most 256"],
    ];
    expect(cases.map(([f]) => [f, validTopicFilter(f)])).toEqual(cases);
  });

  test("matching", () => {
    const cases: Array<[string, string, boolean]> = [
      ["tenant/+/device/+/telemetry", "tenant/acme/device/d1/telemetry", true],
      ["tenant/+/device/+/telemetry", "tenant/acme/device/d1/events", false],
      ["tenant/+/device/+/telemetry", "tenant/acme/device/d1/telemetry/x", false],
      ["tenant/+/device/+/telemetry", "tenant/acme/site/s1/device/d1/telemetry", false],
      ["tenant/+/device/+/telemetry", "tenant//device/d1/telemetry", true],
      ["tenant/acme/#", "tenant/acme/device/d1/telemetry", true],
      ["tenant/acme/#", "tenant/acme", true],
      ["tenant/acme/#", "tenant/acme/", true],
      ["tenant/acme/#", "tenant/acmex/device", false],
      ["tenant/acme/#", "tenant/other/device/d1/telemetry", false],
      ["#", "tenant/acme/device/d1/telemetry", true],
      ["#", "a", true],
      ["#", "$SYS/broker/uptime", false],
      ["+/broker/uptime", "$SYS/broker/uptime", false],
      ["a/+", "a/b", true],
      ["a/+", "a/b/c", false],
      ["a/+", "a", false],
      ["a/#", "a", true],
      ["a/#", "ab", false],
      ["a/+/#", "a/b", true],
      ["a/b", "a/b", true],
      ["a/b", "A/b", false],
      ["a/b#", "a/b", false], // invalid filters match nothing
      ["a:1/x-y", "a:1/x-y", true],
      ["a:1/+", "a:1/x-y", true],
    ];
    expect(cases.map(([f, t]) => [f, t, topicMatches(f, t)])).toEqual(cases);
  });

  test("a compiled filter is reusable", () => {
    const m = compileTopicFilter("tenant/+/device/+/telemetry");
    expect(["tenant/a/device/b/telemetry", "tenant/a/device/b", "tenant/c/device/d/telemetry"].map(m)).toEqual([true, false, true]);
  });
});

describe("payload filters", () => {
  const metrics = { temp: 21.5, door: "open", armed: true, code: 20, reading: "18.25" };
  const root = { msgType: "telemetry", device: "d1", site: "s1" };

  test("exact values", () => {
    expect(payloadMatches({}, metrics)).toBe(true);
    expect(payloadMatches({ door: "open", armed: true }, metrics)).toBe(true);
    expect(payloadMatches({ door: "open", armed: false }, metrics)).toBe(false);
    expect(payloadMatches({ temp: 21.5 }, metrics)).toBe(true);
    expect(payloadMatches({ temp: 21.50001 }, metrics)).toBe(false);
    expect(payloadMatches({ door: "Open" }, metrics)).toBe(false);
  });

  test("strings compare as strings, numbers numerically, booleans exactly", () => {
    expect(payloadMatches({ code: "20" }, metrics)).toBe(true);
    expect(payloadMatches({ code: "20.0" }, metrics)).toBe(false);
    expect(payloadMatches({ reading: 18.25 }, metrics)).toBe(true);
    expect(payloadMatches({ reading: "18.250" }, metrics)).toBe(false);
    expect(payloadMatches({ reading: 18.250 }, { reading: "18.250" })).toBe(true);
    expect(payloadMatches({ door: 0 }, metrics)).toBe(false);
    expect(payloadMatches({ armed: 1 }, metrics)).toBe(false);
    expect(payloadMatches({ armed: "true" }, metrics)).toBe(true);
    expect(payloadMatches({ armed: true }, { armed: "true" })).toBe(false);
    expect(payloadMatches({ x: 0 }, { x: "" })).toBe(false);
  });

  test("operators compare numerically and combine as AND", () => {
    expect(payloadMatches({ temp: { $gt: 20, $lte: 21.5 } }, metrics)).toBe(true);
    expect(payloadMatches({ temp: { $gt: 20, $lt: 21.5 } }, metrics)).toBe(false);
    expect(payloadMatches({ temp: { $gte: 21.5 } }, metrics)).toBe(true);
    expect(payloadMatches({ reading: { $gt: 9 } }, metrics)).toBe(true); // "18.25" > 9 numerically, not as text
    expect(payloadMatches({ code: { $lt: 100 } }, metrics)).toBe(true);
    expect(payloadMatches({ door: { $gt: 0 } }, metrics)).toBe(false);
    expect(payloadMatches({ armed: { $gt: 0 } }, metrics)).toBe(false);
    expect(payloadMatches({ code: { $eq: 20 }, door: { $ne: "closed" } }, metrics)).toBe(true);
    expect(payloadMatches({ code: { $ne: 20 } }, metrics)).toBe(false);
    expect(payloadMatches({ armed: { $eq: true } }, metrics)).toBe(true);
    expect(payloadMatches({ temp: { $gt: 0 }, door: "closed" }, metrics)).toBe(false);
  });

  test("a missing key never matches, not even $ne; null counts as missing", () => {
    expect(payloadMatches({ humidity: { $ne: 50 } }, metrics)).toBe(false);
    expect(payloadMatches({ humidity: { $lt: 1000 } }, metrics)).toBe(false);
    expect(payloadMatches({ humidity: "" }, metrics)).toBe(false);
    expect(payloadMatches({ humidity: { $ne: 50 } }, { humidity: null })).toBe(false);
    expect(payloadMatches({ constructor: { $ne: "x" } }, {})).toBe(false);
    expect(payloadMatches({ toString: "x" }, {}, {})).toBe(false);
  });

  test("keys fall back to the message root, metrics first", () => {
    expect(payloadMatches({ msgType: "telemetry", device: "d1", temp: { $gt: 0 } }, metrics, root)).toBe(true);
    expect(payloadMatches({ site: "s2" }, metrics, root)).toBe(false);
    expect(payloadMatches({ device: "d1" }, metrics)).toBe(false);
    expect(payloadMatches({ device: "sensor-7" }, { device: "sensor-7" }, root)).toBe(true);
  });

  test("a compiled filter gives the same answers", () => {
    const f = compilePayloadFilter({ msgType: "telemetry", temp: { $gte: 21 } });
    expect([f(metrics, root), f(metrics), f({ temp: 20 }, root), f({ temp: "22" }, root)]).toEqual([true, false, false, true]);
  });

  test("validation", () => {
    const ok = { temp: { $gt: 20 }, door: "open", armed: true, code: 20, mode: { $eq: "auto" }, on: { $ne: false } };
    expect(PayloadFilter.parse(ok)).toEqual(ok);
    const fails = (v: unknown) => PayloadFilter.safeParse(v).success === false;
    expect(fails({ temp: {} })).toBe(true);
    expect(fails({ temp: { $gt: "20" } })).toBe(true);
    expect(fails({ temp: { $between: [1, 2] } })).toBe(true);
    expect(fails({ temp: null })).toBe(true);
    expect(fails({ temp: [1] })).toBe(true);
    expect(fails({ "": 1 })).toBe(true);
    expect(fails({ ["k".repeat(129)]: 1 })).toBe(true);
    expect(fails(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])))).toBe(true);
    expect(fails(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])))).toBe(false);
    const r = PayloadFilter.safeParse({ temp: {} });
    expect(r.error?.issues.map((i) => i.message)).toContain("give at least one of $gt $gte $lt $lte $eq $ne");
  });

  test("a malformed filter from storage matches nothing instead of throwing", () => {
    const raw = { temp: { $between: [1, 2] }, door: null } as unknown as PayloadFilter;
    expect(payloadMatches(raw, { temp: 1.5, door: "open" })).toBe(false);
    expect(payloadMatches({ temp: {} } as unknown as PayloadFilter, { temp: 1 })).toBe(false);
  });
});

describe("republish topics", () => {
  test("placeholders are filled once", () => {
    expect(renderTopic("fwd/{tenant}/{device}/telemetry", { tenant: "acme", device: "d1" })).toBe("fwd/acme/d1/telemetry");
    expect(renderTopic("{device}-{device}", { tenant: "acme", device: "d1" })).toBe("d1-d1");
    expect(renderTopic("static/topic", { tenant: "acme", device: "d1" })).toBe("static/topic");
    expect(renderTopic("{tenant}/x", { tenant: "{device}", device: "d1" })).toBe("{device}/x");
  });

  test("config validation", () => {
    expect(MqttRepublishConfig.parse({ topic: "tenant/{tenant}/fwd/{device}" })).toEqual({ topic: "tenant/{tenant}/fwd/{device}", qos: 1, retain: false });
    expect(MqttRepublishConfig.parse({ topic: "tenant/{tenant}/t", qos: 0, retain: true })).toEqual({ topic: "tenant/{tenant}/t", qos: 0, retain: true });
    const messages = (v: unknown) => MqttRepublishConfig.safeParse(v).error?.issues.map((i) => i.message) ?? [];
    expect(messages({ topic: "tenant/{tenant}/fwd/+/x" })).toEqual(["the republish topic cannot contain '+' or '#'"]);
    expect(messages({ topic: "tenant/{tenant}/fwd/#" })).toEqual(["the republish topic cannot contain '+' or '#'"]);
    expect(messages({ topic: "tenant/{tenant}/fwd/{site}" })).toEqual(["unknown placeholder {site}: use {tenant} or {device}"]);
    expect(messages({ topic: "fwd/{tenant}/{device}" })).toEqual(["the republish topic must start with tenant/{tenant}/"]);
    expect(messages({ topic: "tenant/other/fwd" })).toEqual(["the republish topic must start with tenant/{tenant}/"]);
    expect(messages({ topic: "tenant/{tenant}/device/{device}/telemetry" })).toEqual([
      "the republish topic cannot be a topic devices send telemetry, heartbeats, shadow reports or command acknowledgements on",
    ]);
    expect(messages({ topic: "tenant/{tenant}/device/valve-1/commands" })).toEqual([]);
    expect(messages({ topic: "" }).length).toBeGreaterThan(0);
    expect(messages({ topic: `tenant/{tenant}/${"t".repeat(257)}` }).length).toBe(1);
    expect(messages({ topic: "tenant/{tenant}/t", qos: 2 }).length).toBe(1);
    expect(messages({ topic: "tenant/{tenant}/t", extra: 1 }).length).toBe(1);
  });
});
