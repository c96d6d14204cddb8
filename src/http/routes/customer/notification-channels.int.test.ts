import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { startReceiver, type Receiver } from "../../../testing/receiver";

const BASE = "/api/v1/customer/notification-channels";
const SECRET = "hmac-secret-0123456789-abcdef";
const TOKEN = "Bearer sk_live_headertoken_42";
const ROUTING_KEY = "R0UT1NGKEY0123456789abcdWXYZ";
const ANY_TIME = expect.any(String);

describePg("notification channels API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;
  let rx: Receiver;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    ({ admin, viewer } = await h.tokens("acme"));
    rx = await startReceiver();
  });
  afterAll(async () => {
    await rx?.close();
    await h?.[Symbol.asyncDispose]();
  });

  const stored = async (id: string) => (await h.db.sql`select config from notification_channels where channel_id = ${id}`)[0]!.config;

  test("create, read, list, change and delete a webhook channel; secrets never come back", async () => {
    const config = { url: "https://hooks.example.com/pulse", headers: { Authorization: TOKEN }, secret: SECRET };
    const created = await h.call("POST", BASE, { token: admin, body: { name: "Primary hook", channelType: "webhook", config } });
    expect(created.status).toBe(201);
    const id = created.body.channelId;
    const masked = { url: "https://hooks.example.com/pulse", method: "POST", headers: { Authorization: "***" }, secret: "***" };
    expect(created.body).toEqual({ channelId: id, name: "Primary hook", channelType: "webhook", config: masked, enabled: true, createdAt: ANY_TIME, updatedAt: ANY_TIME });

    const got = await h.call("GET", `${BASE}/${id}`, { token: viewer });
    expect(got.body).toEqual(created.body);
    const list = await h.call("GET", `${BASE}?channelType=webhook&limit=10`, { token: viewer });
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(["Ops hook", "Primary hook"]);
    expect(list.body).toMatchObject({ total: 2, limit: 10, offset: 0 });

    // The console sends back what it was shown: the masked values keep the stored secrets.
    const patched = await h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { name: "Primary hook 2", config: { ...masked, method: "PUT" } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: "Primary hook 2", config: { ...masked, method: "PUT" } });
    expect(await stored(id)).toEqual({ ...config, method: "PUT" });

    // A header secret goes verbatim to the receiver, so it is not carried over to a new host.
    const moved = await h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { config: { ...masked, url: "https://evil.example.net/x" } } });
    expect(moved.status).toBe(400);
    expect(moved.body.errors).toEqual([{ path: "body.config.headers.Authorization", message: "the URL's host changed, so enter this secret again" }]);
    expect(await stored(id)).toEqual({ ...config, method: "PUT" });

    for (const r of [created, got, list, patched, moved]) {
      expect(r.text).not.toContain(SECRET);
      expect(r.text).not.toContain("sk_live");
    }
    expect((await h.call("DELETE", `${BASE}/${id}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("GET", `${BASE}/${id}`, { token: viewer })).status).toBe(404);
    const audit = await h.db.sql`select action from audit_log where tenant_id = 'acme' and entity_id = ${id} order by audit_id`;
    expect(audit.map((a) => a.action)).toEqual(["notification_channel.created", "notification_channel.updated", "notification_channel.deleted"]);
  });

  test("each type's secrets are masked; a type change needs a fresh config", async () => {
    const pd = await h.call("POST", BASE, { token: admin, body: { name: "PD", channelType: "pagerduty", config: { routingKey: ROUTING_KEY } } });
    expect(pd.body.config).toEqual({ routingKey: "***WXYZ", eventsUrl: "https://events.pagerduty.com/v2/enqueue" });
    expect(pd.text).not.toContain(ROUTING_KEY);

    const noConfig = await h.call("PATCH", `${BASE}/${pd.body.channelId}`, { token: admin, body: { channelType: "slack" } });
    expect(noConfig.status).toBe(400);
    expect(noConfig.body.errors).toEqual([{ path: "body.config", message: "a channel changing to slack needs its slack config" }]);

    const slack = await h.call("PATCH", `${BASE}/${pd.body.channelId}`, { token: admin, body: { channelType: "slack", config: { webhookUrl: "https://hooks.slack.com/services/T0/B0/XYZSECRET" } } });
    expect(slack.body).toMatchObject({ channelType: "slack", config: { webhookUrl: "https://hooks.slack.com/***" } });
    expect(slack.text).not.toContain("XYZSECRET");
  });

  test("bad configs answer 400 naming the field", async () => {
    const badUrl = await h.call("POST", BASE, { token: admin, body: { name: "Bad", channelType: "webhook", config: { url: "ftp://x.example.com" } } });
    expect(badUrl.status).toBe(400);
    expect(badUrl.headers.get("content-type")).toBe("application/problem+json");
    expect(badUrl.body.errors).toEqual([{ path: "body.config.url", message: "expected an http(s) URL" }]);
    expect(badUrl.body.detail).toBe("invalid body: body.config.url: expected an http(s) URL");

    const shortSecret = await h.call("POST", BASE, { token: admin, body: { name: "Bad", channelType: "webhook", config: { url: "https://x.example.com", secret: "short" } } });
    expect(shortSecret.body.errors[0].path).toBe("body.config.secret");

    const badType = await h.call("POST", BASE, { token: admin, body: { name: "Bad", channelType: "carrier-pigeon", config: {} } });
    expect(badType.status).toBe(400);
    expect(badType.body.errors[0].path).toBe("body.channelType");

    const email = await h.call("POST", BASE, { token: admin, body: { name: "Mail", channelType: "email", config: { smtp: { host: "smtp.example.com", from: "pulse@example.com" }, to: [] } } });
    expect(email.body.errors[0].path).toBe("body.config.to");
  });

  test("test sends refuse a private target before connecting", async () => {
    const created = await h.call("POST", BASE, { token: admin, body: { name: "Loopback", channelType: "webhook", config: { url: `${rx.url}/hook` } } });
    const r = await h.call("POST", `${BASE}/${created.body.channelId}/test`, { token: admin });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: false, retryable: false });
    expect(r.body.error).toStartWith("refused");
    expect(rx.connections).toBe(0);
    expect((await h.call("POST", `${BASE}/${crypto.randomUUID()}/test`, { token: admin })).status).toBe(404);
  });

  test("with loopback allowed, a test send delivers the synthetic notice; a failing receiver is still a 200", async () => {
    await using allowed = await apiHarness({ seed: ["acme"], egressAllow: ["127.0.0.0/8"] });
    const local = await startReceiver();
    try {
      const token = (await allowed.tokens("acme")).admin;
      const c = await allowed.call("POST", BASE, { token, body: { name: "Local", channelType: "webhook", config: { url: `${local.url}/hook`, secret: SECRET } } });
      const ok = await allowed.call("POST", `${BASE}/${c.body.channelId}/test`, { token });
      expect(ok.body).toEqual({ ok: true, status: 200, retryable: false });
      const [req] = await local.waitFor(1);
      expect(req!.json).toMatchObject({ tenantId: "acme", alertId: 0, transition: "OPEN", summary: "Test notification from Pulse", idempotencyKey: expect.stringMatching(/^test-[0-9a-f-]{36}$/) });
      expect(req!.headers).toMatchObject({ "x-pulse-event": "alert.open", "x-pulse-signature": expect.stringMatching(/^sha256=[0-9a-f]{64}$/) });

      local.respondWith(503);
      const failed = await allowed.call("POST", `${BASE}/${c.body.channelId}/test`, { token });
      expect(failed.status).toBe(200);
      expect(failed.body).toMatchObject({ ok: false, status: 503, retryable: true });
      expect(failed.text).not.toContain(SECRET);
    } finally {
      await local.close();
    }
  });

  test("a channel named by an escalation policy cannot be deleted", async () => {
    const c = await h.call("POST", BASE, { token: admin, body: { name: "Escalate", channelType: "webhook", config: { url: "https://e.example.com" } } });
    await h.call("POST", "/api/v1/customer/escalation-policies", { token: admin, body: { name: "Uses it", levels: [{ delayMinutes: 5, channelIds: [c.body.channelId] }] } });
    const r = await h.call("DELETE", `${BASE}/${c.body.channelId}`, { token: admin });
    expect(r.status).toBe(409);
    expect(r.body.detail).toBe("escalation policies still name this channel: Uses it");
  });

  test("viewers cannot write; another tenant's channel is not found", async () => {
    const r = await h.call("POST", BASE, { token: viewer, body: { name: "X", channelType: "webhook", config: { url: "https://x.example.com" } } });
    expect(r.status).toBe(403);
    const [theirs] = await h.db.sql`select channel_id from notification_channels where tenant_id = 'globex'`;
    for (const [method, path] of [["GET", ""], ["PATCH", ""], ["DELETE", ""], ["POST", "/test"]] as const) {
      const res = await h.call(method, `${BASE}/${theirs!.channelId}${path}`, { token: admin, body: method === "PATCH" ? { enabled: false } : undefined });
      expect(res.status).toBe(404);
    }
    expect((await h.call("GET", BASE, { token: admin })).text).not.toContain("globex");
  });
});
