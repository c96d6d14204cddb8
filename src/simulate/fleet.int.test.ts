import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { createServer, type Server } from "node:net";
import { Aedes, type AuthenticateError } from "aedes";
import mqtt from "mqtt";
import { testSettings } from "../platform/config";
import { asWorker } from "../platform/db";
import { PulseError } from "../platform/errors";
import { createLogger } from "../platform/log";
import { parseEnvelope, type Envelope } from "../telemetry/envelope";
import { describeNats, testBus } from "../testing/bus";
import { describePg, testDb } from "../testing/db";
import { addDevice } from "../testing/fixtures";
import { startBridge, startIngest, waitForOutcome } from "../testing/ingest";
import { freePort, startMosquitto } from "../testing/servers";
import { PROFILES, runFleet, type FleetOptions, type FleetProgress, type FleetStats, type SimulatedDevice } from "./service";

setDefaultTimeout(30_000);

const MOSQUITTO = testSettings().mqttUrl;
const uniqueTenant = () => `simt${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

interface Received {
  device: string;
  kind: string;
  envelope: Envelope;
  body: Record<string, unknown>;
  raw: string;
  /** Real receive time, performance.now(). */
  at: number;
}

function parse(tenant: string, device: string, kind: string, raw: string): Received {
  const r = parseEnvelope(new TextEncoder().encode(raw), tenant, Date.now());
  if (!r.ok) throw new Error(`invalid envelope from ${device}: ${r.rejection.reason} ${r.rejection.detail ?? ""} in ${raw}`);
  return { device, kind, envelope: r.envelope, body: JSON.parse(raw) as Record<string, unknown>, raw, at: performance.now() };
}

/** A logger whose lines the test can read. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ svc: "simulate", level: "debug", format: "json", write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { log, lines, warnings: () => lines.filter((l) => l.level === "warn") };
}

/** Runs the fleet for `ms` of real time and returns its totals. */
async function runFor(ms: number, o: Omit<FleetOptions, "signal" | "log"> & { log?: FleetOptions["log"] }): Promise<FleetStats> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    return await runFleet({ log: capture().log, ...o, signal: ac.signal });
  } finally {
    clearTimeout(timer);
  }
}

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ok()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** The metric names a profile reports. */
const metricsOf = (name: string) => {
  const p = PROFILES[name as keyof typeof PROFILES];
  return Object.keys(p.sample(p.init("any", 0), p.intervalMs)).sort();
};
const byDevice = (msgs: Received[], device: string, kind = "telemetry") => msgs.filter((m) => m.device === device && m.kind === kind);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Subscribes to a tenant's uplinks on a broker and collects what arrives. */
async function subscribe(url: string, tenant: string) {
  const got: Received[] = [];
  const c = await mqtt.connectAsync(url, { clientId: `${tenant}-watch`, protocolVersion: 4, clean: true });
  c.on("message", (topic, payload) => {
    const [, , , device, kind] = topic.split("/");
    got.push(parse(tenant, device!, kind!, payload.toString()));
  });
  await c.subscribeAsync([`tenant/${tenant}/device/+/telemetry`, `tenant/${tenant}/device/+/heartbeat`], { qos: 1 });
  return { got, [Symbol.asyncDispose]: () => c.endAsync() };
}

/** An aedes broker (the embedded broker's engine) that admits a device only with its token. */
async function aedesBroker(tokens: Map<string, string>) {
  const attempts: Array<{ clientId: string; username: string | undefined }> = [];
  const connects = new Map<string, number>();
  const published: Received[] = [];
  const broker = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      attempts.push({ clientId: client.id, username });
      if (username !== undefined && tokens.get(username) === password?.toString()) return done(null, true);
      done(Object.assign(new Error("Bad username or password"), { returnCode: 4 }) as AuthenticateError, false);
    },
  });
  broker.on("client", (client) => connects.set(client.id, (connects.get(client.id) ?? 0) + 1));
  broker.on("publish", (packet, client) => {
    if (!client) return;
    const [, tenant, , device, kind] = packet.topic.split("/");
    published.push(parse(tenant!, device!, kind!, packet.payload.toString()));
  });
  const server: Server = createServer(broker.handle);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `mqtt://127.0.0.1:${port}`,
    attempts,
    connects,
    published,
    async [Symbol.asyncDispose]() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("runFleet over MQTT (Mosquitto)", () => {
  test("devices send paced, valid envelopes with their profile's metrics and heartbeats, each on its own schedule", async () => {
    const tenant = uniqueTenant();
    const devices: SimulatedDevice[] = [
      { tenant, device: `${tenant}-fridge`, token: "tok-fridge", profile: "temperature", siteId: "site-1", intervalMs: 300 },
      { tenant, device: `${tenant}-door`, token: "tok-door", profile: "door", intervalMs: 300 },
      { tenant, device: `${tenant}-van`, token: "tok-van", profile: "gps", intervalMs: 300 },
    ];
    await using sub = await subscribe(MOSQUITTO, tenant);
    const started = performance.now();
    const stats = await runFor(3_000, { devices, transport: "mqtt", mqttUrl: MOSQUITTO, heartbeatMs: 1_000, outageRate: 0 });
    const elapsed = performance.now() - started;
    await until("every acknowledged message to arrive", () => sub.got.length >= stats.acked);

    expect(stats).toMatchObject({ transport: "mqtt", refused: 0, failed: 0, unsent: 0, outages: 0, reasons: {} });
    expect(stats.acked).toBe(stats.sent);
    expect(stats.devices).toMatchObject({ total: 3, online: 3, stopped: 0 });
    expect(sub.got.length).toBe(stats.sent);
    expect(sub.got.filter((m) => m.kind === "heartbeat").length).toBe(stats.heartbeats);
    for (const d of devices) {
      const telemetry = byDevice(sub.got, d.device);
      const metricNames = metricsOf(d.profile);
      expect(telemetry.length).toBeGreaterThanOrEqual(3);
      // Paced, never bursting: no more than its schedule allows, spaced about one interval apart.
      expect(telemetry.length).toBeLessThanOrEqual(Math.floor(elapsed / 300) + 1);
      const sentAt = telemetry.map((m) => m.envelope.ts!.getTime());
      expect(median(sentAt.slice(1).map((t, i) => t - sentAt[i]!))).toBeGreaterThanOrEqual(270);
      expect(telemetry.map((m) => m.envelope.seq)).toEqual(telemetry.map((_, i) => i));
      for (const m of telemetry) {
        expect(Object.keys(m.envelope.metrics).sort()).toEqual(metricNames);
        expect(m.envelope.token).toBe(d.token); // the bridge's ingest checks the payload's provision_token
        expect(m.envelope.siteId).toBe(d.siteId ?? null);
      }
      // A heartbeat when it comes online, then every heartbeatMs.
      const beats = byDevice(sub.got, d.device, "heartbeat");
      expect(beats.length).toBeGreaterThanOrEqual(2);
      expect(beats[0]!.envelope.ts!.getTime()).toBeLessThanOrEqual(sentAt[0]!);
      expect(beats[0]!.body.metrics).toBeUndefined();
    }
    const van = byDevice(sub.got, `${tenant}-van`);
    expect(van.every((m) => m.envelope.lat === m.envelope.metrics.lat && m.envelope.lng === m.envelope.metrics.lon)).toBe(true);
  });

  test("a fleet starts spread over one interval, not on the same tick", async () => {
    const tenant = uniqueTenant();
    const devices = Array.from({ length: 20 }, (_, i): SimulatedDevice => ({ tenant, device: `${tenant}-s${i}`, token: "t", profile: "energy", intervalMs: 2_000 }));
    await using sub = await subscribe(MOSQUITTO, tenant);
    const stats = await runFor(2_500, { devices, transport: "mqtt", mqttUrl: MOSQUITTO, heartbeatMs: 60_000, outageRate: 0 });
    await until("every acknowledged message to arrive", () => sub.got.length >= stats.acked);
    const firsts = devices.map((d) => byDevice(sub.got, d.device)[0]?.envelope.ts?.getTime() ?? NaN);
    expect(firsts.every(Number.isFinite)).toBe(true);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(500); // 20 starts, uniform over 2 s
  });

  test("with the broker unreachable, devices wait (down) and send nothing, without stopping", async () => {
    const tenant = uniqueTenant();
    const url = `mqtt://127.0.0.1:${await freePort()}`;
    const devices = [1, 2].map((i): SimulatedDevice => ({ tenant, device: `${tenant}-d${i}`, token: "t", profile: "vibration", intervalMs: 200 }));
    const stats = await runFor(1_500, { devices, transport: "mqtt", mqttUrl: url, outageRate: 0 });
    expect(stats).toMatchObject({ sent: 0, acked: 0, refused: 0, devices: { total: 2, down: 2, stopped: 0 } });
    expect(stats.unsent).toBeGreaterThan(0);
  });
});

