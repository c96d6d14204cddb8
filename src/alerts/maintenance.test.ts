import { describe, expect, test } from "bun:test";
import { activeWindow, type MaintenanceWindow, Recurrence, windowActive } from "./maintenance";
import type { ScopeDevice } from "./rules";

const at = (iso: string) => Date.parse(iso);
const window = (o: Partial<MaintenanceWindow> = {}): MaintenanceWindow => ({
  windowId: "w-1",
  name: "maintenance",
  enabled: true,
  startsAt: new Date("2026-01-01T00:00:00Z"),
  endsAt: null,
  recurrence: null,
  scope: {},
  ...o,
});
const weekly = (days: number[], start: string, end: string, timezone = "Europe/Amsterdam") => window({ recurrence: { days, start, end, timezone } });
/** Every minute in [from, to) at which the window is on, as ISO strings: shows whole intervals. */
function onMinutes(w: MaintenanceWindow, from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = at(from); t < at(to); t += 60_000) if (windowActive(w, t)) out.push(new Date(t).toISOString());
  return out;
}
const span = (on: string[]) => [on[0], on[on.length - 1], on.length];

describe("one-off windows", () => {
  const w = window({ startsAt: new Date("2026-05-01T10:00:00Z"), endsAt: new Date("2026-05-01T12:00:00Z") });

  test("start edge inclusive, end edge exclusive", () => {
    expect(["09:59:59.999", "10:00:00.000", "11:59:59.999", "12:00:00.000"].map((x) => windowActive(w, at(`2026-05-01T${x}Z`)))).toEqual([false, true, true, false]);
  });

  test("open-ended from its start; a disabled window is never on", () => {
    const open = window({ startsAt: new Date("2026-05-01T10:00:00Z") });
    expect([windowActive(open, at("2026-05-01T09:59:59.999Z")), windowActive(open, at("2030-01-01T00:00:00Z"))]).toEqual([false, true]);
    expect(windowActive({ ...w, enabled: false }, at("2026-05-01T11:00:00Z"))).toBe(false);
  });
});

describe("recurring windows", () => {
  test("weekday office hours in the window's zone, edges exact", () => {
    const w = weekly([1, 2, 3, 4, 5], "09:00", "17:00");
    // Monday 2026-06-01, CEST (UTC+2): 09:00 local is 07:00Z.
    const times = ["06:59:59.999", "07:00:00.000", "14:59:59.999", "15:00:00.000"].map((x) => windowActive(w, at(`2026-06-01T${x}Z`)));
    expect(times).toEqual([false, true, true, false]);
    expect(windowActive(w, at("2026-06-06T10:00:00Z"))).toBe(false); // Saturday
  });

  test("past midnight: days names the day it starts (Sat 22:00-02:00 covers Sunday 01:00)", () => {
    const w = weekly([6], "22:00", "02:00", "UTC");
    expect(span(onMinutes(w, "2026-06-05T00:00:00Z", "2026-06-09T00:00:00Z"))).toEqual(["2026-06-06T22:00:00.000Z", "2026-06-07T01:59:00.000Z", 240]);
    const edges = ["2026-06-06T21:59:59.999Z", "2026-06-06T22:00:00Z", "2026-06-07T01:00:00Z", "2026-06-07T01:59:59.999Z", "2026-06-07T02:00:00Z"];
    expect(edges.map((x) => windowActive(w, at(x)))).toEqual([false, true, true, true, false]);
    expect(windowActive(w, at("2026-06-07T23:00:00Z"))).toBe(false); // Sunday night is not listed
  });

  test("an end equal to the start runs a full day", () => {
    expect(onMinutes(weekly([3], "06:00", "06:00", "UTC"), "2026-06-01T00:00:00Z", "2026-06-08T00:00:00Z").length).toBe(24 * 60);
  });

  test("only inside the window's span", () => {
    const w = { ...weekly([0, 1, 2, 3, 4, 5, 6], "00:00", "00:00", "UTC"), startsAt: new Date("2026-06-02T00:00:00Z"), endsAt: new Date("2026-06-03T00:00:00Z") };
    expect(span(onMinutes(w, "2026-06-01T00:00:00Z", "2026-06-05T00:00:00Z"))).toEqual(["2026-06-02T00:00:00.000Z", "2026-06-02T23:59:00.000Z", 1440]);
  });

  test("spring forward (Europe/Amsterdam 2026-03-29): the missing hour is skipped", () => {
    // 02:00 CET jumps to 03:00 CEST at 01:00Z, so 01:00-04:00 local lasts two real hours.
    const w = weekly([0], "01:00", "04:00");
    expect(span(onMinutes(w, "2026-03-28T20:00:00Z", "2026-03-29T06:00:00Z"))).toEqual(["2026-03-29T00:00:00.000Z", "2026-03-29T01:59:00.000Z", 120]);
    expect(onMinutes(weekly([0], "02:00", "03:00"), "2026-03-28T20:00:00Z", "2026-03-29T06:00:00Z")).toEqual([]);
    expect([windowActive(w, at("2026-03-29T01:59:59.999Z")), windowActive(w, at("2026-03-29T02:00:00Z"))]).toEqual([true, false]);
  });

  test("fall back (Europe/Amsterdam 2026-10-25): the repeated hour counts twice", () => {
    // 03:00 CEST falls back to 02:00 CET at 01:00Z: 02:00-03:00 local is 00:00Z to 02:00Z.
    const w = weekly([0], "02:00", "03:00");
    expect(span(onMinutes(w, "2026-10-24T20:00:00Z", "2026-10-25T06:00:00Z"))).toEqual(["2026-10-25T00:00:00.000Z", "2026-10-25T01:59:00.000Z", 120]);
    const edges = ["2026-10-24T23:59:59.999Z", "2026-10-25T00:00:00Z", "2026-10-25T01:59:59.999Z", "2026-10-25T02:00:00Z"];
    expect(edges.map((x) => windowActive(w, at(x)))).toEqual([false, true, true, false]);
  });
});

