/**
 * `bun run bench:ingest [--path http|mqtt|bus|all] [--messages N] [--devices N] [--rate N] [--batch N] [--via direct|appliance]`
 *
 * The whole pipeline on this machine, every part its own process as in production: simulated
 * devices → `pulse serve` (HTTP) or Mosquitto + `pulse bridge` (MQTT) → NATS JetStream →
 * `pulse ingest` → PostgreSQL. Private NATS, Mosquitto and PostgreSQL instances (PostgreSQL
 * with fsync on and track_commit_timestamp, so each row's commit time is known exactly).
 *
 * Each payload carries its send time as `ts`; latency is commit time minus send time, per row.
 * A run at full speed is followed by one at half that rate (the latency target applies there).
 * Then the same rows are COPY'd into the same table: the ceiling the pipeline is compared with.
 * `--path bus` measures `pulse ingest` alone: the messages are put on the bus first (as the
 * edges would), then the worker is started and timed until the last row commits.
 * `--via appliance` runs the same load through the appliance's topology instead
 * (src/testing/appliance.ts: the compiled binary, 2 ingest processes by default
 * (`--ingest-replicas`), the database only through PgBouncer in transaction mode, HTTP over
 * HTTPS through Caddy, NATS with the shipped nats.conf, evaluate and deliver running too).
 * Prints one JSON line per run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { buildBinary } from "../build";
import { startAppliance } from "../../src/testing/appliance";
import { asWorker, connect, type Sql } from "../../src/platform/db";
import { loadMigrations, migrate } from "../../src/platform/migrate";
import { quietLog } from "../../src/testing/db";
import { telemetryCopy, type TelemetryRow } from "../../src/telemetry/queries";
import { tokenDigest } from "../../src/devices/service";
import { freePort, startMosquitto, startNats, startPostgres, type ManagedServer } from "../../src/testing/servers";
import { loadHttp, loadMqtt, type LoadResult, type SimDevice } from "../loadgen";
import { Bundler } from "../../src/platform/bus/bundler";
import { connectJetStream } from "../../src/platform/bus/jetstream";
import { encodeIngress, messageId, type IngressMeta } from "../../src/platform/subjects";

const { values: args } = parseArgs({
  options: {
    path: { type: "string", default: "all" },
    messages: { type: "string", default: "100000" },
    devices: { type: "string", default: "2000" },
    rate: { type: "string", default: "0" },
    batch: { type: "string", default: "1" },
    binary: { type: "string" },
    "bridge-connections": { type: "string", default: "1" },
    via: { type: "string", default: "direct" },
    "ingest-replicas": { type: "string", default: "2" },
  },
});
if (!["direct", "appliance"].includes(args.via!)) throw new Error(`--via ${args.via}: expected direct or appliance`);
if (args.via === "appliance" && args.path === "bus") throw new Error("--path bus measures one ingest process alone; with --via appliance use http, mqtt or all");
const N = Number(args.messages);
const DEVICES = Number(args.devices);
const ROOT = join(import.meta.dir, "../..");
const pulse = args.binary ? [args.binary] : [process.execPath, join(ROOT, "cmd/pulse.ts")];

async function registerDevices(sql: Sql): Promise<SimDevice[]> {
  const devices = Array.from({ length: DEVICES }, (_, i) => ({ tenant: "bench", device: `dev-${i}`, token: `pt_bench_${i}_${crypto.randomUUID()}`, siteId: "site-1" }));
  await asWorker(sql, async (tx) => {
    await tx`insert into tenants (tenant_id, name) values ('bench', 'Bench')`;
    await tx`insert into sites (tenant_id, site_id, name) values ('bench', 'site-1', 'Bench site')`;
    await tx`insert into device_registry (tenant_id, device_id, site_id) select 'bench', d, 'site-1' from unnest(${devices.map((d) => d.device)}::text[]) d`;
    await tx`insert into device_credentials (tenant_id, device_id, kind, token_hash, token_prefix)
             select 'bench', d, 'provision_token', decode(h, 'hex'), 'pt_bench'
             from unnest(${devices.map((d) => d.device)}::text[], ${devices.map((d) => tokenDigest(d.token))}::text[]) as x(d, h)`;
  });
  return devices;
}

function spawnRole(role: string, env: Record<string, string>) {
  return Bun.spawn([...pulse, role], { env: { PATH: "/usr/bin:/bin", PULSE_LOG_LEVEL: "warn", PULSE_LOG_FORMAT: "json", ...env }, stdout: "inherit", stderr: "inherit" });
}

async function waitStored(sql: Sql, n: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [r] = await asWorker(sql, (tx) => tx<{ n: number }[]>`select count(*)::int as n from telemetry`);
    if (r!.n >= n || Date.now() > deadline) return r!.n;
    await Bun.sleep(50);
  }
}

async function measure(sql: Sql, path: string, mode: string, load: LoadResult, rate: number) {
  await Bun.sleep(1_500); // let late duplicates (if any) land before counting
  const [r] = await asWorker(sql, (tx) => tx<{ stored: number; distinct: number; p50: number; p99: number; first: Date; last: Date }[]>`
    select count(*)::int as stored,
           count(distinct (device_id, seq))::int as distinct,
           percentile_cont(0.5) within group (order by extract(epoch from pg_xact_commit_timestamp(xmin) - time) * 1000) as p50,
           percentile_cont(0.99) within group (order by extract(epoch from pg_xact_commit_timestamp(xmin) - time) * 1000) as p99,
           min(time) as first, max(pg_xact_commit_timestamp(xmin)) as last
    from telemetry`);
  const seconds = (r!.last.getTime() - r!.first.getTime()) / 1000;
  return {
    bench: "ingest",
    path,
    mode,
    messages: N,
    target_rate: rate || "max",
    accepted: load.accepted,
    msgs_per_s: Math.round(r!.stored / seconds),
    p50_ms: Math.round(r!.p50),
    p99_ms: Math.round(r!.p99),
    lost: load.accepted - r!.distinct,
    duplicates: r!.stored - r!.distinct,
  };
}

/** COPY the stored rows back into the emptied table: the write ceiling on this machine. */
async function copyCeiling(sql: Sql): Promise<number> {
  const rows = await sql<TelemetryRow[]>`
    select time, tenant_id as tenant, device_id as device, site_id, msg_type, seq::int8 as seq, metrics, msg_id from telemetry`;
  const data = telemetryCopy(rows.map((r) => ({ ...r, seq: r.seq === null ? null : Number(r.seq) })));
  await sql`truncate telemetry`;
  const started = performance.now();
  const w = await sql.unsafe("copy telemetry (time, tenant_id, device_id, site_id, msg_type, seq, metrics, msg_id) from stdin").writable();
  await new Promise<void>((resolve, reject) => {
    w.on("error", reject);
    w.end(data, () => resolve());
  });
  return rows.length / ((performance.now() - started) / 1000);
}

