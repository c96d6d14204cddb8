import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

const BASE = "/api/v1/customer/dead-letters";
const ADMIN_EMAIL = "tenant-admin@acme.test";

describePg("dead letters API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;
  let delivery: { deliveryId: number; alertId: number; eventId: number };
  /** The seeded message route: route dead letters belong to it. */
  let route: string;

  const routeJob = (routeId: string) => ({
    v: 1, tenant: "acme", routeId, device: "gw-1", topic: "tenant/acme/device/gw-1/telemetry", msgType: "telemetry",
    msgId: crypto.randomUUID(), receivedAt: 1_767_600_000_000, time: 1_767_600_000_000, metrics: { temp_c: 91 },
  });

  async function deadLetter(o: { source: "route" | "notification"; payload: Uint8Array; deliveryId?: number; status?: string }): Promise<string> {
    const resolved = o.status && o.status !== "FAILED";
    const [row] = await h.db.sql`
      insert into dead_letter_messages (tenant_id, source, source_id, original_topic, payload, destination_type, destination, error_message, attempts, delivery_id,
                                        status, resolved_at, resolved_by)
      values ('acme', ${o.source}, ${o.source === "route" ? route : crypto.randomUUID()}, 'tenant/acme/device/gw-1/telemetry', ${o.payload}, 'webhook', 'https://in.example.com/x', 'HTTP 503', 5,
              ${o.deliveryId ?? null}, ${o.status ?? "FAILED"}, ${resolved ? new Date() : null}, ${resolved ? "someone" : null})
      returning dead_letter_id`;
    return row!.deadLetterId;
  }
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const outbox = async (msgPrefix: string) => [...(await h.db.sql`select tenant_id, stream, msg_id, payload from bus_outbox where msg_id like ${`${msgPrefix}%`}`)];

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    ({ admin, viewer } = await h.tokens("acme"));
    [{ routeId: route }] = (await h.db.sql`select route_id from message_routes where tenant_id = 'acme'`) as unknown as [{ routeId: string }];
  });
  beforeEach(async () => {
    await h.db.sql`delete from dead_letter_messages where tenant_id = 'acme'`;
    const [d] = await h.db.sql`
      update notification_deliveries set status = 'DEAD', attempts = 6, last_error = 'HTTP 500' where tenant_id = 'acme'
      returning delivery_id::int, alert_id::int, event_id::int`;
    delivery = d as typeof delivery;
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("list and read, with payloads as JSON or base64", async () => {
    const job = routeJob(route);
    const routeId = await deadLetter({ source: "route", payload: json(job) });
    const binId = await deadLetter({ source: "notification", payload: new Uint8Array([0xff, 0x00, 0x7f]), deliveryId: delivery.deliveryId, status: "DISCARDED" });

    const one = await h.call("GET", `${BASE}/${routeId}`, { token: viewer });
    expect(one.body).toEqual({
      deadLetterId: routeId, source: "route", sourceId: expect.any(String), deliveryId: null, originalTopic: "tenant/acme/device/gw-1/telemetry",
      payload: job, payloadEncoding: "json", destinationType: "webhook", destination: "https://in.example.com/x", errorMessage: "HTTP 503",
      attempts: 5, status: "FAILED", firstFailedAt: expect.any(String), lastFailedAt: expect.any(String), resolvedAt: null, resolvedBy: null,
    });
    const bin = await h.call("GET", `${BASE}/${binId}`, { token: viewer });
    expect(bin.body).toMatchObject({ payload: "/wB/", payloadEncoding: "base64", deliveryId: delivery.deliveryId, status: "DISCARDED", resolvedBy: "someone" });

    const all = await h.call("GET", BASE, { token: viewer });
    expect(all.body).toMatchObject({ total: 2, limit: 100, offset: 0 });
    const failed = await h.call("GET", `${BASE}?status=FAILED&source=route`, { token: viewer });
    expect(failed.body.items.map((d: { deadLetterId: string }) => d.deadLetterId)).toEqual([routeId]);
    expect((await h.call("GET", `${BASE}?source=notification`, { token: viewer })).body.total).toBe(1);
    expect((await h.call("GET", `${BASE}?status=LOST`, { token: viewer })).body.errors[0].path).toBe("query.status");
  });

  test("replaying a route message queues it on ROUTES once; a second replay is a conflict", async () => {
    const job = routeJob(route);
    const id = await deadLetter({ source: "route", payload: json(job) });
    const r = await h.call("POST", `${BASE}/${id}/replay`, { token: admin });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ deadLetterId: id, status: "REPLAYED", resolvedBy: ADMIN_EMAIL, resolvedAt: expect.any(String) });
    const rows = await outbox(`replay-${id}-`);
    expect(rows).toEqual([{ tenantId: "acme", stream: "ROUTES", msgId: expect.stringMatching(new RegExp(`^replay-${id}-\\d{13}$`)), payload: job }]);

    const again = await h.call("POST", `${BASE}/${id}/replay`, { token: admin });
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe(`dead letter ${id} is REPLAYED; only FAILED ones can be replayed`);
    expect(await outbox(`replay-${id}-`)).toHaveLength(1);
    const audit = await h.db.sql`select action from audit_log where entity_id = ${id}`;
    expect(audit.map((a) => a.action)).toEqual(["dead_letter.replayed"]);
  });

  test("replaying a notification resets its delivery and queues its NOTIFY job naming it", async () => {
    const id = await deadLetter({ source: "notification", payload: json({ deliveryId: delivery.deliveryId }), deliveryId: delivery.deliveryId });
    const r = await h.call("POST", `${BASE}/${id}/replay`, { token: admin });
    expect(r.body).toMatchObject({ status: "REPLAYED", resolvedBy: ADMIN_EMAIL });
    const [d] = await h.db.sql`select status, attempts, last_error from notification_deliveries where delivery_id = ${delivery.deliveryId}`;
    expect(d).toEqual({ status: "PENDING", attempts: 0, lastError: null });
    const rows = await outbox(`replay-${delivery.deliveryId}-`);
    expect(rows).toEqual([
      {
        tenantId: "acme",
        stream: "NOTIFY",
        msgId: expect.stringMatching(/^replay-\d+-\d{13}$/),
        payload: { v: 1, tenant: "acme", alertId: delivery.alertId, eventId: delivery.eventId, transition: "OPEN", level: 0, replayDeliveryId: delivery.deliveryId },
      },
    ]);
  });

  test("a dead letter whose message cannot be replayed stays FAILED", async () => {
    const notJob = await deadLetter({ source: "route", payload: json({}) });
    const r = await h.call("POST", `${BASE}/${notJob}/replay`, { token: admin });
    expect(r.status).toBe(409);
    expect(r.body.detail).toBe(`dead letter ${notJob} cannot be replayed: its payload is not a route job of this route`);
    const orphan = await deadLetter({ source: "notification", payload: json({}) });
    expect((await h.call("POST", `${BASE}/${orphan}/replay`, { token: admin })).body.detail).toContain("its delivery, alert event or channel no longer exists");
    const rows = await h.db.sql`select status from dead_letter_messages where dead_letter_id in (${notJob}, ${orphan})`;
    expect(rows.map((x) => x.status)).toEqual(["FAILED", "FAILED"]);
  });

  test("discard closes a FAILED dead letter; it cannot be replayed afterwards", async () => {
    const id = await deadLetter({ source: "route", payload: json(routeJob(route)) });
    const r = await h.call("POST", `${BASE}/${id}/discard`, { token: admin });
    expect(r.body).toMatchObject({ status: "DISCARDED", resolvedBy: ADMIN_EMAIL });
    expect((await h.call("POST", `${BASE}/${id}/discard`, { token: admin })).status).toBe(409);
    expect((await h.call("POST", `${BASE}/${id}/replay`, { token: admin })).status).toBe(409);
    expect(await outbox(`replay-${id}-`)).toHaveLength(0);
  });

  test("bulk replay sends the FAILED ones and reports the rest", async () => {
    const a = await deadLetter({ source: "route", payload: json(routeJob(route)) });
    const b = await deadLetter({ source: "route", payload: json(routeJob(route)) });
    const done = await deadLetter({ source: "route", payload: json(routeJob(route)), status: "DISCARDED" });
    const bad = await deadLetter({ source: "route", payload: new Uint8Array([1, 2, 3]) });
    const [theirs] = await h.db.sql`select dead_letter_id from dead_letter_messages where tenant_id = 'globex'`;
    const unknown = theirs!.deadLetterId;
    const r = await h.call("POST", `${BASE}/replay`, { token: admin, body: { ids: [a, done, unknown, bad, b, a] } });
    expect(r.body).toEqual({
      replayed: [a, b],
      skipped: [
        { deadLetterId: done, reason: "already DISCARDED" },
        { deadLetterId: unknown, reason: "not found" },
        { deadLetterId: bad, reason: `dead letter ${bad} cannot be replayed: its payload is not a route job of this route` },
      ],
    });
    expect(await outbox(`replay-${a}-`)).toHaveLength(1);
    expect(await outbox(`replay-${b}-`)).toHaveLength(1);
    const [globex] = await h.db.sql`select status from dead_letter_messages where dead_letter_id = ${unknown}`;
    expect(globex!.status).toBe("FAILED");
    const tooMany = await h.call("POST", `${BASE}/replay`, { token: admin, body: { ids: Array.from({ length: 101 }, () => crypto.randomUUID()) } });
    expect(tooMany.body.errors[0].path).toBe("body.ids");
  });

  test("purge removes old FAILED and old resolved rows only", async () => {
    const oldFailed = await deadLetter({ source: "route", payload: json({}) });
    const oldResolved = await deadLetter({ source: "route", payload: json({}), status: "REPLAYED" });
    const recentFailed = await deadLetter({ source: "route", payload: json({}) });
    const recentResolved = await deadLetter({ source: "route", payload: json({}), status: "DISCARDED" });
    const failedLongAgoResolvedRecently = await deadLetter({ source: "route", payload: json({}), status: "DISCARDED" });
    await h.db.sql`update dead_letter_messages set first_failed_at = now() - interval '40 days', last_failed_at = now() - interval '40 days'
                   where dead_letter_id in (${oldFailed}, ${oldResolved}, ${failedLongAgoResolvedRecently})`;
    await h.db.sql`update dead_letter_messages set resolved_at = now() - interval '31 days' where dead_letter_id = ${oldResolved}`;

    const r = await h.call("DELETE", `${BASE}?olderThanDays=30`, { token: admin });
    expect(r.body).toEqual({ purged: 2 });
    const left = await h.db.sql`select dead_letter_id from dead_letter_messages where tenant_id = 'acme' order by dead_letter_id`;
    expect(left.map((x) => x.deadLetterId).sort()).toEqual([recentFailed, recentResolved, failedLongAgoResolvedRecently].sort());
    const [globex] = await h.db.sql`select count(*)::int as n from dead_letter_messages where tenant_id = 'globex'`;
    expect(globex!.n).toBe(1);
    expect((await h.call("DELETE", BASE, { token: admin })).body.errors[0].path).toBe("query.olderThanDays");
  });

  test("viewers cannot act; another tenant's dead letters are not found", async () => {
    const id = await deadLetter({ source: "route", payload: json(routeJob(route)) });
    for (const [method, path] of [["POST", `${BASE}/${id}/replay`], ["POST", `${BASE}/${id}/discard`], ["DELETE", `${BASE}?olderThanDays=0`]] as const) {
      expect((await h.call(method, path, { token: viewer })).status).toBe(403);
    }
    const [theirs] = await h.db.sql`select dead_letter_id from dead_letter_messages where tenant_id = 'globex'`;
    for (const [method, suffix] of [["GET", ""], ["POST", "/replay"], ["POST", "/discard"]] as const) {
      expect((await h.call(method, `${BASE}/${theirs!.deadLetterId}${suffix}`, { token: admin })).status).toBe(404);
    }
    expect((await h.call("GET", BASE, { token: admin })).body.items.map((d: { deadLetterId: string }) => d.deadLetterId)).toEqual([id]);
  });

  test("a replay to a disabled channel or route is a conflict and leaves the dead letter FAILED", async () => {
    const note = await deadLetter({ source: "notification", payload: json({}), deliveryId: delivery.deliveryId });
    const routed = await deadLetter({ source: "route", payload: json(routeJob(route)) });
    await h.db.sql`update notification_channels set enabled = false where tenant_id = 'acme'`;
    await h.db.sql`update message_routes set enabled = false where tenant_id = 'acme'`;
    try {
      for (const [id, why] of [[note, "the channel is disabled"], [routed, "its message route was deleted or disabled"]] as const) {
        const r = await h.call("POST", `${BASE}/${id}/replay`, { token: admin });
        expect(r.status).toBe(409);
        expect(r.body.detail).toContain(why);
        expect((await h.call("GET", `${BASE}/${id}`, { token: admin })).body.status).toBe("FAILED");
      }
    } finally {
      await h.db.sql`update notification_channels set enabled = true where tenant_id = 'acme'`;
      await h.db.sql`update message_routes set enabled = true where tenant_id = 'acme'`;
    }
  });
});
