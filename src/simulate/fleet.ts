/**
 * The engine of `pulse simulate`: a fleet of simulated devices, each sending its profile's
 * readings and heartbeats like a real one would, over MQTT (one connection per device, QoS 1)
 * or HTTP ingest (a small keep-alive pool with bounded concurrency).
 *
 * - Pacing: every device keeps its own schedule, started at a random offset within its interval
 *   so a large fleet spreads evenly; a device that falls behind skips ahead rather than bursting.
 * - Time: `speed` runs the simulated clock (profiles, intervals, heartbeats, outages) faster than
 *   real time. Each message's `ts` is the real send time, so ingest accepts it.
 * - Outages: at any moment about `outageRate` of the devices are offline for 2–20 simulated
 *   minutes (disconnected, sending nothing), then come back and announce themselves.
 * - Refusals: a device whose credentials are refused (MQTT CONNACK, HTTP 401/403/404) is reported
 *   once and stops; HTTP 429 and 5xx are retried after Retry-After (or a backoff).
 * Each device's randomness (start offset, outages, readings) is seeded by its tenant/device key.
 */
import mqtt, { type MqttClient } from "mqtt";
import { z } from "zod";
import { PulseError } from "../platform/errors";
import type { Logger } from "../platform/log";
import { exponential, PROFILES, seededRng, type Metrics, type ProfileName, type Rng, type SimState } from "./profiles";

export const MqttUrl = z.url({ protocol: /^(mqtts?|wss?)$/, error: "expected a URL like mqtt://127.0.0.1:1883" });
export const HttpUrl = z.url({ protocol: /^https?$/, error: "expected a URL like http://127.0.0.1:8080" });

export interface SimulatedDevice {
  tenant: string;
  device: string;
  /** The device's provision token: MQTT password, X-Provision-Token over HTTP. */
  token: string;
  profile: string;
  siteId?: string;
  /** Time between telemetry messages (simulated ms); the profile's default when absent. */
  intervalMs?: number;
  /** Random excursions per simulated day (default 1; 0 for none). */
  excursionsPerDay?: number;
}

export type Transport = "mqtt" | "http";

export interface FleetOptions {
  devices: readonly SimulatedDevice[];
  transport: Transport;
  mqttUrl?: string;
  httpUrl?: string;
  /** Simulated time runs this many times faster than real time (default 1). */
  speed?: number;
  /** Time between heartbeats (simulated ms, default 60000). */
  heartbeatMs?: number;
  /** Fraction of the fleet offline at any moment (default 0.02). */
  outageRate?: number;
  /** HTTP requests in flight at most (default 16). */
  httpConcurrency?: number;
  /** Real ms between `onStats` calls (default 10000). */
  statsMs?: number;
  signal: AbortSignal;
  log: Logger;
  onStats?: (s: FleetProgress) => void;
}

/** starting: connecting; down: connection lost, retrying; outage: offline on purpose; stopped: refused. */
export type DeviceStatus = "starting" | "online" | "down" | "outage" | "stopped";

export interface FleetStats {
  transport: Transport;
  /** Real seconds since the start. */
  seconds: number;
  /** Devices by what they are doing now. */
  devices: { total: number } & Record<DeviceStatus, number>;
  /** Messages handed to the transport (telemetry and heartbeats; an HTTP retry counts again). */
  sent: number;
  heartbeats: number;
  /** MQTT PUBACKs, HTTP 2xx. */
  acked: number;
  /** HTTP answers other than 2xx, and MQTT connections refused in their CONNACK. */
  refused: number;
  /** Messages that got no answer: the connection failed or the request timed out. */
  failed: number;
  /** Samples not sent because the device's connection was down (outside outages). */
  unsent: number;
  /** Outages begun. */
  outages: number;
  /** Count of each refusal and failure, e.g. "http 429", "mqtt connack 4 (Bad username or password)". */
  reasons: Record<string, number>;
}

/** `onStats`: the totals and the rates over the last period. */
export interface FleetProgress extends FleetStats {
  perSecond: { sent: number; acked: number; refused: number };
}

interface Device extends SimulatedDevice {
  profile: ProfileName;
  intervalMs: number;
  status: DeviceStatus;
  /** Fleet-level randomness: start offset, outages, backoff jitter. */
  rng: Rng;
  sim: SimState;
  seq: number;
  log: Logger;
}