describe("Recurrence schema", () => {
  test("accepts a valid recurrence as is", () => {
    const r = { days: [6, 0], start: "22:00", end: "02:00", timezone: "America/New_York" };
    expect(Recurrence.parse(r)).toEqual(r);
  });

  test("rejects malformed fields with a message saying what is expected", () => {
    const base = { days: [1], start: "09:00", end: "17:00", timezone: "Europe/Amsterdam" };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ start: "24:00" }, "expected a time of day HH:MM, 00:00 to 23:59"],
      [{ end: "9:00" }, "expected a time of day HH:MM, 00:00 to 23:59"],
      [{ timezone: "Mars/Olympus_Mons" }, "expected an IANA time zone such as Europe/Amsterdam"],
      [{ timezone: "+01:00" }, "expected an IANA time zone such as Europe/Amsterdam"],
      [{ days: [] }, "Too small: expected array to have >=1 items"],
      [{ days: [7] }, "Too big: expected number to be <=6"],
      [{ days: [1, 1] }, "a day is listed twice"],
      [{ weekdays: [1] }, 'Unrecognized key: "weekdays"'],
    ];
    for (const [patch, message] of cases) {
      const r = Recurrence.safeParse({ ...base, ...patch });
      expect(r.success ? "accepted" : r.error.issues[0]!.message).toBe(message);
    }
  });
});

test("activeWindow: the first window that is on and covers the device", () => {
  const device: ScopeDevice = { deviceId: "gw-1", siteId: "ams", templateId: null, tags: new Set(["cold"]), groupIds: new Set() };
  const other = window({ windowId: "rtm", scope: { siteIds: ["rtm"] } });
  const later = window({ windowId: "later", startsAt: new Date("2027-01-01T00:00:00Z") });
  const cold = window({ windowId: "cold", scope: { tags: ["cold"] } });
  const all = window({ windowId: "all" });
  const now = at("2026-06-01T12:00:00Z");
  expect(activeWindow([other, later, cold, all], device, now)?.windowId).toBe("cold");
  expect(activeWindow([other, later], device, now)).toBeNull();
  expect(activeWindow([], device, now)).toBeNull();
});