describe("runFleet over MQTT (aedes, checking credentials)", () => {
  test("a device whose token is refused is reported once and stops; the others carry on", async () => {
    const tenant = uniqueTenant();
    const good = [1, 2].map((i): SimulatedDevice => ({ tenant, device: `${tenant}-ok${i}`, token: `tok-${i}`, profile: "hvac", intervalMs: 250 }));
    const bad: SimulatedDevice = { tenant, device: `${tenant}-bad`, token: "stolen", profile: "hvac", intervalMs: 250 };
    await using broker = await aedesBroker(new Map([...good, { ...bad, token: "the-real-one" }].map((d) => [`${d.tenant}/${d.device}`, d.token])));
    const { log, warnings } = capture();
    // Long enough for a device that kept retrying to have reconnected (every 2–4 s).
    const stats = await runFor(4_500, { devices: [...good, bad], transport: "mqtt", mqttUrl: broker.url, log, heartbeatMs: 1_000, outageRate: 0 });

    expect(broker.attempts.filter((a) => a.clientId === bad.device)).toEqual([{ clientId: bad.device, username: `${tenant}/${bad.device}` }]);
    expect(stats.refused).toBe(1);
    expect(stats.reasons).toEqual({ "mqtt connack 4 (Bad username or password)": 1 });
    expect(stats.devices).toMatchObject({ total: 3, stopped: 1, online: 2 });
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ msg: "device refused; it stops sending", tenant, device: bad.device, reason: "mqtt connack 4" });
    expect(JSON.stringify(warnings())).not.toContain("stolen");
    for (const d of good) expect(byDevice(broker.published, d.device).length).toBeGreaterThanOrEqual(5);
    expect(byDevice(broker.published, bad.device, "heartbeat")).toHaveLength(0);
    expect(stats.acked).toBe(stats.sent);
  });

  test("outages: devices disconnect for minutes of simulated time, then reconnect and announce themselves", async () => {
    const tenant = uniqueTenant();
    const devices = [1, 2, 3, 4].map((i): SimulatedDevice => ({ tenant, device: `${tenant}-o${i}`, token: `tok-${i}`, profile: "temperature" }));
    await using broker = await aedesBroker(new Map(devices.map((d) => [`${d.tenant}/${d.device}`, d.token])));
    // At 600x a 60 s interval is 100 ms and an outage (2–20 min) 0.2–2 s; half the fleet is out at any time.
    const stats = await runFor(6_000, { devices, transport: "mqtt", mqttUrl: broker.url, speed: 600, outageRate: 0.5 });

    expect(stats.outages).toBeGreaterThan(0);
    expect(stats.acked).toBe(stats.sent);
    let comebacks = 0;
    for (const d of devices) {
      const msgs = broker.published.filter((m) => m.device === d.device);
      for (let i = 1; i < msgs.length; i++) {
        const gap = msgs[i]!.envelope.ts!.getTime() - msgs[i - 1]!.envelope.ts!.getTime();
        if (gap < 180) continue;
        comebacks++;
        expect(msgs[i]!.kind).toBe("heartbeat"); // back online: it announces itself first
      }
      // Each comeback is a new connection.
      expect(broker.connects.get(d.device) ?? 0).toBeGreaterThanOrEqual(1);
    }
    expect(comebacks).toBeGreaterThan(0);
    const reconnects = [...broker.connects.values()].reduce((a, b) => a + b, 0) - broker.connects.size;
    expect(reconnects).toBeGreaterThanOrEqual(comebacks);
  });
});

