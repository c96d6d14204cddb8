import { describe, expect, test } from "bun:test";
import { addDays, dayIn, dayStart, isoToLocalInput, localInputToIso } from "./zone";

describe("schedule time zones", () => {
  test("a datetime-local value is read in the schedule's zone, not the browser's", () => {
    expect(localInputToIso("2026-01-05T09:00", "Europe/Amsterdam")).toBe("2026-01-05T08:00:00.000Z");
    expect(localInputToIso("2026-07-05T09:00", "Europe/Amsterdam")).toBe("2026-07-05T07:00:00.000Z");
    expect(localInputToIso("2026-01-05T09:00", "America/New_York")).toBe("2026-01-05T14:00:00.000Z");
    expect(localInputToIso("2026-01-05T09:00", "UTC")).toBe("2026-01-05T09:00:00.000Z");
  });

  test("malformed or empty input gives an empty value (the API then names the field)", () => {
    expect(localInputToIso("", "UTC")).toBe("");
    expect(localInputToIso("5 Jan 2026", "UTC")).toBe("");
  });

  test("a time inside the spring-forward gap moves forward; round trips elsewhere are exact", () => {
    expect(localInputToIso("2026-03-29T02:30", "Europe/Amsterdam")).toBe("2026-03-29T01:30:00.000Z");
    expect(isoToLocalInput("2026-03-29T01:30:00.000Z", "Europe/Amsterdam")).toBe("2026-03-29T03:30");
    expect(isoToLocalInput(localInputToIso("2026-10-25T12:15", "Europe/Amsterdam"), "Europe/Amsterdam")).toBe("2026-10-25T12:15");
  });

  test("days: today in the zone, its midnight, calendar arithmetic across months", () => {
    expect(dayIn(Date.parse("2026-01-05T23:30:00Z"), "Europe/Amsterdam")).toBe("2026-01-06");
    expect(dayIn(Date.parse("2026-01-05T23:30:00Z"), "UTC")).toBe("2026-01-05");
    expect(new Date(dayStart("2026-01-06", "Europe/Amsterdam")).toISOString()).toBe("2026-01-05T23:00:00.000Z");
    expect(dayStart("nope", "UTC")).toBeNaN();
    expect(addDays("2026-01-30", 3)).toBe("2026-02-02");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });
});
