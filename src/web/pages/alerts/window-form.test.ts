import { describe, expect, test } from "bun:test";
import { fromWindow, isoToLocal, localToIso, newWindow, toWindowBody, WindowForm, windowState, windowText, windowZone } from "./window-form";
import type { MaintenanceWindow } from "./types";

// bunfig's preload fixes the process time zone, so local times are stable here.
const fmt = (iso: string) => iso.slice(0, 16).replace("T", " ");

const stored: MaintenanceWindow = {
  windowId: "w1", name: "Weekly service", enabled: true, startsAt: "2026-01-01T00:00:00.000Z", endsAt: null,
  recurrence: { days: [6, 0], start: "22:00", end: "02:00", timezone: "Europe/Amsterdam" }, scope: { siteIds: ["s1"] },
  activeNow: false, createdAt: "", updatedAt: "",
};

describe("window drafts", () => {
  test("local date-times round-trip to instants", () => {
    const iso = "2026-03-02T10:15:00.000Z";
    expect(localToIso(isoToLocal(iso))).toBe(iso);
    expect(isoToLocal(null)).toBe("");
    expect(localToIso("")).toBe("");
    expect(localToIso("not a time")).toBe("not a time");
  });

  test("a recurring window: days sorted, its zone kept; a stored one round-trips", () => {
    const body = toWindowBody(fromWindow(stored));
    expect(body).toEqual({ name: "Weekly service", enabled: true, startsAt: stored.startsAt, endsAt: null, recurrence: { days: [0, 6], start: "22:00", end: "02:00", timezone: "Europe/Amsterdam" }, scope: { siteIds: ["s1"] } });
    expect(WindowForm.safeParse(body).success).toBe(true);
  });

  test("a new window starts on the next hour for two hours, one-off, every device", () => {
    const d = newWindow(Date.parse("2026-03-02T10:20:00Z"));
    const body = toWindowBody({ ...d, name: "Swap compressor" });
    expect(body).toMatchObject({ startsAt: "2026-03-02T11:00:00.000Z", endsAt: "2026-03-02T13:00:00.000Z", recurrence: null, scope: {} });
    expect(WindowForm.safeParse(body).success).toBe(true);
  });

  test("bad input is named per field, as the API names it", () => {
    const d = { ...newWindow(Date.parse("2026-03-02T10:20:00Z")), name: "", recurring: true, days: [], start: "25:00", timezone: "Mars/Base" };
    const r = WindowForm.safeParse(toWindowBody(d));
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join(".")).sort()).toEqual(["name", "recurrence.days", "recurrence.start", "recurrence.timezone"]);
    const backwards = WindowForm.safeParse(toWindowBody({ ...d, name: "x", recurring: false, endsAt: isoToLocal("2026-03-01T00:00:00Z") }));
    expect(backwards.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([["endsAt", "endsAt must be after startsAt"]]);
    expect(WindowForm.safeParse(toWindowBody({ ...d, name: "x", recurring: false, startsAt: "" })).error!.issues.map((i) => i.path.join("."))).toEqual(["startsAt"]);
  });
});

describe("how windows read", () => {
  test("one-off and recurring", () => {
    expect(windowText({ startsAt: "2026-03-02T10:00:00Z", endsAt: "2026-03-02T12:00:00Z", recurrence: null }, fmt)).toBe("2026-03-02 10:00 → 2026-03-02 12:00");
    expect(windowText({ startsAt: "2026-03-02T10:00:00Z", endsAt: null, recurrence: null }, fmt)).toBe("from 2026-03-02 10:00, open-ended");
    expect(windowText(stored, fmt)).toBe("Sun, Sat 22:00–02:00 (next day) · from 2026-01-01 00:00");
    expect(windowText({ ...stored, endsAt: "2026-06-01T00:00:00Z", recurrence: { ...stored.recurrence!, days: [0, 1, 2, 3, 4, 5, 6], start: "01:00", end: "03:00" } }, fmt)).toBe(
      "Every day 01:00–03:00 · 2026-01-01 00:00 until 2026-06-01 00:00",
    );
  });

  test("time zone: the recurrence's own, or the viewer's for a one-off span", () => {
    expect(windowZone(stored, "UTC")).toBe("Europe/Amsterdam");
    expect(windowZone({ recurrence: null }, "UTC")).toBe("UTC (yours)");
  });

  test("state: disabled, active, upcoming, ended, scheduled", () => {
    const now = Date.parse("2026-03-02T12:00:00Z");
    const w = { enabled: true, activeNow: false, startsAt: "2026-03-01T00:00:00Z", endsAt: null };
    expect(windowState({ ...w, enabled: false, activeNow: true }, now)).toBe("disabled");
    expect(windowState({ ...w, activeNow: true }, now)).toBe("active");
    expect(windowState({ ...w, startsAt: "2026-03-03T00:00:00Z" }, now)).toBe("upcoming");
    expect(windowState({ ...w, endsAt: "2026-03-02T00:00:00Z" }, now)).toBe("ended");
    expect(windowState(w, now)).toBe("scheduled");
  });
});