describePg("runFleet into the platform", () => {
  describeNats("Mosquitto → pulse bridge → pulse ingest → PostgreSQL", () => {
    test("everything the simulated devices send is accepted and stored, with its metrics", async () => {
      await using broker = await startMosquitto();
      await using db = await testDb();
      await using t = await testBus();
      const tenant = "acme";
      const devices: SimulatedDevice[] = [];
      for (const [i, profile] of ["temperature", "door", "energy", "hvac", "gps", "vibration"].entries()) {
        const device = `sim-${profile}`;
        const siteId = i % 2 === 0 ? "site-1" : undefined;
        devices.push({ tenant, device, profile, siteId, token: await addDevice(db.sql, { tenant, device, siteId }), intervalMs: 200 });
      }
      const bridge = startBridge({ mqttUrl: broker.url, natsUrl: t.url, natsPrefix: t.prefix });
      const ingest = startIngest({ databaseUrl: db.url, natsUrl: t.url, natsPrefix: t.prefix });
      let stats: FleetStats;
      try {
        await Bun.sleep(500); // the bridge's subscriptions in place
        stats = await runFor(2_000, { devices, transport: "mqtt", mqttUrl: broker.url, heartbeatMs: 1_000, outageRate: 0 });
        expect(stats.acked).toBe(stats.sent);
        expect(await waitForOutcome(db.sql, stats.acked)).toEqual({ stored: stats.acked, quarantined: 0 });
      } finally {
        await bridge.stop();
        await ingest.stop();
      }
      const rows = await asWorker(db.sql, (tx) => tx<{ deviceId: string; msgType: string; metrics: Record<string, unknown> }[]>`
        select device_id, msg_type, metrics from telemetry order by time`);
      for (const d of devices) {
        const stored = rows.filter((r) => r.deviceId === d.device);
        expect(stored.filter((r) => r.msgType === "heartbeat").length).toBeGreaterThanOrEqual(1);
        const telemetry = stored.filter((r) => r.msgType === "telemetry");
        expect(telemetry.length).toBeGreaterThanOrEqual(3);
        expect(Object.keys(telemetry[0]!.metrics).sort()).toEqual(metricsOf(d.profile));
      }
      expect(rows.length).toBe(stats.acked);
    });
  });
});

