import { describe, expect, test } from "bun:test";
import { parseJsonObject, samplePayload, sampleTopic } from "./route-sample";

describe("message route samples", () => {
  test("a topic the filter matches", () => {
    expect(sampleTopic("tenant/acme/device/+/telemetry")).toBe("tenant/acme/device/sample/telemetry");
    expect(sampleTopic("tenant/acme/#")).toBe("tenant/acme/telemetry");
    expect(sampleTopic("a/b")).toBe("a/b");
  });

  test("metrics that pass each key of the payload filter", () => {
    expect(samplePayload({ temp_c: { $gt: 80 }, level: { $gte: 2, $lt: 9 }, low: { $lt: 5 }, msgType: "telemetry", on: true, x: { $eq: "a" }, y: { $ne: 0 } })).toEqual({
      metrics: { temp_c: 81, level: 2, low: 4, msgType: "telemetry", on: true, x: "a", y: 1 },
    });
    expect(samplePayload({})).toEqual({ metrics: {} });
  });

  test("JSON text: an object, empty as {}, anything else a reason", () => {
    expect(parseJsonObject('{"a": 1}')).toEqual({ value: { a: 1 } });
    expect(parseJsonObject("  ")).toEqual({ value: {} });
    expect(parseJsonObject("[1]")).toEqual({ error: "expected a JSON object: { … }" });
    expect("error" in parseJsonObject("{a:1}")).toBe(true);
  });
});