/** Puts `n` device messages on the bus in bundles, as the edges would, without a device in sight. */
async function preload(natsUrl: string, prefix: string, devices: readonly SimDevice[], n: number): Promise<LoadResult> {
  const bus = await connectJetStream({ url: natsUrl, prefix, log: quietLog, name: "bench", storageBytes: 4 * 1024 ** 3 });
  const bundler = new Bundler(bus);
  const started = performance.now();
  const enc = new TextEncoder();
  for (let i = 0; i < n; i += 10_000) {
    await Promise.all(
      Array.from({ length: Math.min(10_000, n - i) }, (_, k) => {
        const d = devices[(i + k) % devices.length]!;
        const payload = enc.encode(JSON.stringify({ ts: new Date().toISOString(), site_id: d.siteId, seq: Math.floor((i + k) / devices.length), metrics: { temp_c: 21.5, humidity_pct: 40, door_open: false, rssi_dbm: -70 } }));
        const meta: IngressMeta = { v: 1, src: "http", tenant: d.tenant, device: d.device, type: "telemetry", at: Date.now(), id: messageId(d.tenant, d.device, "telemetry", payload), checked: true };
        return bundler.add("TELEMETRY", d.tenant, encodeIngress(meta, payload));
      }),
    );
  }
  await bus.close();
  return { sent: n, accepted: n, rejected: 0, seconds: (performance.now() - started) / 1000 };
}

