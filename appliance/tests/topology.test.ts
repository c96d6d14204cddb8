/**
 * The appliance's topology on loopback (src/testing/appliance.ts): every role a process of the
 * compiled binary, the database through PgBouncer in transaction mode, NATS, Caddy and the
 * shipped configuration files. A device publishes over MQTT and over HTTPS through Caddy; the
 * telemetry, its status and an alert come back through the API behind Caddy, and the alert
 * leaves through `pulse deliver` as a signed webhook.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { buildBinary } from "../../scripts/build";
import { startAppliance, type Appliance } from "../../src/testing/appliance";
import { startReceiver, type Receiver } from "../../src/testing/receiver";

let app: Appliance;
let hook: Receiver;
let bin: string;
let operator: string;
let admin: string;

const api = async (method: string, path: string, token: string, body?: unknown) => {
  const res = await fetch(app.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    tls: { ca: app.ca },
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), body: text ? JSON.parse(text) : undefined };
};

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${app.logs(10)}`);
    await Bun.sleep(100);
  }
}

beforeAll(async () => {
  bin = mkdtempSync("/tmp/pulse-appliance-bin-");
  const binary = await buildBinary(join(bin, "pulse"));
  hook = await startReceiver();
  app = await startAppliance({ binary, roleEnv: { PULSE_EGRESS_ALLOW: "127.0.0.0/8" } });
  // Tokens as Keycloak's pulse realm issues them: realm roles, and the organization of a tenant user.
  operator = await app.idp.mint({ iss: app.issuer, organization: undefined, realm_access: { roles: ["operator-admin"] }, sub: "op-1" });
  admin = await app.idp.mint({ iss: app.issuer, organization: { plant: { id: "org-plant" } }, realm_access: { roles: ["tenant-admin"] }, sub: "admin-1" });
}, 120_000);

afterAll(async () => {
  await app?.[Symbol.asyncDispose]();
  await hook?.[Symbol.asyncDispose]();
  if (bin) rmSync(bin, { recursive: true, force: true });
});

describe("the appliance topology on loopback", () => {
  test("each role is its own process of the binary, on the database only through PgBouncer", async () => {
    expect(app.roles.map((r) => r.name).sort()).toEqual(["bridge", "deliver", "evaluate", "ingest-1", "ingest-2", "serve"]);
    expect(new Set(app.roles.map((r) => r.server.port)).size).toBe(6);
    const psql = (args: string[], password = "") =>
      Bun.spawnSync(["psql", "-X", "-A", ...args], { env: { PATH: "/usr/bin:/bin", PGPASSWORD: password }, stdout: "pipe", stderr: "pipe" });
    // Every role that opens the database has a heartbeat row; bridge has no database.
    const beats = psql(["-t", app.superuserUrl, "-c", "select role || ' ' || count(*) from role_instances group by role order by role"]);
    expect(beats.stdout.toString().trim().split("\n")).toEqual(["deliver 1", "evaluate 1", "ingest 2", "serve 1"]);
    // PostgreSQL refuses `pulse` over TCP (only PgBouncer's socket connections get in), and yet they run.
    const direct = psql(["-h", "127.0.0.1", "-p", new URL(app.superuserUrl).port, "-U", "pulse", "-d", "pulse", "-c", "select 1"], app.env.PULSE_DB_PASSWORD);
    expect(direct.stderr.toString()).toContain('pg_hba.conf rejects connection for host "127.0.0.1", user "pulse"');
    // PgBouncer's console, read as objects (psql -A prints a header line and a row count).
    const pooler = (command: string) => {
      const out = psql(["-h", "127.0.0.1", "-p", String(app.pgbouncerPort), "-U", "pulse_stats", "-d", "pgbouncer", "-c", command], app.env.PULSE_DB_STATS_PASSWORD);
      const [head, ...lines] = out.stdout.toString().trim().split("\n").map((l) => l.split("|"));
      return lines.filter((l) => l.length === head!.length).map((l) => Object.fromEntries(head!.map((h, i) => [h, l[i]])));
    };
    expect(pooler("show pools").find((p) => p.database === "pulse" && p.user === "pulse")?.pool_mode).toBe("transaction");
    const clients = new Set(pooler("show clients").filter((c) => c.database === "pulse").map((c) => c.application_name));
    expect([...clients].sort()).toEqual(["pulse-deliver", "pulse-evaluate", "pulse-ingest", "pulse-serve"]);
  });

  test("a device publishes over MQTT and over HTTPS through Caddy, and reads back through the API behind Caddy", async () => {
    expect(await api("POST", "/api/v1/operator/tenants", operator, { tenantId: "plant", name: "Plant" })).toMatchObject({ status: 201 });
    const created = await api("POST", "/api/v1/customer/devices", admin, { deviceId: "press-1" });
    expect(created.status).toBe(201);
    const token = created.body.credentials.provisionToken as string;

    // Mosquitto stands in for EMQX: it authenticates nobody, so the token rides in the payload.
    const client = await mqtt.connectAsync(app.mqttUrl, { clientId: "press-1", protocolVersion: 4 });
    await client.publishAsync("tenant/plant/device/press-1/telemetry", JSON.stringify({ seq: 1, metrics: { temp_c: 21.5 }, provision_token: token }), { qos: 1 });
    await client.endAsync();
    const posted = await fetch(`${app.url}/ingest/v1/tenant/plant/device/press-1/telemetry`, {
      method: "POST", headers: { "x-provision-token": token, "content-type": "application/json" },
      body: JSON.stringify({ seq: 2, metrics: { temp_c: 22.5 } }), tls: { ca: app.ca } });
    expect(posted.status).toBe(202);

    const items = await until("both messages through the API", async () => {
      const r = await api("GET", "/api/v1/customer/devices/press-1/telemetry", admin);
      return r.body.items.length === 2 && (r.body.items as { seq: number; metrics: { temp_c: number } }[]);
    });
    expect(items.map((m) => [m.seq, m.metrics.temp_c]).sort()).toEqual([[1, 21.5], [2, 22.5]]);
    // `pulse evaluate` turned the traffic into device status.
    const state = await until("the device online", async () => {
      const r = await api("GET", "/api/v1/customer/devices/press-1", admin);
      return r.body.state?.connectivity === "ONLINE" && r.body.state.lastTelemetryAt && r.body.state;
    });
    expect(Date.parse(state.lastTelemetryAt)).toBeGreaterThan(Date.now() - 60_000);
  }, 60_000);

  test("bad input through Caddy: a wrong token is a problem+json 401 over HTTPS and a quarantine row over MQTT", async () => {
    const refused = await fetch(`${app.url}/ingest/v1/tenant/plant/device/press-1/telemetry`, {
      method: "POST", headers: { "x-provision-token": "pt_wrong", "content-type": "application/json" },
      body: JSON.stringify({ metrics: { temp_c: 1 } }), tls: { ca: app.ca } });
    expect([refused.status, refused.headers.get("content-type")]).toEqual([401, "application/problem+json"]);
    const client = await mqtt.connectAsync(app.mqttUrl, { clientId: "press-1-bad", protocolVersion: 4 });
    await client.publishAsync("tenant/plant/device/press-1/telemetry", JSON.stringify({ metrics: { temp_c: 1 }, provision_token: "pt_wrong" }), { qos: 1 });
    await client.endAsync();
    const row = await until("the quarantine row", async () => {
      const r = await api("GET", "/api/v1/operator/quarantine?tenantId=plant", operator);
      return r.body.items?.find((q: { source: string }) => q.source === "mqtt");
    });
    expect(row).toMatchObject({ tenantId: "plant", deviceId: "press-1", source: "mqtt", reason: expect.stringMatching(/TOKEN/) });
  }, 30_000);

  test("a breach opens an alert in `pulse evaluate` and `pulse deliver` posts it to the webhook", async () => {
    const channel = await api("POST", "/api/v1/customer/notification-channels", admin, {
      name: "Plant webhook", channelType: "webhook", config: { url: `${hook.url}/alerts`, secret: "0123456789abcdef0123" } });
    expect(channel.status).toBe(201);
    expect((await api("POST", "/api/v1/customer/notification-routes", admin, { name: "All", channelId: channel.body.channelId, minSeverity: 1, transitions: ["OPEN"] })).status).toBe(201);
    expect((await api("POST", "/api/v1/customer/alert-rules", admin, {
      name: "Press too hot", type: "threshold", severity: 4, definition: { conditions: [{ metric: "temp_c", op: "GT", value: 80 }], holdSeconds: 0 }, scope: {} })).status).toBe(201);
    const token = (await api("POST", "/api/v1/customer/devices", admin, { deviceId: "press-2" })).body.credentials.provisionToken as string;
    // Until the webhook arrives: evaluate loads new rules on its own schedule.
    let seq = 0;
    const request = await until("the webhook", async () => {
      await fetch(`${app.url}/ingest/v1/tenant/plant/device/press-2/telemetry`, {
        method: "POST", headers: { "x-provision-token": token, "content-type": "application/json" },
        body: JSON.stringify({ seq: ++seq, metrics: { temp_c: 95 } }), tls: { ca: app.ca } });
      await Bun.sleep(400);
      return hook.requests.find((r) => r.path === "/alerts");
    }, 40_000);
    expect(request.json).toMatchObject({ tenantId: "plant", deviceId: "press-2" });
    const signed = `${request.headers["x-pulse-timestamp"]}.${request.body}`;
    expect(request.headers["x-pulse-signature"]).toBe(`sha256=${createHmac("sha256", "0123456789abcdef0123").update(signed).digest("hex")}`);
    const alerts = await api("GET", "/api/v1/customer/alerts?deviceId=press-2", admin);
    expect(alerts.body.items[0]).toMatchObject({ deviceId: "press-2", severity: 4, status: "OPEN" });
  }, 60_000);
});
