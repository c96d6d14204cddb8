import { describe, expect, test } from "bun:test";
import { alertsQuery, allowed, bulkOutcome, eventText, INBOX_DEFAULTS, tabOf, trendQuery, trendSeries } from "./inbox-query";

describe("alertsQuery", () => {
  test("the default view is open alerts, first page", () => {
    expect(alertsQuery(INBOX_DEFAULTS)).toEqual({ status: "OPEN", minSeverity: undefined, type: undefined, deviceId: undefined, siteId: undefined, search: undefined, limit: 25, offset: 0 });
  });

  test("every filter in the URL becomes its API parameter", () => {
    const q = alertsQuery({ ...INBOX_DEFAULTS, status: "all", severity: "4", type: "THRESHOLD", device: " demo-1 ", site: "s1", q: " warm ", offset: "50" });
    expect(q).toEqual({ status: undefined, minSeverity: "4", type: "THRESHOLD", deviceId: "demo-1", siteId: "s1", search: "warm", limit: 25, offset: 50 });
  });

  test("an unknown tab or offset falls back to the defaults", () => {
    expect(tabOf("nope")).toBe("open");
    expect(alertsQuery({ ...INBOX_DEFAULTS, status: "closed", offset: "-5" })).toMatchObject({ status: "CLOSED", offset: 0 });
    expect(alertsQuery({ ...INBOX_DEFAULTS, offset: "x" }).offset).toBe(0);
  });
});

describe("trend", () => {
  const NOW = Date.parse("2026-03-02T12:00:00Z");
  test("24 h by hour, 7 and 30 days by day, ending now", () => {
    expect(trendQuery("24h", NOW)).toEqual({ from: "2026-03-01T12:00:00.000Z", to: "2026-03-02T12:00:00.000Z", bucket: "hour" });
    expect(trendQuery("30d", NOW)).toEqual({ from: "2026-01-31T12:00:00.000Z", to: "2026-03-02T12:00:00.000Z", bucket: "day" });
    expect(trendQuery("", NOW).bucket).toBe("day");
  });

  test("series: opened, opened high or worse, closed", () => {
    const sev = (high: number, critical: number) => ({ info: 1, low: 0, medium: 0, high, critical });
    const s = trendSeries({
      from: "", to: "", bucket: "day",
      buckets: [{ start: "2026-03-01T00:00:00.000Z", opened: sev(1, 2), openedTotal: 4, closed: 1 }, { start: "2026-03-02T00:00:00.000Z", opened: sev(0, 0), openedTotal: 1, closed: 3 }],
    });
    expect(s.time).toEqual([Date.parse("2026-03-01T00:00:00Z"), Date.parse("2026-03-02T00:00:00Z")]);
    expect(s.series.map((x) => [x.label, x.values])).toEqual([["opened", [4, 1]], ["opened, high or critical", [3, 0]], ["closed", [1, 3]]]);
  });
});

describe("alert actions and history", () => {
  test("what each state allows", () => {
    expect(allowed({ status: "OPEN", silenced: false })).toEqual({ acknowledge: true, close: true, silence: true, unsilence: false });
    expect(allowed({ status: "ACKNOWLEDGED", silenced: true })).toEqual({ acknowledge: false, close: true, silence: false, unsilence: true });
    expect(allowed({ status: "CLOSED", silenced: true })).toEqual({ acknowledge: false, close: false, silence: false, unsilence: false });
  });

  test("history lines name people, not the platform", () => {
    const e = (transition: string, actor: string, details: Record<string, unknown> = {}, level = 0) => ({ eventId: 1, transition, level, actor, details, at: "" });
    expect(eventText(e("OPEN", "evaluator"))).toBe("Opened");
    expect(eventText(e("SILENCED", "ann@x.test", { minutes: 240 }))).toBe("Silenced for 4 h by ann@x.test");
    expect(eventText(e("SILENCED", "ann@x.test", { minutes: 15 }))).toBe("Silenced for 15 min by ann@x.test");
    expect(eventText(e("CLOSED", "evaluator", { reason: "recovered" }))).toBe("Closed: recovered");
    expect(eventText(e("ESCALATED", "escalation", {}, 2))).toBe("Escalated to level 2");
    expect(eventText(e("UNSILENCED", "bob"))).toBe("Silence lifted by bob");
  });

  test("bulk outcomes count successes and name failures", () => {
    const ok = { status: "fulfilled", value: 1 } as const;
    const bad = (m: string) => ({ status: "rejected", reason: new Error(m) }) as const;
    expect(bulkOutcome("acknowledged", [1, 2], [ok, ok])).toEqual({ text: "2 acknowledged", ok: true });
    expect(bulkOutcome("closed", [1, 2, 3], [ok, bad("alert 2 is CLOSED"), ok])).toEqual({ text: "2 closed, 1 failed (2: alert 2 is CLOSED)", ok: false });
  });
});
