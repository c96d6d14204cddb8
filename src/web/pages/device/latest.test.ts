import { expect, test } from "bun:test";
import { mergeLatest } from "./latest";

test("live values overtake stored ones unless older; new keys join in key order", () => {
  const stored = [
    { metricKey: "temp_c", value: 4, time: "2026-11-27T12:00:00.000Z", unit: "°C", displayName: "Temperature" },
    { metricKey: "door", value: false, time: "2026-11-27T12:00:00.000Z", unit: null, displayName: null },
  ];
  const merged = mergeLatest(stored, {
    temp_c: { value: 4.5, time: "2026-11-27T12:00:10.000Z" },
    door: { value: true, time: "2026-11-27T11:59:00.000Z" },
    battery: { value: 88, time: "2026-11-27T12:00:10.000Z" },
  });
  expect(merged).toEqual([
    { metricKey: "battery", value: 88, time: "2026-11-27T12:00:10.000Z", unit: null, displayName: null },
    { metricKey: "door", value: false, time: "2026-11-27T12:00:00.000Z", unit: null, displayName: null },
    { metricKey: "temp_c", value: 4.5, time: "2026-11-27T12:00:10.000Z", unit: "°C", displayName: "Temperature" },
  ]);
  expect(mergeLatest([], {})).toEqual([]);
});
