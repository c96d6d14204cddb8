import { describe, expect, test } from "bun:test";
import { isTimeZone, type Layer, onCallAt, type Override, Responder, type Schedule, type Shift, timeline } from "./oncall";

const HOUR = 3_600_000;
const ann = { name: "Ann", email: "ann@example.com" };
const bob = { name: "Bob", phone: "+31 6 1234 5678" };
const cat = { name: "Cat" };
const dan = { name: "Dan" };
const d = (iso: string) => new Date(iso);

function layer(l: Partial<Layer> & Pick<Layer, "layerId" | "rotation" | "startsAt" | "responders">): Layer {
  return { name: l.layerId, order: 0, shiftHours: l.rotation === "weekly" ? 168 : 24, ...l };
}

const override = (overrideId: string, responder: Override["responder"], startsAt: string, endsAt: string): Override => ({
  overrideId,
  responder,
  startsAt: d(startsAt),
  endsAt: d(endsAt),
  reason: null,
});

const schedule = (timezone: string, layers: Layer[], overrides: Override[] = []): Schedule => ({
  scheduleId: "s1",
  name: "Primary",
  timezone,
  layers,
  overrides,
});

const fromLayer = (layerId: string, responder: Shift["responder"], start: string, end: string): Shift => ({
  start: d(start),
  end: d(end),
  responder,
  source: "layer",
  layerId,
});

const fromOverride = (overrideId: string, responder: Shift["responder"], start: string, end: string): Shift => ({
  start: d(start),
  end: d(end),
  responder,
  source: "override",
  overrideId,
});

const names = (s: Schedule, instants: string[]) => instants.map((t) => onCallAt(s, d(t))?.responder.name ?? null);