async function run(path: "http" | "mqtt" | "bus", rate: number, stack: { pg: ManagedServer; nats: ManagedServer; mqtt: ManagedServer }) {
  const db = `bench_${path}_${Date.now()}`;
  const admin = connect({ url: stack.pg.url, appName: "bench", log: quietLog, max: 1 });
  await admin.unsafe(`create database ${db}`);
  await admin.end();
  const url = new URL(stack.pg.url);
  url.pathname = `/${db}`;
  const sql = connect({ url: url.toString(), appName: "bench", log: quietLog, max: 2 });
  await migrate(sql, loadMigrations(), { log: quietLog });
  const devices = await registerDevices(sql);
  const [httpPort, h1, h2] = await Promise.all([freePort(), freePort(), freePort()]);
  const env = { PULSE_DATABASE_URL: url.toString(), PULSE_NATS_URL: stack.nats.url, PULSE_NATS_PREFIX: db.replaceAll("_", "-"), PULSE_BUS_STORAGE_GIB: "4", PULSE_DEVICE_RATE: "0" };
  if (path === "bus") {
    const say = (msg: string) => console.error(`[bench bus] ${msg}`);
    say(`putting ${N} messages on the bus, then starting pulse ingest`);
    const load = await preload(stack.nats.url, env.PULSE_NATS_PREFIX, devices, N);
    const ingest = spawnRole("ingest", { ...env, PULSE_HEALTH_PORT: String(h1) });
    try {
      await waitStored(sql, N, 120_000);
      const result = await measure(sql, path, "ingest-only", load, 0);
      const [span] = await asWorker(sql, (tx) => tx<{ s: number }[]>`
        select extract(epoch from max(pg_xact_commit_timestamp(xmin)) - min(pg_xact_commit_timestamp(xmin))) as s from telemetry`);
      const ingestRate = Math.round(N / Number(span!.s));
      const ceiling = await copyCeiling(sql);
      return { ...result, msgs_per_s: ingestRate, p50_ms: null, p99_ms: null, copy_rows_per_s: Math.round(ceiling), share_of_copy: +(ingestRate / ceiling).toFixed(2) };
    } finally {
      ingest.kill("SIGTERM");
      await ingest.exited;
      await sql.end();
    }
  }
  const roles = [
    spawnRole("ingest", { ...env, PULSE_HEALTH_PORT: String(h1) }),
    path === "http" ? spawnRole("serve", { ...env, PULSE_HTTP_HOST: "127.0.0.1", PULSE_HTTP_PORT: String(httpPort) }) : spawnRole("bridge", { ...env, PULSE_MQTT_URL: stack.mqtt.url, PULSE_HEALTH_PORT: String(h2), PULSE_MQTT_CLIENT_ID: "bench-bridge", PULSE_BRIDGE_CONNECTIONS: args["bridge-connections"] }),
  ];
  try {
    await Bun.sleep(1_500);
    return await drive(path, rate, { sql, devices, httpUrl: `http://127.0.0.1:${httpPort}`, mqttUrl: stack.mqtt.url });
  } finally {
    for (const p of roles) p.kill("SIGTERM");
    await Promise.all(roles.map((p) => p.exited));
    await sql.end();
  }
}

/** Where devices send and where the rows are counted. */
interface Target {
  sql: Sql;
  devices: SimDevice[];
  httpUrl: string;
  /** the CA of an HTTPS endpoint */
  ca?: string;
  mqttUrl: string;
  /** messages stored so far in the TELEMETRY stream: one per bundle the edges published */
  busMessages?: () => Promise<number>;
}

/** The TELEMETRY stream's last sequence, from NATS's monitoring endpoint. */
async function telemetryStreamSeq(monitorUrl: string): Promise<number> {
  const jsz = (await (await fetch(`${monitorUrl}/jsz?accounts=true&streams=true`)).json()) as {
    account_details?: { stream_detail?: { name: string; state: { last_seq: number } }[] }[];
  };
  return (jsz.account_details ?? []).flatMap((a) => a.stream_detail ?? []).filter((s) => s.name.includes("TELEMETRY")).reduce((n, s) => n + s.state.last_seq, 0);
}