/** The connection of one device. */
interface Link {
  /** Starts connecting; false when the device's credentials were refused (it is stopped). */
  open(): Promise<boolean>;
  send(kind: "telemetry" | "heartbeat", body: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

type Counters = Omit<FleetStats, "transport" | "seconds" | "devices">;

interface Fleet {
  o: FleetOptions;
  speed: number;
  heartbeatMs: number;
  outageRate: number;
  counts: Counters;
  gate: Gate;
  /** Simulated now (epoch ms). */
  now(): number;
}

const OUTAGE_MIN_MS = 2 * 60_000;
const OUTAGE_MAX_MS = 20 * 60_000;
const HTTP_TIMEOUT_MS = 10_000;
const HTTP_ATTEMPTS = 3;
const MQTT_CLOSE_GRACE_MS = 5_000;
/** CONNACK codes after which reconnecting cannot help; 3 (server unavailable) is retried. */
const MQTT_PERMANENT = new Set([1, 2, 4, 5]);

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** At most `limit` holders at once; the others wait in order. */
class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function check(o: FleetOptions): void {
  const bad = (message: string) => new PulseError("BAD_REQUEST", message);
  if (o.devices.length === 0) throw bad("devices: the fleet has no devices");
  const url = o.transport === "mqtt" ? o.mqttUrl : o.httpUrl;
  if (!url) throw bad(`${o.transport}Url is required for the ${o.transport} transport`);
  const urlCheck = (o.transport === "mqtt" ? MqttUrl : HttpUrl).safeParse(url);
  if (!urlCheck.success) throw bad(`${o.transport}Url: ${urlCheck.error.issues[0]?.message}`);
  if (o.speed !== undefined && !(Number.isFinite(o.speed) && o.speed > 0)) throw bad("speed must be a number above 0");
  if (o.heartbeatMs !== undefined && !(Number.isFinite(o.heartbeatMs) && o.heartbeatMs > 0)) throw bad("heartbeatMs must be a number above 0");
  if (o.outageRate !== undefined && !(o.outageRate >= 0 && o.outageRate <= 1)) throw bad("outageRate must be from 0 to 1");
  if (o.httpConcurrency !== undefined && !(Number.isInteger(o.httpConcurrency) && o.httpConcurrency > 0)) throw bad("httpConcurrency must be a whole number above 0");
  const keys = new Set<string>();
  for (const [i, d] of o.devices.entries()) {
    if (!Object.hasOwn(PROFILES, d.profile)) throw bad(`devices[${i}].profile: unknown profile ${JSON.stringify(d.profile)}`);
    if (d.intervalMs !== undefined && !(Number.isFinite(d.intervalMs) && d.intervalMs > 0)) throw bad(`devices[${i}].intervalMs must be above 0`);
    // MQTT client ids are device ids, so a device id may connect only once.
    const key = o.transport === "mqtt" ? d.device : `${d.tenant}/${d.device}`;
    if (keys.has(key)) throw bad(`devices[${i}]: device ${key} appears twice${o.transport === "mqtt" ? " (its id is its MQTT client id)" : ""}`);
    keys.add(key);
  }
}

function snapshot(f: Fleet, devices: readonly Device[], started: number): FleetStats {
  const states = { total: devices.length, starting: 0, online: 0, down: 0, outage: 0, stopped: 0 };
  for (const d of devices) states[d.status]++;
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  return { transport: f.o.transport, seconds, devices: states, ...f.counts, reasons: { ...f.counts.reasons } };
}

function counted(f: Fleet, kind: "telemetry" | "heartbeat"): void {
  f.counts.sent++;
  if (kind === "heartbeat") f.counts.heartbeats++;
}

const tally = (f: Fleet, reason: string) => void (f.counts.reasons[reason] = (f.counts.reasons[reason] ?? 0) + 1);

function note(f: Fleet, kind: "refused" | "failed", reason: string): void {
  f.counts[kind]++;
  tally(f, reason);
}

// A function, not an inline test: a send can stop the device, which TypeScript cannot see.
const stopped = (d: Device) => d.status === "stopped";

/** A refusal retrying cannot cure: reported once, and the device stops. */
function stop(d: Device, reason: string, detail?: string): void {
  if (d.status === "stopped") return;
  d.status = "stopped";
  d.log.warn("device refused; it stops sending", { reason, detail });
}

function payload(d: Device, metrics: Metrics | null): Record<string, unknown> {
  const body: Record<string, unknown> = { ts: new Date().toISOString() };
  if (d.siteId) body.site_id = d.siteId;
  if (metrics) {
    body.seq = d.seq++;
    body.metrics = metrics;
    // A tracker's position also goes where the platform reads a device's location from.
    if (typeof metrics.lat === "number" && typeof metrics.lon === "number") Object.assign(body, { lat: metrics.lat, lng: metrics.lon });
  }
  return body;
}

function mqttLink(f: Fleet, d: Device): Link {
  let client: MqttClient | null = null;
  const topic = (kind: string) => `tenant/${d.tenant}/device/${d.device}/${kind}`;
  return {
    open() {
      const c = mqtt.connect(f.o.mqttUrl!, {
        clientId: d.device,
        username: `${d.tenant}/${d.device}`,
        password: d.token,
        protocolVersion: 4, // aedes, the embedded broker, speaks MQTT 3.1.1 only
        clean: true,
        keepalive: 60,
        connectTimeout: 10_000,
        reconnectPeriod: 2_000 + Math.floor(d.rng() * 2_000),
        reconnectOnConnackError: true, // for code 3; the permanent codes end the client below
      });
      client = c;
      c.on("connect", () => {
        if (d.status !== "stopped") d.status = "online";
      });
      c.on("offline", () => {
        if (d.status === "online" || d.status === "starting") d.status = "down";
      });
      c.on("error", (err: Error & { code?: unknown }) => {
        if (typeof err.code === "number") {
          note(f, "refused", `mqtt connack ${err.code} (${err.message.replace(/^Connection refused: /, "")})`);
          if (MQTT_PERMANENT.has(err.code)) {
            stop(d, `mqtt connack ${err.code}`, err.message);
            c.end(true);
          }
        } else {
          tally(f, `mqtt ${err.message}`);
          d.log.debug("mqtt connection error", { err });
        }
      });
      // Ready once the first attempt is decided; a failed one keeps retrying in the background.
      return new Promise<boolean>((resolve) => {
        const decided = () => setImmediate(() => resolve(d.status !== "stopped"));
        c.once("connect", decided);
        c.once("close", decided);
      });
    },
    async send(kind, body) {
      if (!client?.connected) {
        f.counts.unsent++;
        return;
      }
      counted(f, kind);
      client.publish(topic(kind), JSON.stringify({ ...body, provision_token: d.token }), { qos: 1 }, (err) => {
        if (err) note(f, "failed", `mqtt publish: ${err.message}`);
        else f.counts.acked++;
      });
    },
    async close() {
      const c = client;
      client = null;
      if (!c) return;
      // Waits for the PUBACKs still owed, but not for a broker that is gone.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = await Promise.race([
        c.endAsync(false).then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), MQTT_CLOSE_GRACE_MS))),
      ]);
      clearTimeout(timer);
      if (late) await c.endAsync(true);
    },
  };
}