describe("rotations", () => {
  test("a daily rotation of three responders over a week in UTC", () => {
    const s = schedule("UTC", [layer({ layerId: "L", rotation: "daily", startsAt: d("2026-01-05T09:00:00Z"), responders: [ann, bob, cat] })]);
    expect(timeline(s, d("2026-01-05T00:00:00Z"), d("2026-01-12T00:00:00Z"))).toEqual([
      fromLayer("L", ann, "2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z"),
      fromLayer("L", bob, "2026-01-06T09:00:00Z", "2026-01-07T09:00:00Z"),
      fromLayer("L", cat, "2026-01-07T09:00:00Z", "2026-01-08T09:00:00Z"),
      fromLayer("L", ann, "2026-01-08T09:00:00Z", "2026-01-09T09:00:00Z"),
      fromLayer("L", bob, "2026-01-09T09:00:00Z", "2026-01-10T09:00:00Z"),
      fromLayer("L", cat, "2026-01-10T09:00:00Z", "2026-01-11T09:00:00Z"),
      fromLayer("L", ann, "2026-01-11T09:00:00Z", "2026-01-12T00:00:00Z"),
    ]);
    expect(onCallAt(s, d("2026-01-07T08:59:59.999Z"))).toEqual(fromLayer("L", bob, "2026-01-06T09:00:00Z", "2026-01-07T09:00:00Z"));
    expect(onCallAt(s, d("2026-01-07T09:00:00Z"))).toEqual(fromLayer("L", cat, "2026-01-07T09:00:00Z", "2026-01-08T09:00:00Z"));
  });

  test("a weekly rotation advances every week (regression: it stuck at the first responder)", () => {
    const s = schedule("Europe/Amsterdam", [
      layer({ layerId: "W", rotation: "weekly", startsAt: d("2026-01-05T08:00:00Z"), responders: [ann, bob, cat] }),
    ]);
    const mondays = ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02"];
    expect(names(s, mondays.map((m) => `${m}T12:00:00Z`))).toEqual(["Ann", "Bob", "Cat", "Ann", "Bob"]);
    expect(names(s, ["2026-01-12T07:59:59Z", "2026-01-12T08:00:00Z", "2026-02-08T23:00:00Z"])).toEqual(["Ann", "Bob", "Bob"]);
    expect(onCallAt(s, d("2026-01-28T00:00:00Z"))).toEqual(fromLayer("W", ann, "2026-01-26T08:00:00Z", "2026-02-02T08:00:00Z"));
  });

  test("a weekly rotation keeps its local handoff time across the spring DST change", () => {
    const s = schedule("Europe/Amsterdam", [
      layer({ layerId: "W", rotation: "weekly", startsAt: d("2026-03-23T08:00:00Z"), responders: [ann, bob] }),
    ]);
    expect(onCallAt(s, d("2026-03-31T12:00:00Z"))).toEqual(fromLayer("W", bob, "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"));
    expect(onCallAt(s, d("2026-03-30T06:30:00Z"))).toEqual(fromLayer("W", ann, "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z"));
  });

  test("a daily 09:00 Europe/Amsterdam handoff stays at 09:00 local across both DST changes", () => {
    const s = schedule("Europe/Amsterdam", [
      layer({ layerId: "D", rotation: "daily", startsAt: d("2026-03-27T08:00:00Z"), responders: [ann, bob] }),
    ]);
    expect(timeline(s, d("2026-03-27T00:00:00Z"), d("2026-03-31T00:00:00Z"))).toEqual([
      fromLayer("D", ann, "2026-03-27T08:00:00Z", "2026-03-28T08:00:00Z"),
      fromLayer("D", bob, "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z"), // 23 hours
      fromLayer("D", ann, "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"),
      fromLayer("D", bob, "2026-03-30T07:00:00Z", "2026-03-31T00:00:00Z"),
    ]);
    // 211 days after the start: an odd shift, so Bob.
    expect(timeline(s, d("2026-10-24T00:00:00Z"), d("2026-10-27T00:00:00Z"))).toEqual([
      fromLayer("D", ann, "2026-10-24T00:00:00Z", "2026-10-24T07:00:00Z"),
      fromLayer("D", bob, "2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z"), // 25 hours
      fromLayer("D", ann, "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"),
      fromLayer("D", bob, "2026-10-26T08:00:00Z", "2026-10-27T00:00:00Z"),
    ]);
    expect(onCallAt(s, d("2026-10-25T07:59:59Z"))).toEqual(fromLayer("D", bob, "2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z"));
    expect(onCallAt(s, d("2026-03-29T07:00:00Z"))?.start).toEqual(d("2026-03-29T07:00:00Z"));
  });

  test("a handoff inside the spring-forward gap moves forward by the gap", () => {
    // 02:30 local does not exist on 2026-03-29 in Amsterdam: that handoff happens at 03:30 CEST.
    const s = schedule("Europe/Amsterdam", [
      layer({ layerId: "D", rotation: "daily", startsAt: d("2026-03-27T01:30:00Z"), responders: [ann] }),
    ]);
    expect([d("2026-03-28T12:00:00Z"), d("2026-03-29T12:00:00Z"), d("2026-03-30T12:00:00Z")].map((t) => onCallAt(s, t)?.start)).toEqual([
      d("2026-03-28T01:30:00Z"),
      d("2026-03-29T01:30:00Z"),
      d("2026-03-30T00:30:00Z"),
    ]);
  });

  test("custom rotations advance by exact hours, ignoring DST", () => {
    const s = schedule("Europe/Amsterdam", [
      layer({ layerId: "C", rotation: "custom", shiftHours: 12, startsAt: d("2026-01-01T06:00:00Z"), responders: [ann, bob, cat] }),
    ]);
    // 2026-03-28T06:00Z is 172 shifts after the start: 172 mod 3 = 1, Bob.
    expect(timeline(s, d("2026-03-28T06:00:00Z"), d("2026-03-30T06:00:00Z"))).toEqual([
      fromLayer("C", bob, "2026-03-28T06:00:00Z", "2026-03-28T18:00:00Z"),
      fromLayer("C", cat, "2026-03-28T18:00:00Z", "2026-03-29T06:00:00Z"),
      fromLayer("C", ann, "2026-03-29T06:00:00Z", "2026-03-29T18:00:00Z"),
      fromLayer("C", bob, "2026-03-29T18:00:00Z", "2026-03-30T06:00:00Z"),
    ]);
  });
});

