import { describe, expect, test } from "bun:test";
import { dayTicks, layoutTimeline } from "./timeline";
import type { ScheduleDetail, Shift } from "./types";

const DAY = 86_400_000;
const from = Date.parse("2026-01-05T00:00:00Z");
const to = from + 14 * DAY;
const ann = { name: "Ann", email: "ann@example.com" };
const bob = { name: "Bob" };
const cy = { name: "Cy" };

const schedule = (over: Partial<ScheduleDetail> = {}): ScheduleDetail => ({
  scheduleId: "s",
  name: "Primary",
  description: null,
  timezone: "UTC",
  layers: [
    { layerId: "weekly", name: "Weekly", order: 0, rotation: "weekly", shiftHours: 168, startsAt: "2026-01-05T09:00:00Z", responders: [ann, bob] },
    { layerId: "nights", name: "Nights", order: 5, rotation: "custom", shiftHours: 12, startsAt: "2026-01-10T20:00:00Z", responders: [cy] },
  ],
  overrides: [],
  ...over,
});

describe("on-call timeline layout", () => {
  test("rows: layers by precedence (higher order first), overrides when there are any, then the final row", () => {
    const plain = layoutTimeline(schedule(), [], from, to, from - DAY);
    expect(plain.rows.map((r) => [r.kind, r.label])).toEqual([
      ["layer", "Nights"],
      ["layer", "Weekly"],
      ["final", "On call"],
    ]);
    const withOverride = layoutTimeline(schedule({ overrides: [{ overrideId: "o1", responder: bob, startsAt: "2026-01-06T00:00:00Z", endsAt: "2026-01-07T00:00:00Z", reason: "swap" }] }), [], from, to, from);
    expect(withOverride.rows.map((r) => r.kind)).toEqual(["layer", "layer", "overrides", "final"]);
    expect(withOverride.rows[2]!.bars).toEqual([expect.objectContaining({ key: "o1", name: "Bob", left: (1 / 14) * 100, width: (1 / 14) * 100 })]);
    expect(withOverride.rows[2]!.bars[0]!.label).toContain("Bob (swap), ");
  });

  test("a layer's bars follow its rotation, start where the layer starts and end at the window", () => {
    const finals: Shift[] = [{ start: "2026-01-05T00:00:00Z", end: "2026-01-06T00:00:00Z", responder: ann, source: "override", overrideId: "o" }];
    const rows = layoutTimeline(schedule(), finals, from, to, from).rows;
    const weekly = rows.find((r) => r.id === "weekly")!;
    const hour = 100 / (14 * 24);
    expect(weekly.bars.map((b) => b.name)).toEqual(["Ann", "Bob"]);
    expect(weekly.bars[0]!.left).toBeCloseTo(9 * hour, 9);
    expect(weekly.bars[0]!.width).toBeCloseTo(168 * hour, 9);
    expect(weekly.bars[1]!.left).toBeCloseTo(177 * hour, 9);
    expect(weekly.bars[1]!.width).toBeCloseTo(159 * hour, 9);
    const nights = rows.find((r) => r.id === "nights")!;
    expect(nights.bars).toHaveLength(1); // one responder: adjacent 12-hour shifts merge into one bar
    expect(nights.bars[0]!.left).toBeCloseTo(((5 * 24 + 20) / (14 * 24)) * 100, 9);
    // One person has one color in every row; different people differ.
    const final = rows.at(-1)!;
    expect(final.bars[0]!.color).toBe(weekly.bars[0]!.color);
    expect(new Set([weekly.bars[0]!.color, weekly.bars[1]!.color, nights.bars[0]!.color]).size).toBe(3);
  });

  test("final shifts are clipped to the window, and the now marker sits in percent (null outside)", () => {
    const finals: Shift[] = [
      { start: "2026-01-01T09:00:00Z", end: "2026-01-06T00:00:00Z", responder: ann, source: "layer", layerId: "weekly" },
      { start: "2026-01-06T00:00:00Z", end: "2026-01-07T00:00:00Z", responder: bob, source: "override", overrideId: "o1" },
      { start: "2026-01-30T00:00:00Z", end: "2026-02-01T00:00:00Z", responder: cy, source: "layer" },
    ];
    const t = layoutTimeline(schedule(), finals, from, to, from + 7 * DAY);
    const final = t.rows.at(-1)!;
    expect(final.bars.map((b) => [b.name, b.left, b.width])).toEqual([
      ["Ann", 0, (1 / 14) * 100],
      ["Bob", (1 / 14) * 100, (1 / 14) * 100],
    ]);
    expect(final.bars[1]!.label).toContain("(override)");
    expect(t.now).toBe(50);
    expect(layoutTimeline(schedule(), finals, from, to, to).now).toBeNull();
  });

  test("day ticks fall on the schedule's midnights, the 23-hour day of a DST change included", () => {
    expect(dayTicks(from, to, "UTC").map((t) => t.left)).toEqual(Array.from({ length: 14 }, (_, i) => (i / 14) * 100));
    const a = Date.parse("2026-03-28T23:00:00Z"); // midnight in Amsterdam, the night before DST starts
    const ticks = dayTicks(a, a + 3 * DAY, "Europe/Amsterdam");
    const hours = ticks.map((t) => Math.round((t.left / 100) * 72));
    expect(hours).toEqual([0, 23, 47, 71]);
  });
});
