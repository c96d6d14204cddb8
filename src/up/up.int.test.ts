/**
 * `pulse up` end to end, driven like a user drives it: a child process on free ports with its
 * own data directory; devices created over the API publish over MQTT and HTTP with their
 * tokens; the telemetry is read back over the API; restarts, SIGTERM and kill -9 under load
 * lose nothing that was acknowledged.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { rm } from "node:fs/promises";
import mqtt from "mqtt";
import { freePort } from "../testing/servers";
import { startReceiver } from "../testing/receiver";
import { startUp, type UpProcess } from "../testing/up";

setDefaultTimeout(180_000);

async function createDevice(up: UpProcess, token: string, deviceId: string): Promise<string> {
  const r = await up.api("POST", "/api/v1/customer/devices", { token, body: { deviceId } });
  expect(r.status).toBe(201);
  return r.body.credentials.provisionToken;
}

/** Every `n` metric of the device's stored messages (raw telemetry, paged). */
async function storedNumbers(up: UpProcess, token: string, deviceId: string): Promise<number[]> {
  const seen: number[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `?from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&limit=10000${cursor ? `&cursor=${cursor}` : ""}`;
    const r = await up.api("GET", `/api/v1/customer/devices/${deviceId}/telemetry${q}`, { token });
    expect(r.status).toBe(200);
    for (const m of r.body.items) if (typeof m.metrics.n === "number") seen.push(m.metrics.n);
    cursor = r.body.nextCursor;
  } while (cursor);
  return seen;
}