describe("precedence", () => {
  const base = layer({ layerId: "base", order: 0, rotation: "daily", startsAt: d("2026-01-01T00:00:00Z"), responders: [ann] });
  const top = layer({ layerId: "top", order: 10, rotation: "custom", shiftHours: 12, startsAt: d("2026-01-02T06:00:00Z"), responders: [bob, cat] });

  test("the layer with the higher order wins where layers overlap, whatever their list order", () => {
    for (const layers of [[base, top], [top, base]]) {
      const s = schedule("UTC", layers);
      expect(timeline(s, d("2026-01-02T00:00:00Z"), d("2026-01-03T00:00:00Z"))).toEqual([
        fromLayer("base", ann, "2026-01-02T00:00:00Z", "2026-01-02T06:00:00Z"),
        fromLayer("top", bob, "2026-01-02T06:00:00Z", "2026-01-02T18:00:00Z"),
        fromLayer("top", cat, "2026-01-02T18:00:00Z", "2026-01-03T00:00:00Z"),
      ]);
      expect(names(s, ["2026-01-02T05:59:59Z", "2026-01-02T06:00:00Z"])).toEqual(["Ann", "Bob"]);
    }
  });

  test("an override in the middle of a shift splits the timeline exactly", () => {
    const s = schedule("UTC", [base, top], [override("o1", dan, "2026-01-02T13:15:00Z", "2026-01-02T20:30:00Z")]);
    expect(timeline(s, d("2026-01-02T06:00:00Z"), d("2026-01-03T06:00:00Z"))).toEqual([
      fromLayer("top", bob, "2026-01-02T06:00:00Z", "2026-01-02T13:15:00Z"),
      fromOverride("o1", dan, "2026-01-02T13:15:00Z", "2026-01-02T20:30:00Z"),
      fromLayer("top", cat, "2026-01-02T20:30:00Z", "2026-01-03T06:00:00Z"),
    ]);
    expect(onCallAt(s, d("2026-01-02T13:15:00Z"))).toEqual(fromOverride("o1", dan, "2026-01-02T13:15:00Z", "2026-01-02T20:30:00Z"));
    expect(onCallAt(s, d("2026-01-02T20:30:00Z"))).toEqual(fromLayer("top", cat, "2026-01-02T18:00:00Z", "2026-01-03T06:00:00Z"));
  });

  test("among overlapping overrides the latest-starting one wins", () => {
    const s = schedule(
      "UTC",
      [base],
      [override("late", cat, "2026-01-05T12:00:00Z", "2026-01-05T14:00:00Z"), override("long", bob, "2026-01-05T10:00:00Z", "2026-01-05T18:00:00Z")],
    );
    expect(timeline(s, d("2026-01-05T08:00:00Z"), d("2026-01-05T20:00:00Z"))).toEqual([
      fromLayer("base", ann, "2026-01-05T08:00:00Z", "2026-01-05T10:00:00Z"),
      fromOverride("long", bob, "2026-01-05T10:00:00Z", "2026-01-05T12:00:00Z"),
      fromOverride("late", cat, "2026-01-05T12:00:00Z", "2026-01-05T14:00:00Z"),
      fromOverride("long", bob, "2026-01-05T14:00:00Z", "2026-01-05T18:00:00Z"),
      fromLayer("base", ann, "2026-01-05T18:00:00Z", "2026-01-05T20:00:00Z"),
    ]);
  });

  test("an override covers time no layer does", () => {
    const s = schedule("UTC", [top], [override("o", dan, "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z")]);
    expect(timeline(s, d("2025-12-31T00:00:00Z"), d("2026-01-02T07:00:00Z"))).toEqual([
      fromOverride("o", dan, "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"),
      fromLayer("top", bob, "2026-01-02T06:00:00Z", "2026-01-02T07:00:00Z"),
    ]);
  });
});

