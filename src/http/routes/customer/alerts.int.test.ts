import { afterAll, beforeAll, expect, test } from "bun:test";
import { asWorker, type Sql } from "../../../platform/db";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

const BASE = "/api/v1/customer/alerts";
const ADMIN = "tenant-admin@acme.test";

interface NewAlert {
  tenant?: string;
  severity?: number;
  summary?: string;
  status?: "OPEN" | "ACKNOWLEDGED" | "CLOSED";
  openedAt?: string;
  closedAt?: string | null;
  nextEscalationAt?: string | null;
}

let fingerprints = 0;
async function addAlert(sql: Sql, a: NewAlert = {}): Promise<number> {
  const openedAt = a.openedAt ?? "2025-03-01T10:00:00.000Z";
  const closedAt = a.closedAt ?? (a.status === "CLOSED" ? "2025-03-01T11:00:00.000Z" : null);
  const [row] = await asWorker(sql, (tx) => tx<{ alertId: string }[]>`
    insert into alerts (tenant_id, device_id, site_id, alert_type, fingerprint, status, severity, summary, opened_at, last_triggered_at, closed_at, escalation_level, next_escalation_at)
    values (${a.tenant ?? "acme"}, 'probe-1', 'site-1', 'THRESHOLD', ${`TEST:${++fingerprints}`}, ${a.status ?? "OPEN"}, ${a.severity ?? 3}, ${a.summary ?? "probe-1: temp_c 91 > 80"},
            ${openedAt}, ${openedAt}, ${closedAt}, ${a.nextEscalationAt ? 1 : 0}, ${a.nextEscalationAt ?? null})
    returning alert_id`);
  return Number(row!.alertId);
}

/** The API's view of an alert added with addAlert's defaults. */
const expected = (alertId: number, over: Record<string, unknown> = {}) => ({
  alertId,
  deviceId: "probe-1",
  siteId: "site-1",
  ruleId: null,
  alertType: "THRESHOLD",
  fingerprint: expect.stringMatching(/^TEST:/),
  status: "OPEN",
  severity: 3,
  severityName: "medium",
  summary: "probe-1: temp_c 91 > 80",
  details: {},
  triggerCount: 1,
  openedAt: "2025-03-01T10:00:00.000Z",
  lastTriggeredAt: "2025-03-01T10:00:00.000Z",
  acknowledgedAt: null,
  acknowledgedBy: null,
  closedAt: null,
  closedBy: null,
  closeReason: null,
  silencedUntil: null,
  silenced: false,
  escalationLevel: 0,
  nextEscalationAt: null,
  ...over,
});

