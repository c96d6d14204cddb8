import { expect, test } from "bun:test";
import { byKey, mergeState } from "./state-writer";
import { deriveState } from "./service";

const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 12, 0, s));

test("device state keeps the newest time of each kind and the newest value of each metric, in any order", () => {
  const older = { tenant: "t", device: "d", lastHeartbeatAt: at(5), lastTelemetryAt: at(1), lastSeenAt: at(5), latest: { a: { v: 1, t: at(1).toISOString() }, b: { v: "x", t: at(1).toISOString() } } };
  const newer = { tenant: "t", device: "d", lastHeartbeatAt: null, lastTelemetryAt: at(3), lastSeenAt: at(3), latest: { a: { v: 2, t: at(3).toISOString() } } };
  const expected = { tenant: "t", device: "d", lastHeartbeatAt: at(5), lastTelemetryAt: at(3), lastSeenAt: at(5), latest: { a: { v: 2, t: at(3).toISOString() }, b: { v: "x", t: at(1).toISOString() } } };
  expect(mergeState(mergeState(undefined, older), newer)).toEqual(expected);
  expect(mergeState(mergeState(undefined, newer), older)).toEqual(expected);
});

test("a batch's rows become one state per device", () => {
  const row = (device: string, s: number, msgType: string, metrics: Record<string, number>) =>
    ({ time: at(s), tenant: "t", device, siteId: null, msgType, seq: null, metrics, msgId: `${device}${s}` });
  const states = deriveState([row("d1", 2, "telemetry", { a: 2 }), row("d1", 1, "telemetry", { a: 1, b: 1 }), row("d1", 3, "heartbeat", {}), row("d2", 1, "telemetry", { c: 1 })]);
  expect(byKey(states)).toEqual([
    { tenant: "t", device: "d1", lastHeartbeatAt: at(3), lastTelemetryAt: at(2), lastSeenAt: at(3), latest: { a: { v: 2, t: at(2).toISOString() }, b: { v: 1, t: at(1).toISOString() } } },
    { tenant: "t", device: "d2", lastHeartbeatAt: null, lastTelemetryAt: at(1), lastSeenAt: at(1), latest: { c: { v: 1, t: at(1).toISOString() } } },
  ]);
});

test("of two rows with the same time the later one wins, and metrics named like Object's own members are kept", () => {
  const row = (s: number, metrics: Record<string, number>, id: string) => ({ time: at(s), tenant: "t", device: "d", siteId: null, msgType: "telemetry", seq: null, metrics, msgId: id });
  const [state] = deriveState([row(1, { a: 1, constructor: 7 }, "m1"), row(1, { a: 2 }, "m2")]);
  expect(state!.latest).toEqual({ a: { v: 2, t: at(1).toISOString() }, constructor: { v: 7, t: at(1).toISOString() } });
  const merged = mergeState(mergeState(undefined, { ...state!, latest: {} }), state!);
  expect(Object.entries(merged.latest)).toContainEqual(["constructor", { v: 7, t: at(1).toISOString() }]);
});