describe("coverage, merging and clipping", () => {
  const L = layer({ layerId: "L", rotation: "daily", startsAt: d("2026-02-01T09:00:00Z"), responders: [ann, ann, bob] });

  test("nobody is on call before every layer starts", () => {
    const s = schedule("UTC", [L]);
    expect(onCallAt(s, d("2026-02-01T08:59:59.999Z"))).toBeNull();
    expect(timeline(s, d("2026-01-01T00:00:00Z"), d("2026-02-01T09:00:00Z"))).toEqual([]);
    expect(timeline(s, d("2026-02-01T00:00:00Z"), d("2026-02-01T10:00:00Z"))).toEqual([
      fromLayer("L", ann, "2026-02-01T09:00:00Z", "2026-02-01T10:00:00Z"),
    ]);
    expect(onCallAt(schedule("UTC", []), d("2026-02-01T12:00:00Z"))).toBeNull();
  });

  test("consecutive shifts of one responder in one layer merge; an override of the same person does not", () => {
    const s = schedule("UTC", [L], [override("o", bob, "2026-02-04T09:00:00Z", "2026-02-04T12:00:00Z")]);
    expect(timeline(s, d("2026-02-01T12:00:00Z"), d("2026-02-05T00:00:00Z"))).toEqual([
      fromLayer("L", ann, "2026-02-01T12:00:00Z", "2026-02-03T09:00:00Z"),
      fromLayer("L", bob, "2026-02-03T09:00:00Z", "2026-02-04T09:00:00Z"),
      fromOverride("o", bob, "2026-02-04T09:00:00Z", "2026-02-04T12:00:00Z"),
      fromLayer("L", ann, "2026-02-04T12:00:00Z", "2026-02-05T00:00:00Z"),
    ]);
  });

  test("an empty or reversed window is empty; a window inside one shift is that shift clipped", () => {
    const s = schedule("UTC", [L]);
    expect(timeline(s, d("2026-02-03T00:00:00Z"), d("2026-02-03T00:00:00Z"))).toEqual([]);
    expect(timeline(s, d("2026-02-04T00:00:00Z"), d("2026-02-03T00:00:00Z"))).toEqual([]);
    expect(timeline(s, d("2026-02-03T10:00:00Z"), d("2026-02-03T11:00:00Z"))).toEqual([
      fromLayer("L", bob, "2026-02-03T10:00:00Z", "2026-02-03T11:00:00Z"),
    ]);
  });

  test("90 days of one-hour shifts under a daily layer and overrides is fast", () => {
    const hourly = layer({ layerId: "H", order: 1, rotation: "custom", shiftHours: 1, startsAt: d("2026-01-01T00:00:00Z"), responders: [ann, bob, cat] });
    const daily = layer({ layerId: "D", rotation: "daily", startsAt: d("2025-01-01T08:00:00Z"), responders: [dan] });
    const overrides = Array.from({ length: 30 }, (_, i) =>
      override(`o${i}`, dan, new Date(Date.parse("2026-01-10T00:30:00Z") + i * 48 * HOUR).toISOString(), new Date(Date.parse("2026-01-10T02:30:00Z") + i * 48 * HOUR).toISOString()),
    );
    const s = schedule("Europe/Amsterdam", [daily, hourly], overrides);
    const started = performance.now();
    const shifts = timeline(s, d("2026-01-01T00:00:00Z"), d("2026-04-01T00:00:00Z"));
    expect(performance.now() - started).toBeLessThan(500);
    expect(shifts.length).toBe(90 * 24 - 30 * 2 + 30 * 2); // each override replaces 2 hours and splits 2 shifts
    expect(shifts.at(-1)).toEqual(fromLayer("H", cat, "2026-03-31T23:00:00Z", "2026-04-01T00:00:00Z"));
    const lookups = performance.now();
    for (let i = 0; i < 2000; i++) onCallAt(s, new Date(Date.parse("2026-01-01T00:00:00Z") + i * 3_907_000));
    expect(performance.now() - lookups).toBeLessThan(500);
  });
});

test("time zones are IANA names", () => {
  expect(["UTC", "Europe/Amsterdam", "America/New_York"].map(isTimeZone)).toEqual([true, true, true]);
  expect(["", "Mars/Olympus", "+01:00", "Europe/Nowhere"].map(isTimeZone)).toEqual([false, false, false, false]);
  expect(() => onCallAt(schedule("Mars/Olympus", [layer({ layerId: "L", rotation: "daily", startsAt: d("2026-01-01T00:00:00Z"), responders: [ann] })]), d("2026-02-01T00:00:00Z"))).toThrow(
    'unknown time zone "Mars/Olympus"',
  );
});

test("a responder needs a name; email must be an address; nothing else is accepted", () => {
  expect(Responder.safeParse(ann).success).toBe(true);
  expect(Responder.safeParse({ name: "" }).success).toBe(false);
  expect(Responder.safeParse({ name: "Ann", email: "not-an-address" }).success).toBe(false);
  expect(Responder.safeParse({ name: "Ann", slack: "@ann" }).success).toBe(false);
});
