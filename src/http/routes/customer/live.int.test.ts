/**
 * GET /api/v1/customer/live through a real Bun.serve, read with streaming fetch() as the
 * console reads it: events per tenant and subscription, one poller for many streams, the end
 * at token expiry, keepalives past Bun's idle timeout, shutdown, and refused requests.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { BuiltinIssuer } from "../../../identity/builtin";
import { asWorker } from "../../../platform/db";
import { createLifecycle } from "../../../platform/lifecycle";
import { createMetrics } from "../../../platform/metrics";
import { upsertDeviceState } from "../../../telemetry/queries";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg, quietLog } from "../../../testing/db";
import { addDevice } from "../../../testing/fixtures";
import { freePort } from "../../../testing/servers";
import { eventsOf, sse } from "../../../testing/sse";
import { createApiDeps } from "../../api/deps";
import { createApp } from "../../app";

const of = eventsOf;
const expOf = (token: string) => new Date(JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).exp * 1000).toISOString();
const PATH = "/api/v1/customer/live";
/** The harness's identity settings: the built-in issuer over the same keys, so its tokens verify. */
const IDENTITY = { oidcIssuer: "", oidcAudience: "pulse-api", oidcJwksUrl: "", accessTokenTtl: 900, sessionTtl: 86_400 };