/** The problem+json `code` and `detail` of a refusal, for the log. */
async function refusalDetail(res: Response): Promise<string | undefined> {
  try {
    const body = (await res.json()) as { code?: unknown; detail?: unknown };
    return [body.code, body.detail].filter((x) => typeof x === "string").join(": ") || undefined;
  } catch {
    return undefined;
  }
}

function httpLink(f: Fleet, d: Device): Link {
  const base = f.o.httpUrl!.replace(/\/+$/, "");
  const reported = new Set<number>();
  const post = (kind: string, body: string) =>
    f.gate.run(async () => {
      // Bun's fetch keeps connections alive and reuses them; the gate bounds how many are busy.
      const res = await fetch(`${base}/ingest/v1/tenant/${encodeURIComponent(d.tenant)}/device/${encodeURIComponent(d.device)}/${kind}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-provision-token": d.token },
        body,
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      const detail = res.ok ? undefined : await refusalDetail(res);
      if (res.ok) await res.arrayBuffer(); // read to the end, so the connection goes back to the pool
      return { status: res.status, retryAfter: Number(res.headers.get("retry-after")), detail };
    });
  return {
    async open() {
      d.status = "online";
      return true;
    },
    async send(kind, message) {
      const body = JSON.stringify(message);
      for (let attempt = 1; attempt <= HTTP_ATTEMPTS && !f.o.signal.aborted; attempt++) {
        counted(f, kind);
        let wait: number;
        try {
          const r = await post(kind, body);
          if (d.status === "down") d.status = "online";
          if (r.status >= 200 && r.status < 300) {
            f.counts.acked++;
            return;
          }
          note(f, "refused", `http ${r.status}`);
          if (r.status === 401 || r.status === 403 || r.status === 404) return stop(d, `http ${r.status}`, r.detail);
          if (r.status !== 429 && r.status < 500) {
            // The message itself is at fault (400, 413): said once per device and status, not retried.
            if (!reported.has(r.status)) d.log.warn("message refused", { kind, status: r.status, detail: r.detail });
            reported.add(r.status);
            return;
          }
          wait = r.retryAfter > 0 ? r.retryAfter * 1000 : 1000 * 2 ** (attempt - 1);
        } catch (err) {
          note(f, "failed", `http ${(err as Error).name === "TimeoutError" ? "timeout" : ((err as { code?: string }).code ?? (err as Error).message)}`);
          if (d.status === "online") d.status = "down";
          d.log.debug("http request failed", { err });
          wait = 1000 * 2 ** (attempt - 1) * (0.5 + d.rng());
        }
        if (attempt < HTTP_ATTEMPTS) await pause(wait, f.o.signal);
      }
    },
    async close() {},
  };
}

/** The next step of a schedule: `step` after `prev`, or after now when it fell behind (no catching up in a burst). */
const advance = (prev: number, step: number, now: number) => (prev + step > now ? prev + step : now + step);

const outageLength = (d: Device) => OUTAGE_MIN_MS + (OUTAGE_MAX_MS - OUTAGE_MIN_MS) * d.rng();

function nextOutage(f: Fleet, d: Device, from: number): { start: number; end: number } {
  if (f.outageRate <= 0) return { start: Infinity, end: Infinity };
  // The mean time online between outages that keeps `outageRate` of the time offline.
  const meanOutage = (OUTAGE_MIN_MS + OUTAGE_MAX_MS) / 2;
  const start = from + exponential(d.rng, (meanOutage * (1 - f.outageRate)) / f.outageRate);
  return { start, end: start + outageLength(d) };
}

/** The fleet starts in its steady state: some devices are in the middle of an outage. */
function firstOutage(f: Fleet, d: Device, now: number): { start: number; end: number } {
  return d.rng() < f.outageRate ? { start: now, end: now + outageLength(d) * d.rng() } : nextOutage(f, d, now);
}

async function runDevice(f: Fleet, d: Device): Promise<void> {
  const { signal } = f.o;
  const real = (simMs: number) => simMs / f.speed;
  const until = (simTime: number) => pause(real(simTime - f.now()), signal);
  await pause(real(d.intervalMs * d.rng()), signal);
  const link = f.o.transport === "mqtt" ? mqttLink(f, d) : httpLink(f, d);
  let connected = false;
  let outage = firstOutage(f, d, f.now());
  let nextSample = 0;
  let nextBeat = 0;
  try {
    while (!signal.aborted && !stopped(d)) {
      const now = f.now();
      if (now >= outage.start) {
        f.counts.outages++;
        d.status = "outage";
        d.log.debug("outage begins", { simulatedMinutes: Math.round((outage.end - now) / 60_000) });
        if (connected) await link.close();
        connected = false;
        await until(outage.end);
        outage = nextOutage(f, d, outage.end);
        continue;
      }
      if (!connected) {
        d.status = "starting";
        if (!(await link.open())) break;
        connected = true;
        nextSample = nextBeat = f.now(); // (back) online: a heartbeat and a reading at once
        continue;
      }
      const due = Math.min(nextSample, nextBeat, outage.start);
      if (due > now) {
        await until(due);
        continue;
      }
      if (now >= nextBeat) {
        await link.send("heartbeat", payload(d, null));
        nextBeat = advance(nextBeat, f.heartbeatMs, f.now());
      }
      if (now >= nextSample && !stopped(d)) {
        await link.send("telemetry", payload(d, PROFILES[d.profile].sample(d.sim, now)));
        nextSample = advance(nextSample, d.intervalMs, f.now());
      }
    }
  } finally {
    if (connected) await link.close();
  }
}

/** Runs the fleet until `signal` aborts (or every device has stopped) and returns the totals. */
export async function runFleet(o: FleetOptions): Promise<FleetStats> {
  check(o);
  const started = performance.now();
  const t0 = Date.now();
  const speed = o.speed ?? 1;
  const f: Fleet = {
    o,
    speed,
    heartbeatMs: o.heartbeatMs ?? 60_000,
    outageRate: o.outageRate ?? 0.02,
    counts: { sent: 0, heartbeats: 0, acked: 0, refused: 0, failed: 0, unsent: 0, outages: 0, reasons: {} },
    gate: new Gate(o.httpConcurrency ?? 16),
    now: () => t0 + (Date.now() - t0) * speed,
  };
  const devices: Device[] = o.devices.map((sd) => {
    const profile = sd.profile as ProfileName;
    const key = `${sd.tenant}/${sd.device}`;
    return {
      ...sd,
      profile,
      intervalMs: sd.intervalMs ?? PROFILES[profile].intervalMs,
      status: "starting",
      rng: seededRng(`${key}#fleet`),
      sim: PROFILES[profile].init(key, t0, sd.excursionsPerDay === undefined ? {} : { excursionsPerDay: sd.excursionsPerDay }),
      seq: 0,
      log: o.log.with({ tenant: sd.tenant, device: sd.device }),
    };
  });
  let previous = snapshot(f, devices, started);
  const statsMs = o.statsMs ?? 10_000;
  const ticker = setInterval(() => {
    const s = snapshot(f, devices, started);
    const per = (k: "sent" | "acked" | "refused") => Math.round(((s[k] - previous[k]) / (s.seconds - previous.seconds || 1)) * 10) / 10;
    o.onStats?.({ ...s, perSecond: { sent: per("sent"), acked: per("acked"), refused: per("refused") } });
    previous = s;
  }, statsMs);
  try {
    await Promise.all(devices.map((d) => runDevice(f, d)));
  } finally {
    clearInterval(ticker);
  }
  return snapshot(f, devices, started);
}
