import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { startReceiver, type Receiver } from "../../../testing/receiver";

const BASE = "/api/v1/customer/message-routes";
const SECRET = "route-hmac-secret-0123456789";
const API_KEY = "key_9f8e7d6c5b4a";
const ANY_TIME = expect.any(String);

describePg("message routes API", () => {
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

  const stored = async (id: string) => (await h.db.sql`select destination_config from message_routes where route_id = ${id}`)[0]!.destinationConfig;

  test("a webhook route: create, read, list, change, delete; secrets never come back", async () => {
    const destinationConfig = { url: "https://in.example.com/pulse", headers: { "X-Api-Key": API_KEY }, secret: SECRET };
    const body = { name: "Hot", topicFilter: "tenant/acme/device/+/telemetry", payloadFilter: { temp_c: { $gt: 80 } }, destinationType: "webhook", destinationConfig };
    const created = await h.call("POST", BASE, { token: admin, body });
    expect(created.status).toBe(201);
    const routeId = created.body.routeId;
    const masked = { url: "https://in.example.com/pulse", method: "POST", headers: { "X-Api-Key": "***" }, secret: "***" };
    const route = { ...body, routeId, destinationConfig: masked, enabled: true, createdAt: ANY_TIME, updatedAt: ANY_TIME };
    expect(created.body).toEqual(route);
    const got = await h.call("GET", `${BASE}/${routeId}`, { token: viewer });
    expect(got.body).toEqual(route);
    const list = await h.call("GET", `${BASE}?destinationType=webhook`, { token: viewer });
    expect(list.body.items.map((r: { name: string }) => r.name)).toEqual(["Everything", "Hot"]);

    const patched = await h.call("PATCH", `${BASE}/${routeId}`, { token: admin, body: { topicFilter: "tenant/acme/#", destinationConfig: { ...masked, method: "PUT" } } });
    expect(patched.body).toEqual({ ...route, topicFilter: "tenant/acme/#", destinationConfig: { ...masked, method: "PUT" } });
    expect(await stored(routeId)).toEqual({ ...destinationConfig, method: "PUT" });
    for (const r of [created, got, list, patched]) {
      expect(r.text).not.toContain(SECRET);
      expect(r.text).not.toContain(API_KEY);
    }

    expect((await h.call("DELETE", `${BASE}/${routeId}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("GET", `${BASE}/${routeId}`, { token: viewer })).status).toBe(404);
    const audit = await h.db.sql`select action from audit_log where tenant_id = 'acme' and entity_id = ${routeId} order by audit_id`;
    expect(audit.map((a) => a.action)).toEqual(["message_route.created", "message_route.updated", "message_route.deleted"]);
  });

  test("an MQTT republish route, and switching destination types", async () => {
    const created = await h.call("POST", BASE, {
      token: admin,
      body: { name: "Mirror", topicFilter: "tenant/acme/device/+/telemetry", destinationType: "mqtt_republish", destinationConfig: { topic: "tenant/{tenant}/mirror/{device}" } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ payloadFilter: {}, destinationConfig: { topic: "tenant/{tenant}/mirror/{device}", qos: 1, retain: false } });
    const id = created.body.routeId;
    const noConfig = await h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { destinationType: "webhook" } });
    expect(noConfig.body.errors).toEqual([{ path: "body.destinationConfig", message: "a route changing to webhook needs its webhook config" }]);
    const toHook = await h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { destinationType: "webhook", destinationConfig: { url: "https://x.example.com", secret: SECRET } } });
    expect(toHook.body).toMatchObject({ destinationType: "webhook", destinationConfig: { url: "https://x.example.com", method: "POST", headers: {}, secret: "***" } });
    expect(toHook.text).not.toContain(SECRET);
  });

  test("validation names the field, with the topic filter's reason", async () => {
    const ok = { name: "V", topicFilter: "tenant/acme/#", destinationType: "webhook", destinationConfig: { url: "https://x.example.com" } };
    const cases: Array<[object, string, string?]> = [
      [{ topicFilter: "tenant/#/x" }, "body.topicFilter", "'#' must be the last level"],
      [{ topicFilter: "tenant/a+/x" }, "body.topicFilter", "'+' must be a whole level"],
      [{ payloadFilter: { temp_c: { $between: 1 } } }, "body.payloadFilter.temp_c"],
      [{ destinationType: "kafka" }, "body.destinationType"],
      [{ destinationConfig: { url: "gopher://x" } }, "body.destinationConfig.url"],
      [{ destinationType: "mqtt_republish", destinationConfig: { topic: "tenant/{tenant}/out/+/x" } }, "body.destinationConfig.topic", "'+' or '#'"],
      [{ destinationType: "mqtt_republish", destinationConfig: { topic: "tenant/{tenant}/out", qos: 2 } }, "body.destinationConfig.qos"],
    ];
    for (const [change, path, message] of cases) {
      const r = await h.call("POST", BASE, { token: admin, body: { ...ok, ...change } });
      expect(r.status, path).toBe(400);
      expect(r.body.errors[0].path).toBe(path);
      if (message) expect(r.body.errors[0].message).toContain(message);
    }
  });

  test("test: both filters are checked; a delivery to a private address is refused before connecting", async () => {
    const created = await h.call("POST", BASE, {
      token: admin,
      body: { name: "Loopback", topicFilter: "tenant/acme/device/+/telemetry", payloadFilter: { temp_c: { $gt: 80 }, msgType: "telemetry" }, destinationType: "webhook", destinationConfig: { url: `${rx.url}/in` } },
    });
    const run = (body: object) => h.call("POST", `${BASE}/${created.body.routeId}/test`, { token: admin, body });
    const topic = "tenant/acme/device/pump-1/telemetry";
    expect((await run({ topic, payload: { metrics: { temp_c: 85 }, msgType: "telemetry" } })).body).toEqual({ topicMatches: true, payloadMatches: true });
    expect((await run({ topic, payload: { metrics: { temp_c: 20 }, msgType: "telemetry" } })).body).toEqual({ topicMatches: true, payloadMatches: false });
    expect((await run({ topic: "tenant/acme/device/pump-1/heartbeat", payload: { metrics: { temp_c: 85 }, msgType: "telemetry" }, deliver: true })).body).toEqual({ topicMatches: false, payloadMatches: true });

    const delivered = await run({ topic, payload: { metrics: { temp_c: 85 }, msgType: "telemetry" }, deliver: true });
    expect(delivered.status).toBe(200);
    expect(delivered.body).toMatchObject({ topicMatches: true, payloadMatches: true, delivery: { ok: false, retryable: false } });
    expect(delivered.body.delivery.error).toStartWith("refused");
    expect(rx.connections).toBe(0);

    expect((await run({ topic, payload: { temp_c: 85 } })).body.errors[0].path).toBe("body.payload.metrics");
  });

  test("with loopback allowed, deliver:true posts the sample message to the webhook", async () => {
    await using allowed = await apiHarness({ seed: ["acme"], egressAllow: ["127.0.0.0/8"] });
    const local = await startReceiver();
    try {
      const token = (await allowed.tokens("acme")).admin;
      const created = await allowed.call("POST", BASE, {
        token,
        body: { name: "Local", topicFilter: "tenant/acme/#", destinationType: "webhook", destinationConfig: { url: `${local.url}/in`, secret: SECRET, headers: { "X-Api-Key": API_KEY } } },
      });
      const topic = "tenant/acme/device/pump-1/telemetry";
      const r = await allowed.call("POST", `${BASE}/${created.body.routeId}/test`, { token, body: { topic, payload: { metrics: { temp_c: 85 }, deviceId: "pump-1" }, deliver: true } });
      expect(r.body).toEqual({ topicMatches: true, payloadMatches: true, delivery: { ok: true, status: 200, retryable: false } });
      const [req] = await local.waitFor(1);
      expect(req!.json).toEqual({ test: true, tenant: "acme", routeId: created.body.routeId, topic, deviceId: "pump-1", metrics: { temp_c: 85 }, time: expect.any(Number) });
      expect(req!.headers).toMatchObject({ "x-api-key": API_KEY, "x-pulse-event": "message.test", "x-pulse-signature": expect.stringMatching(/^sha256=/) });
      expect(r.text).not.toContain(API_KEY);
    } finally {
      await local.close();
    }
  });

  test("viewers cannot write; another tenant's route is not found", async () => {
    expect((await h.call("POST", BASE, { token: viewer, body: { name: "V", topicFilter: "#", destinationType: "webhook", destinationConfig: { url: "https://x.example.com" } } })).status).toBe(403);
    const [theirs] = await h.db.sql`select route_id from message_routes where tenant_id = 'globex'`;
    const path = `${BASE}/${theirs!.routeId}`;
    expect((await h.call("GET", path, { token: admin })).status).toBe(404);
    expect((await h.call("PATCH", path, { token: admin, body: { enabled: false } })).status).toBe(404);
    expect((await h.call("POST", `${path}/test`, { token: admin, body: { topic: "a", payload: { metrics: {} } } })).status).toBe(404);
    expect((await h.call("DELETE", path, { token: admin })).status).toBe(404);
    expect((await h.call("GET", BASE, { token: admin })).text).not.toContain("globex");
  });
});