async function waitFor<T>(what: string, fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 300)}`);
    await Bun.sleep(200);
  }
}

const payload = (n: number) => JSON.stringify({ ts: new Date().toISOString(), seq: n, metrics: { n, temp_c: 20 + (n % 10) } });

/**
 * Publishes over MQTT (QoS 1) and HTTP until stopped, numbering messages; `acked` collects the
 * numbers the platform acknowledged (PUBACK, 202). Connection failures after the process dies are
 * expected and ignored: those messages were never acknowledged.
 */
function loadUntilStopped(up: UpProcess, device: { id: string; token: string }) {
  const acked = new Set<number>();
  let stopped = false;
  let n = 0;
  const client = mqtt.connect(up.mqttUrl, { username: `default/${device.id}`, password: device.token, protocolVersion: 4, reconnectPeriod: 0, clientId: `${device.id}-load` });
  client.on("error", () => {});
  // Unacknowledged QoS 1 publishes stay pending when the connection drops: stop waiting on them then.
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  const mqttLoop = (async () => {
    await Promise.race([new Promise<void>((resolve) => client.once("connect", () => resolve())), closed]);
    const inflight = new Set<Promise<void>>();
    while (!stopped && client.connected) {
      const i = n++;
      const p = client.publishAsync(`tenant/default/device/${device.id}/telemetry`, payload(i), { qos: 1 }).then(
        () => void acked.add(i),
        () => {},
      );
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      if (inflight.size >= 50) await Promise.race([...inflight, closed]);
    }
    await Promise.race([Promise.allSettled(inflight), closed]);
  })();
  const httpLoop = (async () => {
    while (!stopped) {
      const batch = Array.from({ length: 20 }, () => n++);
      await Promise.all(
        batch.map((i) =>
          fetch(`${up.url}/ingest/v1/tenant/default/device/${device.id}/telemetry`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-provision-token": device.token },
            body: payload(i),
          }).then(
            (r) => (r.status === 202 ? void acked.add(i) : undefined),
            () => {},
          ),
        ),
      );
    }
  })();
  return {
    acked,
    async stop() {
      stopped = true;
      await Promise.all([mqttLoop, httpLoop]);
      client.end(true);
    },
  };
}

describe("pulse up", () => {
  test("a device created over the API publishes over MQTT, WebSocket and HTTP; the telemetry reads back, and survives a restart", async () => {
    let up = await startUp();
    const dataDir = up.dataDir;
    try {
      expect(up.ready.engines).toEqual({ database: "embedded PostgreSQL (PGlite)", bus: "local bus", mqtt: "embedded MQTT broker", identity: "built-in" });
      expect(up.stdout()).toContain("created tenant \"default\" with admin admin@pulse.local");
      const token = await up.login();
      const device = await createDevice(up, token, "e2e-1");

      const c = await mqtt.connectAsync(up.mqttUrl, { username: "default/e2e-1", password: device, protocolVersion: 4, clientId: "e2e-1" });
      await c.publishAsync("tenant/default/device/e2e-1/telemetry", payload(1), { qos: 1 });
      await c.endAsync();
      const ws = await mqtt.connectAsync(up.wsUrl, { username: "default/e2e-1", password: device, protocolVersion: 4, clientId: "e2e-1-ws" });
      await ws.publishAsync("tenant/default/device/e2e-1/telemetry", payload(2), { qos: 1 });
      await ws.endAsync();
      const http = await fetch(`${up.url}/ingest/v1/tenant/default/device/e2e-1/telemetry`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-provision-token": device },
        body: payload(3),
      });
      expect(http.status).toBe(202);

      const stored = await waitFor("three messages", () => storedNumbers(up, token, "e2e-1"), (v) => v.length >= 3);
      expect(stored.sort()).toEqual([1, 2, 3]);
      const latest = await up.api("GET", "/api/v1/customer/devices/e2e-1/telemetry/latest", { token });
      expect(latest.status).toBe(200);

      // A wrong token is refused at connect; a device cannot publish as another.
      const wrong = await mqtt.connectAsync(up.mqttUrl, { username: "default/e2e-1", password: "pt_wrong", protocolVersion: 4, reconnectPeriod: 0 }).catch((e: Error) => e);
      expect(wrong).toBeInstanceOf(Error);
      expect(String((wrong as Error).message)).toMatch(/Bad username or password|Not authorized/);
      const unknown = await mqtt.connectAsync(up.mqttUrl, { username: "default/nobody", password: device, protocolVersion: 4, reconnectPeriod: 0 }).catch((e: Error) => e);
      expect(unknown).toBeInstanceOf(Error);

      expect(await up.stop("SIGTERM")).toBe(0);
      up = await startUp({ dataDir });
      expect(up.stdout()).not.toContain("created tenant");
      const again = await up.login();
      expect((await storedNumbers(up, again, "e2e-1")).sort()).toEqual([1, 2, 3]);
      const stillValid = await mqtt.connectAsync(up.mqttUrl, { username: "default/e2e-1", password: device, protocolVersion: 4 });
      await stillValid.endAsync();
    } finally {
      await up.stop("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    test(`${signal} under MQTT and HTTP load loses nothing that was acknowledged`, async () => {
      // One device sends thousands a second: no per-device limit here (it would quarantine them).
      const args = ["--device-rate", "0"];
      let up = await startUp({ args });
      const dataDir = up.dataDir;
      try {
        const token = await up.login();
        const id = `load-${signal.toLowerCase()}`;
        const device = { id, token: await createDevice(up, token, id) };
        const load = loadUntilStopped(up, device);
        await waitFor("load under way", async () => load.acked.size, (n) => n >= 1_500, 60_000);
        const code = await up.stop(signal);
        await load.stop();
        expect(code).toBe(signal === "SIGTERM" ? 0 : 137);
        up = await startUp({ dataDir, args });
        const again = await up.login();
        const acked = [...load.acked];
        const stored = await waitFor("every acknowledged message", () => storedNumbers(up, again, id), (v) => {
          const have = new Set(v);
          return acked.every((n) => have.has(n));
        });
        expect(acked.length).toBeGreaterThanOrEqual(1_500);
        expect(acked.filter((n) => !stored.includes(n))).toEqual([]);
        expect(stored.length).toBe(new Set(stored).size); // stored once each
      } finally {
        await up.stop("SIGKILL");
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }

  test("alerts work on the embedded engines: an MQTT breach reaches a webhook, an acknowledgement follows, and a message route republishes to MQTT subscribers", async () => {
    const hook = await startReceiver();
    await using up = await startUp({ args: ["--egress-allow", "127.0.0.0/8", "--evaluate-tick-ms", "200"] });
    try {
      const token = await up.login();
      const device = await createDevice(up, token, "boiler-1");
      const display = await createDevice(up, token, "panel-1");
      const api = async (path: string, body: unknown) => {
        const r = await up.api("POST", path, { token, body });
        expect(r.status).toBeLessThan(300);
        return r.body;
      };
      const channel = await api("/api/v1/customer/notification-channels", { name: "Hook", channelType: "webhook", config: { url: `${hook.url}/alerts` } });
      await api("/api/v1/customer/notification-routes", { name: "all", channelId: channel.channelId, transitions: ["OPEN", "ACKNOWLEDGED", "CLOSED"] });
      await api("/api/v1/customer/alert-rules", { name: "Too hot", type: "threshold", severity: 5, definition: { conditions: [{ metric: "temp_c", op: "GTE", value: 90 }] } });
      await api("/api/v1/customer/message-routes", {
        name: "mirror", topicFilter: "tenant/default/device/+/telemetry", payloadFilter: { temp_c: { $gte: 90 } },
        destinationType: "mqtt_republish", destinationConfig: { topic: "tenant/{tenant}/device/panel-1/hot" },
      });
      // The evaluator reads new rules within its refresh interval (5 s).
      await Bun.sleep(6_000);
      const watcher = await mqtt.connectAsync(up.mqttUrl, { username: "default/panel-1", password: display, protocolVersion: 4, clientId: "panel-1" });
      const mirrored: string[] = [];
      watcher.on("message", (topic) => mirrored.push(topic));
      await watcher.subscribeAsync("tenant/default/device/panel-1/hot", { qos: 1 });
      const c = await mqtt.connectAsync(up.mqttUrl, { username: "default/boiler-1", password: device, protocolVersion: 4, clientId: "boiler-1" });
      await c.publishAsync("tenant/default/device/boiler-1/telemetry", JSON.stringify({ ts: new Date().toISOString(), metrics: { temp_c: 95 } }), { qos: 1 });
      const [opened] = await hook.waitFor(1, 20_000);
      expect(opened!.json).toMatchObject({ tenantId: "default", deviceId: "boiler-1", transition: "OPEN", severity: 5 });
      const ack = await up.api("POST", `/api/v1/customer/alerts/${opened!.json.alertId}/acknowledge`, { token });
      expect(ack.status).toBe(200);
      const [, acked] = await hook.waitFor(2, 10_000);
      expect(acked!.json).toMatchObject({ transition: "ACKNOWLEDGED", alertId: opened!.json.alertId });
      await waitFor("the republished message", async () => mirrored.length, (n) => n >= 1, 10_000);
      expect(mirrored).toEqual(["tenant/default/device/panel-1/hot"]);
      await c.endAsync();
      await watcher.endAsync();
    } finally {
      await hook.close();
    }
  });

  test("a port in use is refused naming its flag; a second pulse on the same data directory is refused", async () => {
    await using up = await startUp();
    const busy = Number(new URL(up.mqttUrl).port);
    const clash = await startUp({ ports: { http: await freePort(), mqtt: busy, ws: await freePort() } }).catch((e: Error) => e);
    expect(String(clash)).toContain("already in use (--");
    const same = await startUp({ dataDir: up.dataDir }).catch((e: Error) => e);
    expect(String(same)).toContain("is in use by another pulse");
  });

  test("--demo seeds sites and devices in the default tenant and their simulated telemetry arrives; a restart keeps one fleet", async () => {
    let up = await startUp({ args: ["--demo"] });
    const dataDir = up.dataDir;
    try {
      const token = await up.login();
      const devices = await up.api("GET", "/api/v1/customer/devices?limit=100&search=demo", { token });
      expect(devices.status).toBe(200);
      expect(devices.body.total).toBe(12);
      const sites = await up.api("GET", "/api/v1/customer/sites", { token });
      expect(sites.body.total).toBe(3);
      await waitFor("demo telemetry", async () => (await up.api("GET", "/api/v1/customer/devices/demo-freezer-01/telemetry/latest", { token })).body, (b) => JSON.stringify(b).includes("temp_c"), 90_000);
      expect(await up.stop("SIGTERM")).toBe(0);
      up = await startUp({ dataDir, args: ["--demo"] });
      const again = await up.api("GET", "/api/v1/customer/devices?limit=100&search=demo", { token: await up.login() });
      expect(again.body.total).toBe(12);
    } finally {
      await up.stop("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