describePg("live updates API", () => {
  let h: ApiHarness;
  let server: ReturnType<typeof Bun.serve>;
  let acme: string;
  let globex: string;
  const clients: AbortController[] = [];

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    await addDevice(h.db.sql, { tenant: "acme", device: "a-d1" });
    await addDevice(h.db.sql, { tenant: "globex", device: "g-d1" });
    server = Bun.serve({ hostname: "127.0.0.1", port: await freePort(), fetch: h.app.fetch });
    acme = await h.token({ tenant: "acme", roles: ["customer"] });
    globex = await h.token({ tenant: "globex", roles: ["customer"] });
  });
  afterAll(async () => {
    for (const c of clients) c.abort();
    await h?.deps.live?.close();
    server?.stop(true);
    await h?.[Symbol.asyncDispose]();
  });

  /** A stream read over HTTP; aborting its controller hangs up. */
  async function open(query: string, token: string, port = server.port) {
    const client = new AbortController();
    clients.push(client);
    const res = await fetch(`http://127.0.0.1:${port}${PATH}${query}`, { headers: { authorization: `Bearer ${token}` }, signal: client.signal });
    expect(res.status).toBe(200);
    const s = sse(res.body!);
    await s.until(() => of(s.events, "hello")[0], "hello");
    return { ...s, res, hangUp: () => client.abort() };
  }
  const writeState = (tenant: string, device: string, metrics: Record<string, number>) => {
    const now = new Date();
    const latest = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, { v, t: now.toISOString() }]));
    return asWorker(h.db.sql, (tx) => upsertDeviceState(tx, [{ tenant, device, lastHeartbeatAt: null, lastTelemetryAt: now, lastSeenAt: now, latest }]));
  };
  const openAlert = (tenant: string, device: string) =>
    asWorker(h.db.sql, async (tx) => {
      const [a] = await tx<{ alertId: string }[]>`
        insert into alerts (tenant_id, device_id, alert_type, fingerprint, severity, summary)
        values (${tenant}, ${device}, 'NO_HEARTBEAT', ${`NO_HEARTBEAT:${device}`}, 4, ${`${device} silent`}) returning alert_id`;
      const [e] = await tx<{ eventId: string }[]>`
        insert into alert_events (tenant_id, alert_id, transition, actor) values (${tenant}, ${a!.alertId}, 'OPEN', 'evaluator') returning event_id`;
      return { alertId: Number(a!.alertId), eventId: e!.eventId };
    });
  const streamsGone = async () => {
    for (const deadline = Date.now() + 10_000; h.deps.live!.stats().streams > 0; await Bun.sleep(25)) {
      if (Date.now() > deadline) throw new Error(`streams still open: ${JSON.stringify(h.deps.live!.stats())}`);
    }
  };

  test("a tenant's stream gets hello, its device's new state and its alerts; another tenant's sees none of them", async () => {
    const a = await open("?devices=a-d1", acme);
    expect(Object.fromEntries(a.res.headers)).toMatchObject({ "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" });
    expect(a.events[0]!.data).toEqual({ tenantId: "acme", serverTime: expect.any(String), expiresAt: expOf(acme) });
    const b = await open("?devices=a-d1,g-d1&fleet=true", globex);
    await b.until(() => of(b.events, "fleet")[0], "globex fleet counts");
    await writeState("acme", "a-d1", { temp_c: 19.25, on: 1 });
    const alert = await openAlert("acme", "a-d1");
    const device = await a.until(() => of(a.events, "device")[0], "a-d1 state");
    expect(device.data).toEqual({
      deviceId: "a-d1",
      connectivity: "OFFLINE",
      lastSeenAt: expect.any(String),
      lastTelemetryAt: expect.any(String),
      latestMetrics: { temp_c: { value: 19.25, time: expect.any(String) }, on: { value: 1, time: expect.any(String) } },
    });
    const ev = await a.until(() => of(a.events, "alert")[0], "the alert");
    expect(ev).toEqual({
      event: "alert",
      id: alert.eventId,
      data: { alertId: alert.alertId, deviceId: "a-d1", status: "OPEN", severity: 4, alertType: "NO_HEARTBEAT", summary: "a-d1 silent", event: "OPEN", at: expect.any(String) },
    });
    // globex's own change comes after acme's: by then its poller has looked past acme's writes.
    await writeState("globex", "g-d1", { temp_c: 5 });
    await b.until(() => of(b.events, "device").find((e) => e.data.deviceId === "g-d1"), "g-d1 state");
    expect(of(b.events, "alert")).toEqual([]);
    expect(JSON.stringify(b.events)).not.toContain("a-d1");
    a.hangUp();
    b.hangUp();
    await streamsGone();
  });

  test("ten streams of a tenant make one poller; hanging up all of them stops it", async () => {
    const streams = [];
    for (let i = 0; i < 10; i++) streams.push(await open(i % 2 ? "?fleet=true" : "?devices=a-d1", acme));
    expect(h.deps.live!.stats()).toMatchObject({ tenants: 1, streams: 10 });
    for (const s of streams) s.hangUp();
    await streamsGone();
    expect(h.deps.live!.stats()).toMatchObject({ tenants: 0, streams: 0 });
  });

  test("the stream ends when the access token expires", async () => {
    const issuer = await BuiltinIssuer.open(h.db.sql, { audience: "pulse-api", accessTtlSeconds: 2, sessionTtlSeconds: 60 });
    const short = await issuer.accessToken({
      userId: crypto.randomUUID(), tenantId: "acme", email: "short@acme.test", displayName: null, roles: ["customer"],
      status: "ACTIVE", lastLoginAt: null, createdAt: new Date(), updatedAt: new Date(),
    });
    const s = await open("?fleet=true", short);
    expect(s.events[0]!.data.expiresAt).toBe(expOf(short));
    await s.ended;
    await streamsGone();
  });

  test("keepalive comments hold an idle stream open past Bun.serve's 10 s idle timeout", async () => {
    const s = await open("?devices=a-d1", acme);
    await Bun.sleep(13_000); // an idle connection is cut after 10-12 s (measured)
    expect(s.done()).toBe(false);
    expect(s.comments()).toBeGreaterThanOrEqual(2);
    await writeState("acme", "a-d1", { temp_c: 20 });
    await s.until(() => of(s.events, "device")[0], "a change after the idle time");
    s.hangUp();
    await streamsGone();
  }, 30_000);

  test("shutdown (the first signal) closes the hub, ending open streams, so the server's graceful stop completes", async () => {
    await using lifecycle = createLifecycle(quietLog);
    const settings = { ...IDENTITY, apiRate: 0, apiBurst: 1000, mqttHookSecret: "", deviceCacheTtl: 60, egressAllow: [] };
    const deps = await createApiDeps(h.db.sql, h.deps.reads, settings, quietLog, lifecycle);
    const app = createApp({ log: quietLog, metrics: createMetrics("serve"), checks: {}, api: deps });
    const own = Bun.serve({ hostname: "127.0.0.1", port: await freePort(), fetch: app.fetch });
    const s = await open("?fleet=true", acme, own.port);
    const stopped = own.stop();
    lifecycle.stop("test");
    await stopped;
    await s.ended;
    expect(deps.live!.stats()).toEqual({ tenants: 0, streams: 0, polls: expect.any(Number) });
  });

  test("bad queries get 400 with the field named, no token 401, the 51st stream of a tenant 429; none opens a stream", async () => {
    const get = (query: string, token?: string) => fetch(`http://127.0.0.1:${server.port}${PATH}${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const cases: Array<[string, string | undefined, number, string]> = [
      ["?devices=a-d1,bad%20id", acme, 400, "query.devices.1"],
      [`?devices=${Array.from({ length: 51 }, (_, i) => `d-${i}`).join(",")}`, acme, 400, "query.devices"],
      ["?fleet=maybe", acme, 400, "query.fleet"],
    ];
    for (const [query, token, status, path] of cases) {
      const r = await get(query, token);
      expect(r.status).toBe(status);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect((await r.json()).errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const anonymous = await get("?fleet=true");
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
    expect(h.deps.live!.stats().streams).toBe(0);

    const held = [];
    for (let i = 0; i < 50; i++) held.push(await h.app.request(`${PATH}?fleet=true`, { headers: { authorization: `Bearer ${acme}` } }));
    const refused = await get("", acme);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: "RATE_LIMITED", status: 429 });
    expect(h.deps.live!.stats().streams).toBe(50);
    (await open("", globex)).hangUp();
    for (const r of held) await r.body!.cancel();
    await streamsGone();
  });
});