describePg("alerts API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex", "umbrella"] });
    ({ admin, viewer } = await h.tokens("acme"));
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const post = (path: string, body?: unknown, token = admin) => h.call("POST", `${BASE}/${path}`, { token, body });

  test("list filters by status, severity, time and text, newest first; an alert comes with its history", async () => {
    const older = await addAlert(h.db.sql, { severity: 5, summary: "probe-1: pressure low", openedAt: "2025-02-01T08:00:00.000Z" });
    const acked = await addAlert(h.db.sql, { status: "ACKNOWLEDGED", severity: 2, openedAt: "2025-02-02T08:00:00.000Z" });
    const list = await h.call("GET", `${BASE}?status=OPEN,ACKNOWLEDGED&to=2025-02-28T00:00:00Z`, { token: viewer });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      items: [
        expected(acked, { status: "ACKNOWLEDGED", severity: 2, severityName: "low", openedAt: "2025-02-02T08:00:00.000Z", lastTriggeredAt: "2025-02-02T08:00:00.000Z" }),
        expected(older, { severity: 5, severityName: "critical", summary: "probe-1: pressure low", openedAt: "2025-02-01T08:00:00.000Z", lastTriggeredAt: "2025-02-01T08:00:00.000Z" }),
      ],
      total: 2,
      limit: 100,
      offset: 0,
    });
    const critical = await h.call("GET", `${BASE}?minSeverity=5&search=PRESSURE&deviceId=probe-1&siteId=site-1`, { token: viewer });
    expect(critical.body.items.map((a: { alertId: number }) => a.alertId)).toEqual([older]);
    const seeded = await h.call("GET", `${BASE}?from=2026-01-01T00:00:00Z&type=THRESHOLD`, { token: viewer });
    expect(seeded.body.items).toEqual([expect.objectContaining({ fingerprint: expect.stringMatching(/^RULE:/), status: "OPEN", severityName: "high", summary: "gw-1: temp_c above 80" })]);

    const one = await h.call("GET", `${BASE}/${seeded.body.items[0].alertId}`, { token: viewer });
    expect(one.body.events).toEqual([{ eventId: expect.any(Number), transition: "OPEN", level: 0, actor: "evaluator", details: {}, at: expect.any(String) }]);

    const bad = await h.call("GET", `${BASE}?status=OPEN,GONE&minSeverity=9`, { token: viewer });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(["query.status.1", "query.minSeverity"]));
  });

  test("acknowledging stops escalation and writes an ACKNOWLEDGED event with its NOTIFY outbox row", async () => {
    const id = await addAlert(h.db.sql, { nextEscalationAt: "2030-01-01T00:00:00.000Z" });
    const r = await post(`${id}/acknowledge`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      ...expected(id, { status: "ACKNOWLEDGED", acknowledgedAt: expect.any(String), acknowledgedBy: ADMIN, escalationLevel: 1 }),
      events: [{ eventId: expect.any(Number), transition: "ACKNOWLEDGED", level: 1, actor: ADMIN, details: {}, at: expect.any(String) }],
    });
    const eventId = r.body.events[0].eventId;
    const outbox = await h.db.sql`select tenant_id, stream, msg_id, payload from bus_outbox where msg_id = ${`alert-event-${eventId}`}`;
    expect([...outbox]).toEqual([{ tenantId: "acme", stream: "NOTIFY", msgId: `alert-event-${eventId}`, payload: { v: 1, tenant: "acme", alertId: id, eventId, transition: "ACKNOWLEDGED", level: 1 } }]);
    const audit = await h.db.sql`select action, actor_id from audit_log where entity_type = 'alert' and entity_id = ${String(id)}`;
    expect(audit.map((a) => a.action)).toEqual(["alert.acknowledged"]);

    const again = await post(`${id}/acknowledge`);
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe(`alert ${id} is ACKNOWLEDGED; only OPEN alerts can be acknowledged`);
  });

  test("close from OPEN or ACKNOWLEDGED with a reason; a closed alert cannot be acknowledged, closed or silenced", async () => {
    const id = await addAlert(h.db.sql, { nextEscalationAt: "2030-01-01T00:00:00.000Z" });
    const r = await post(`${id}/close`, { reason: "sensor replaced" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "CLOSED", closedBy: ADMIN, closeReason: "sensor replaced", nextEscalationAt: null });
    expect(r.body.events).toEqual([expect.objectContaining({ transition: "CLOSED", details: { reason: "sensor replaced" } })]);

    const noReason = await addAlert(h.db.sql, { status: "ACKNOWLEDGED" });
    expect((await post(`${noReason}/close`)).body).toMatchObject({ status: "CLOSED", closeReason: null });

    for (const verb of ["acknowledge", "close"]) {
      const refused = await post(`${id}/${verb}`);
      expect(refused.status).toBe(409);
      expect(refused.headers.get("content-type")).toBe("application/problem+json");
    }
    expect((await post(`${id}/silence`, { minutes: 5 })).status).toBe(409);
  });

  test("silence for 1-1440 minutes and lift it, each with its event and no notification", async () => {
    const id = await addAlert(h.db.sql);
    const before = Date.now();
    const r = await post(`${id}/silence`, { minutes: 30 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "OPEN", silenced: true });
    const until = new Date(r.body.silencedUntil).getTime();
    expect(until - before).toBeGreaterThanOrEqual(30 * 60_000 - 5_000);
    expect(until - before).toBeLessThanOrEqual(30 * 60_000 + 5_000);
    expect(r.body.events).toEqual([expect.objectContaining({ transition: "SILENCED", details: { minutes: 30, until: r.body.silencedUntil } })]);

    const lifted = await h.call("DELETE", `${BASE}/${id}/silence`, { token: admin });
    expect(lifted.body).toMatchObject({ silenced: false, silencedUntil: null });
    expect(lifted.body.events.map((e: { transition: string }) => e.transition)).toEqual(["SILENCED", "UNSILENCED"]);
    expect((await h.call("DELETE", `${BASE}/${id}/silence`, { token: admin })).status).toBe(409);
    const eventIds = lifted.body.events.map((e: { eventId: number }) => `alert-event-${e.eventId}`);
    expect((await h.db.sql`select 1 from bus_outbox where msg_id = any(${eventIds})`).length).toBe(0);

    for (const minutes of [0, 1441, 1.5]) {
      const bad = await post(`${id}/silence`, { minutes });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].path).toBe("body.minutes");
    }
  });

  test("a viewer reads but cannot act; another tenant's alert does not exist", async () => {
    const id = await addAlert(h.db.sql);
    const theirs = await addAlert(h.db.sql, { tenant: "globex" });
    expect((await h.call("GET", `${BASE}/${id}`, { token: viewer })).status).toBe(200);
    for (const verb of ["acknowledge", "close", "silence"]) expect((await post(`${id}/${verb}`, { minutes: 5 }, viewer)).status).toBe(403);

    const missing = await h.call("GET", `${BASE}/${theirs}`, { token: viewer });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe(`alert ${theirs} not found`);
    expect((await post(`${theirs}/acknowledge`)).status).toBe(404);
    expect((await h.call("GET", `${BASE}?limit=1000`, { token: viewer })).body.items.some((a: { alertId: number }) => a.alertId === theirs)).toBe(false);
    const [row] = await h.db.sql`select status from alerts where alert_id = ${theirs}`;
    expect(row!.status).toBe("OPEN");
    expect((await h.call("GET", `${BASE}/not-a-number`, { token: viewer })).status).toBe(400);
  });

  test("trend: opened by severity and closed, per day or per hour", async () => {
    const umbrella = await h.tokens("umbrella");
    await addAlert(h.db.sql, { tenant: "umbrella", severity: 5, openedAt: "2025-01-01T05:00:00.000Z" });
    await addAlert(h.db.sql, { tenant: "umbrella", severity: 2, openedAt: "2025-01-01T07:30:00.000Z", status: "CLOSED", closedAt: "2025-01-03T12:00:00.000Z" });
    await addAlert(h.db.sql, { tenant: "umbrella", severity: 2, openedAt: "2025-01-03T10:00:00.000Z" });
    const zero = { info: 0, low: 0, medium: 0, high: 0, critical: 0 };

    const days = await h.call("GET", `${BASE}/trend?from=2025-01-01T00:00:00Z&to=2025-01-04T00:00:00Z`, { token: umbrella.viewer });
    expect(days.status).toBe(200);
    expect(days.body).toEqual({
      from: "2025-01-01T00:00:00.000Z",
      to: "2025-01-04T00:00:00.000Z",
      bucket: "day",
      buckets: [
        { start: "2025-01-01T00:00:00.000Z", opened: { ...zero, low: 1, critical: 1 }, openedTotal: 2, closed: 0 },
        { start: "2025-01-02T00:00:00.000Z", opened: zero, openedTotal: 0, closed: 0 },
        { start: "2025-01-03T00:00:00.000Z", opened: { ...zero, low: 1 }, openedTotal: 1, closed: 1 },
      ],
    });

    const hours = await h.call("GET", `${BASE}/trend?bucket=hour&from=2025-01-01T04:30:00Z&to=2025-01-01T08:00:00Z`, { token: umbrella.viewer });
    expect(hours.body.buckets.map((b: { start: string; openedTotal: number }) => [b.start.slice(11, 13), b.openedTotal])).toEqual([["04", 0], ["05", 1], ["06", 0], ["07", 1]]);

    const week = await h.call("GET", `${BASE}/trend`, { token: umbrella.viewer });
    expect(week.body.buckets.length).toBe(8);
    expect(week.body.buckets.at(-1).opened.high).toBe(1); // the seeded alert, opened today

    const backwards = await h.call("GET", `${BASE}/trend?from=2025-01-04T00:00:00Z&to=2025-01-01T00:00:00Z`, { token: umbrella.viewer });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors).toEqual([{ path: "query.from", message: "from must be before to" }]);
    const tooMany = await h.call("GET", `${BASE}/trend?bucket=hour&from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z`, { token: umbrella.viewer });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.detail).toContain("at most 744 hours");
  });

  test("summary counts live alerts by status and severity", async () => {
    const umbrella = await h.tokens("umbrella");
    const silenced = await addAlert(h.db.sql, { tenant: "umbrella", severity: 1, status: "ACKNOWLEDGED" });
    await asWorker(h.db.sql, (tx) => tx`update alerts set silenced_until = now() + interval '1 hour' where alert_id = ${silenced}`);
    const r = await h.call("GET", `${BASE}/summary`, { token: umbrella.viewer });
    expect(r.body).toEqual({
      total: 4,
      silenced: 1,
      byStatus: { OPEN: 3, ACKNOWLEDGED: 1 },
      bySeverity: { info: 1, low: 1, medium: 0, high: 1, critical: 1 },
    });
  });
});