describe("runFleet over HTTP", () => {
  /** A stand-in for Pulse's HTTP ingest: checks the route, the token and the envelope, like `serve` does. */
  function receiver(tokens: Map<string, string>, o: { delayMs?: number; answer?: (m: Received, n: number) => Response | null } = {}) {
    const got: Received[] = [];
    const requests = new Map<string, number>();
    const state = { inFlight: 0, maxInFlight: 0, connectionHeaders: new Set<string | null>() };
    return {
      got,
      requests,
      state,
      async fetch(req: Request): Promise<Response> {
        const m = /^\/ingest\/v1\/tenant\/([^/]+)\/device\/([^/]+)\/(telemetry|heartbeat)$/.exec(new URL(req.url).pathname);
        if (req.method !== "POST" || !m) return new Response("not found", { status: 404 });
        const [, tenant, device, kind] = m as unknown as [string, string, string, string];
        state.connectionHeaders.add(req.headers.get("connection"));
        const n = (requests.get(device) ?? 0) + 1;
        requests.set(device, n);
        state.inFlight++;
        state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
        try {
          if (o.delayMs) await Bun.sleep(o.delayMs);
          if (tokens.get(`${tenant}/${device}`) !== req.headers.get("x-provision-token")) {
            return Response.json({ code: "INVALID_CREDENTIAL", detail: "the device credential is missing or not valid for this device" }, { status: 401 });
          }
          const r = parse(tenant, device, kind, await req.text());
          const special = o.answer?.(r, n);
          if (special) return special;
          got.push(r);
          return Response.json({ accepted: true }, { status: 202 });
        } finally {
          state.inFlight--;
        }
      },
    };
  }

  test("posts paced envelopes with X-Provision-Token through a bounded keep-alive pool; a 401 device is reported once and stops", async () => {
    const tenant = uniqueTenant();
    const good = Array.from({ length: 6 }, (_, i): SimulatedDevice => ({ tenant, device: `${tenant}-h${i}`, token: `tok-${i}`, profile: "door", intervalMs: 100 }));
    const bad: SimulatedDevice = { tenant, device: `${tenant}-bad`, token: "wrong", profile: "door", intervalMs: 100 };
    const rx = receiver(new Map(good.map((d) => [`${d.tenant}/${d.device}`, d.token])), { delayMs: 40 });
    await using server = Bun.serve({ hostname: "127.0.0.1", port: await freePort(), fetch: rx.fetch });
    const { log, warnings } = capture();
    const progress: FleetProgress[] = [];
    const stats = await runFor(2_500, {
      devices: [...good, bad], transport: "http", httpUrl: `http://127.0.0.1:${server.port}/`, httpConcurrency: 2, heartbeatMs: 500, outageRate: 0, log,
      statsMs: 500, onStats: (p) => progress.push(p),
    });

    expect(rx.requests.get(bad.device)).toBe(1);
    expect(stats).toMatchObject({ transport: "http", refused: 1, failed: 0, reasons: { "http 401": 1 }, devices: { total: 7, stopped: 1 } });
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ device: bad.device, reason: "http 401", detail: "INVALID_CREDENTIAL: the device credential is missing or not valid for this device" });
    expect(stats.acked).toBe(rx.got.length);
    expect(stats.sent).toBe(stats.acked + stats.refused);
    // Six devices at 10 messages a second against a 40 ms server want about 3 requests at once: the pool allows 2.
    expect(rx.state.maxInFlight).toBe(2);
    expect([...rx.state.connectionHeaders]).toEqual(["keep-alive"]);
    // Progress every statsMs: running totals and the rates since the previous report.
    expect(progress.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < progress.length; i++) {
      const [a, b] = [progress[i - 1]!, progress[i]!];
      expect(b.sent).toBeGreaterThanOrEqual(a.sent);
      expect(b.perSecond.acked).toBeCloseTo((b.acked - a.acked) / (b.seconds - a.seconds), 0);
    }
    expect(progress.at(-1)!.perSecond.sent).toBeGreaterThan(0);
    for (const d of good) {
      const telemetry = byDevice(rx.got, d.device);
      expect(telemetry.length).toBeGreaterThanOrEqual(3);
      expect(telemetry.map((m) => m.envelope.seq)).toEqual(telemetry.map((_, i) => i));
      expect(typeof telemetry[0]!.envelope.metrics.door_open).toBe("boolean");
      expect(telemetry[0]!.envelope.token).toBeNull(); // over HTTP the token travels in the header only
      expect(byDevice(rx.got, d.device, "heartbeat").length).toBeGreaterThanOrEqual(1);
    }
  });

  test("429 is retried with the same message after Retry-After; the schedule does not burst to catch up", async () => {
    const tenant = uniqueTenant();
    const d: SimulatedDevice = { tenant, device: `${tenant}-meter`, token: "tok", profile: "energy", intervalMs: 1_000 };
    const limited: Received[] = [];
    const rx = receiver(new Map([[`${tenant}/${d.device}`, d.token]]), {
      answer: (m) => {
        if (m.kind !== "telemetry" || limited.length > 0) return null;
        limited.push(m);
        return Response.json({ code: "RATE_LIMITED", detail: "the device rate limit is exceeded" }, { status: 429, headers: { "retry-after": "1" } });
      },
    });
    await using server = Bun.serve({ hostname: "127.0.0.1", port: await freePort(), fetch: rx.fetch });
    const stats = await runFor(2_500, { devices: [d], transport: "http", httpUrl: `http://127.0.0.1:${server.port}`, heartbeatMs: 60_000, outageRate: 0, speed: 4 });

    expect(stats).toMatchObject({ refused: 1, reasons: { "http 429": 1 }, devices: { stopped: 0 } });
    const telemetry = byDevice(rx.got, d.device);
    expect(telemetry[0]!.raw).toBe(limited[0]!.raw); // the same message, resent
    expect(telemetry[0]!.at - limited[0]!.at).toBeGreaterThanOrEqual(990);
    // At 4x the interval is 250 ms: the four readings missed while waiting are skipped, not sent in a burst.
    expect(telemetry.length).toBeGreaterThanOrEqual(2);
    expect(telemetry[1]!.at - telemetry[0]!.at).toBeGreaterThanOrEqual(200);
    expect(telemetry.map((m) => m.envelope.seq)).toEqual(telemetry.map((_, i) => i));
  });
});

describe("runFleet options", () => {
  test("bad options are refused naming the field", async () => {
    const signal = new AbortController().signal;
    const log = capture().log;
    const d: SimulatedDevice = { tenant: "acme", device: "d1", token: "t", profile: "temperature" };
    const refusal = (o: Partial<FleetOptions>) => runFleet({ devices: [d], transport: "mqtt", mqttUrl: MOSQUITTO, signal, log, ...o }).then(() => "ran", (e: PulseError) => e.message);
    expect(await refusal({ devices: [{ ...d, profile: "toaster" }] })).toBe('devices[0].profile: unknown profile "toaster"');
    expect(await refusal({ mqttUrl: undefined })).toBe("mqttUrl is required for the mqtt transport");
    expect(await refusal({ speed: 0 })).toBe("speed must be a number above 0");
    expect(await refusal({ outageRate: 2 })).toBe("outageRate must be from 0 to 1");
    expect(await refusal({ devices: [d, { ...d, tenant: "globex" }] })).toBe("devices[1]: device d1 appears twice (its id is its MQTT client id)");
    expect(await refusal({ devices: [] })).toBe("devices: the fleet has no devices");
  });
});
