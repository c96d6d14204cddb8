import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

const BASE = "/api/v1/customer/notification-deliveries";

describePg("delivery log API", () => {
  let h: ApiHarness;
  let viewer: string;
  let alertId: number;
  let eventId: number;
  let channelId: string;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    ({ viewer } = await h.tokens("acme"));
    const [seeded] = await h.db.sql`select alert_id::int, event_id::int, channel_id from notification_deliveries where tenant_id = 'acme'`;
    ({ alertId, eventId, channelId } = seeded as { alertId: number; eventId: number; channelId: string });
    await h.db.sql`update notification_deliveries set created_at = '2026-01-05T08:00:00Z' where tenant_id = 'acme'`;
    const add = async (key: string, o: { status: string; at: string; channel?: string | null; level?: number }) => {
      const [row] = await h.db.sql`
        insert into notification_deliveries (tenant_id, idempotency_key, alert_id, event_id, channel_id, channel_type, transition, level, recipients,
                                             status, attempts, last_error, response_status, created_at, sent_at)
        values ('acme', ${key}, ${alertId}, ${eventId}, ${o.channel === undefined ? channelId : o.channel}, 'email', 'ESCALATED', ${o.level ?? 1},
                ${["ann@example.com"]}, ${o.status}, 2, ${o.status === "SENT" ? null : "HTTP 503"}, ${o.status === "SENT" ? 202 : 503},
                ${o.at}, ${o.status === "SENT" ? o.at : null})
        returning delivery_id::int`;
      ids[key] = row!.deliveryId;
    };
    await add("sent", { status: "SENT", at: "2026-01-05T09:00:00Z" });
    await add("dead", { status: "DEAD", at: "2026-01-05T10:00:00Z", channel: null, level: 2 });
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("newest first, with the channel's name while it exists", async () => {
    const r = await h.call("GET", BASE, { token: viewer });
    expect(r.body.total).toBe(3);
    expect(r.body.items[0]).toEqual({
      deliveryId: ids.dead, alertId, channelId: null, channelName: null, channelType: "email", transition: "ESCALATED", level: 2, recipients: ["ann@example.com"],
      status: "DEAD", attempts: 2, lastError: "HTTP 503", responseStatus: 503, createdAt: "2026-01-05T10:00:00.000Z", sentAt: null,
    });
    expect(r.body.items[1]).toEqual({
      deliveryId: ids.sent, alertId, channelId, channelName: "Ops hook", channelType: "email", transition: "ESCALATED", level: 1, recipients: ["ann@example.com"],
      status: "SENT", attempts: 2, lastError: null, responseStatus: 202, createdAt: "2026-01-05T09:00:00.000Z", sentAt: "2026-01-05T09:00:00.000Z",
    });
    expect(r.body.items[2]).toMatchObject({ channelType: "webhook", transition: "OPEN", status: "PENDING", level: 0, recipients: [] });
    expect(r.text).not.toContain("globex");
  });

  test("filters by alert, channel, status and time", async () => {
    const only = async (q: string) => (await h.call("GET", `${BASE}?${q}`, { token: viewer })).body.items.map((d: { deliveryId: number }) => d.deliveryId);
    expect(await only("status=SENT,DEAD")).toEqual([ids.dead, ids.sent]);
    expect(await only(`channelId=${channelId}&status=SENT`)).toEqual([ids.sent]);
    expect(await only("from=2026-01-05T09:00:00Z&to=2026-01-05T10:00:00Z")).toEqual([ids.sent]);
    expect(await only(`alertId=${alertId}&limit=1&offset=1`)).toEqual([ids.sent]);
    expect(await only(`alertId=${alertId + 1000}`)).toEqual([]);
    const bad = await h.call("GET", `${BASE}?status=LOST`, { token: viewer });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("query.status.0");
    expect((await h.call("GET", `${BASE}?from=2026-01-06T00:00:00Z&to=2026-01-05T00:00:00Z`, { token: viewer })).body.errors[0].path).toBe("query.from");
  });
});