/** Warm-up, the measured load, the rows counted, then the COPY ceiling on the same rows. */
async function drive(path: "http" | "mqtt", rate: number, t: Target) {
  const say = (msg: string) => console.error(`[bench ${path}${rate ? ` @${rate}/s` : ""}] ${msg}`);
  const run = crypto.randomUUID().slice(0, 8);
  const http = (o: { messages: number; rate: number; concurrency: number; batch: number }) => loadHttp({ baseUrl: t.httpUrl, ca: t.ca, devices: t.devices, ...o });
  // Warm-up: one message per device fills the registry caches, as in a fleet that is running.
  // Counted in an empty table: the previous run's rows (COPY'd back by copyCeiling) would end the wait at once.
  await t.sql`truncate telemetry`;
  const warm = path === "http"
    ? await http({ messages: DEVICES, rate: 0, concurrency: 16, batch: 1 })
    : await loadMqtt({ url: t.mqttUrl, devices: t.devices, messages: DEVICES, rate: 0, connections: 4, inflight: 8, clientPrefix: `warm-${run}` });
  await waitStored(t.sql, warm.accepted, 60_000);
  await t.sql`truncate telemetry`;
  say(`sending ${N} messages from ${DEVICES} devices`);
  const busBefore = await t.busMessages?.();
  const load = path === "http" ? await http({ messages: N, rate, concurrency: 64, batch: Number(args.batch) }) : await loadMqtt({ url: t.mqttUrl, devices: t.devices, messages: N, rate, connections: 8, inflight: 32, clientPrefix: `bench-dev-${run}` });
  say(`sent in ${load.seconds.toFixed(1)} s (${load.accepted} accepted, ${load.rejected} refused); waiting for the rows`);
  const stored = await waitStored(t.sql, load.accepted, 120_000);
  say(`${stored} rows stored; measuring`);
  const result = await measure(t.sql, path, path === "http" ? (Number(args.batch) > 1 ? `batch-${args.batch}` : "single") : "qos1", load, rate);
  // Bus messages (bundles) per second: what a NATS that fsyncs every write must sync.
  const bus = busBefore === undefined ? {} : await (async () => {
    const published = (await t.busMessages!()) - busBefore;
    return { bus_messages_per_s: Math.round(published / load.seconds), msgs_per_bus_message: +(load.accepted / published).toFixed(1) };
  })();
  const ceiling = await copyCeiling(t.sql);
  return { ...result, ...bus, copy_rows_per_s: Math.round(ceiling), share_of_copy: +(result.msgs_per_s / ceiling).toFixed(2) };
}

/** Full speed, then half that rate (where the latency target applies), for each path. */
async function fullAndHalf(paths: readonly ("http" | "mqtt" | "bus")[], one: (path: "http" | "mqtt" | "bus", rate: number) => Promise<Record<string, unknown> & { msgs_per_s: number }>) {
  for (const path of paths) {
    const full = await one(path, Number(args.rate));
    console.log(JSON.stringify(full));
    if (Number(args.rate) === 0 && path !== "bus") console.log(JSON.stringify(await one(path, Math.round(full.msgs_per_s / 2))));
  }
}

const PG_SETTINGS = ["fsync=on", "synchronous_commit=on", "full_page_writes=on", "track_commit_timestamp=on", "shared_buffers=256MB"];
const paths = args.path === "all" ? (args.via === "appliance" ? (["http", "mqtt"] as const) : (["bus", "http", "mqtt"] as const)) : ([args.path as "http" | "mqtt" | "bus"] as const);

if (args.via === "appliance") {
  const dir = mkdtempSync("/tmp/pulse-bench-bin-");
  try {
    const binary = args.binary ?? (await buildBinary(join(dir, "pulse")));
    const replicas = Number(args["ingest-replicas"]);
    await using app = await startAppliance({ binary, ingestReplicas: replicas, pgSettings: PG_SETTINGS, roleEnv: { PULSE_DEVICE_RATE: "0", PULSE_LOG_LEVEL: "warn" } });
    const sql = connect({ url: app.superuserUrl, appName: "bench", log: quietLog, max: 2 });
    try {
      const devices = await registerDevices(sql);
      const target = { sql, devices, httpUrl: app.url, ca: app.ca, mqttUrl: app.mqttUrl, busMessages: () => telemetryStreamSeq(app.natsMonitorUrl) };
      await fullAndHalf(paths, async (path, rate) => ({ via: "appliance", ingest_processes: replicas, ...(await drive(path as "http" | "mqtt", rate, target)) }));
    } finally {
      await sql.end();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  await using pg = await startPostgres({ settings: PG_SETTINGS });
  await using nats = await startNats();
  await using mqtt = await startMosquitto();
  await fullAndHalf(paths, async (path, rate) => ({ via: "direct", ingest_processes: 1, ...(await run(path, rate, { pg, nats, mqtt })) }));
}
