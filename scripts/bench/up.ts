/**
 * `bun run bench:up [--path mqtt|http|http-batch|all] [--messages N] [--devices N] [--binary dist/pulse]`
 *
 * `pulse up` on embedded defaults (PGlite, local bus, embedded broker), fed by the pipeline
 * benchmark's load generator (scripts/loadgen.ts): devices registered over the API, MQTT with
 * per-device credentials (QoS 1), HTTP one message per request, or HTTP batches of 100.
 *
 * First, per path, a run as fast as it takes: the sustainable rate is what gets stored per
 * second. Then `pulse up` restarts (time to ready on an existing data directory) with a local
 * bus of `--overload-bus-mib` and each path runs at 3× its sustainable rate: the bus fills and
 * `pulse up` must shed load (HTTP 503, withheld PUBACKs) without losing what it acknowledged.
 * The process's RSS is sampled throughout. At the end `pulse up` is stopped and the embedded
 * database opened directly to count what was stored against what was acknowledged.
 * Prints one JSON line per run. BENCH_CPU_PROF=dir writes a CPU profile of the first `pulse up`.
 */
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asWorker, connect } from "../../src/platform/db";
import { startEmbeddedPostgres } from "../../src/platform/pglite";
import { quietLog } from "../../src/testing/db";
import { startUp, type UpProcess } from "../../src/testing/up";
import { loadHttp, loadMqtt, type LoadResult, type SimDevice } from "../loadgen";

const { values: args } = parseArgs({
  options: {
    path: { type: "string", default: "all" },
    "overload-bus-mib": { type: "string", default: "8" },
    messages: { type: "string", default: "100000" },
    devices: { type: "string", default: "500" },
    binary: { type: "string" },
  },
});
const N = Number(args.messages);
const DEVICES = Number(args.devices);
const say = (msg: string) => console.error(`[bench up] ${msg}`);

/** RSS of a process in MiB, sampled until stopped. */
function sampleRss(pid: number) {
  const samples: number[] = [];
  const timer = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) samples.push(Number(m[1]) / 1024);
    } catch {}
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      const sorted = [...samples].sort((a, b) => a - b);
      return { rss_max_mib: Math.round(sorted.at(-1) ?? 0), rss_median_mib: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0) };
    },
  };
}

async function metric(up: UpProcess, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${up.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) if (line.startsWith(`${name}{`) && line.includes(labels)) sum += Number(line.split(" ").at(-1));
  return sum;
}

/** Waits until ingest has stored `n` more messages than `base`; returns when the last one landed. */
async function waitStored(up: UpProcess, base: number, n: number, timeoutMs = 300_000): Promise<{ stored: number; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stored = (await metric(up, "pulse_ingest_messages_total", 'result="stored"')) - base;
    if (stored >= n || Date.now() > deadline) return { stored, at: performance.now() };
    await Bun.sleep(500); // a scrape costs the event loop a little: not too often
  }
}

async function registerDevices(up: UpProcess, token: string, prefix: string): Promise<SimDevice[]> {
  const siteId = `site-${prefix}`;
  const site = await up.api("POST", "/api/v1/customer/sites", { token, body: { siteId, name: `bench ${prefix}` } });
  if (site.status !== 201) throw new Error(`site create failed: ${site.status} ${JSON.stringify(site.body)}`);
  const devices: SimDevice[] = [];
  for (let i = 0; i < DEVICES; i += 500) {
    const rows = Array.from({ length: Math.min(500, DEVICES - i) }, (_, k) => `${prefix}-${i + k},,${siteId}`);
    const res = await fetch(`${up.url}/api/v1/customer/devices/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
      body: `deviceId,displayName,siteId\n${rows.join("\n")}\n`,
    });
    const body = (await res.json()) as { devices: { deviceId: string; provisionToken: string }[] };
    if (res.status !== 201) throw new Error(`device import failed: ${res.status} ${JSON.stringify(body)}`);
    for (const d of body.devices) devices.push({ tenant: "default", device: d.deviceId, token: d.provisionToken, siteId });
  }
  return devices;
}

type Path = "mqtt" | "http" | "http-batch";
const PATHS: readonly Path[] = ["mqtt", "http", "http-batch"];

const send = (up: UpProcess, path: Path, devices: SimDevice[], messages: number, rate: number, tag: string): Promise<LoadResult> =>
  path !== "mqtt"
    ? loadHttp({ baseUrl: up.url, devices, messages, rate, concurrency: path === "http" ? 64 : 8, batch: path === "http" ? 1 : 100 })
    : loadMqtt({ url: up.mqttUrl, devices, messages, rate, connections: devices.length, inflight: 4, clientPrefix: `bench-${tag}`, perDevice: true });

interface RunResult {
  line: Record<string, unknown>;
  devices: SimDevice[];
  accepted: number;
}

async function run(up: UpProcess, token: string, path: Path, mode: "max" | "overload", rate: number): Promise<RunResult> {
  const prefix = `${path}-${mode}`;
  const devices = await registerDevices(up, token, prefix);
  const warm = await send(up, path, devices, devices.length, 0, `${prefix}-warm`);
  const base = await metric(up, "pulse_ingest_messages_total", 'result="stored"');
  await waitStored(up, base - warm.accepted, warm.accepted, 60_000);
  const before = await metric(up, "pulse_ingest_messages_total", 'result="stored"');
  say(`${path} ${mode}: sending ${N} messages from ${devices.length} devices${rate ? ` at ${rate}/s` : ""}`);
  const rss = sampleRss(up.pid);
  const started = performance.now();
  const load = await send(up, path, devices, N, rate, prefix);
  const done = await waitStored(up, before, load.accepted);
  const mem = rss.stop();
  const seconds = (done.at - started) / 1000;
  say(`${path} ${mode}: ${load.accepted} acknowledged, ${load.rejected} refused; ${done.stored} stored in ${seconds.toFixed(1)} s`);
  return {
    devices,
    accepted: warm.accepted + load.accepted,
    line: {
      bench: "up",
      path,
      mode: { mqtt: "qos1-per-device", http: "single", "http-batch": "batch-100" }[path],
      run: mode,
      messages: N,
      target_rate: rate || "max",
      accepted: load.accepted,
      refused: load.rejected,
      edge_msgs_per_s: Math.round(load.accepted / load.seconds),
      msgs_per_s: Math.round(done.stored / seconds),
      ...mem,
    },
  };
}

/** Counts, straight from the embedded database, what each run's devices have stored. */
async function verify(dataDir: string, runs: RunResult[]) {
  const runDir = await mkdtemp(join(tmpdir(), "pulse-bench-pg-"));
  const pg = await startEmbeddedPostgres({ dataDir: join(dataDir, "postgres"), runDir, log: quietLog });
  const sql = connect({ url: pg.url, appName: "bench", log: quietLog, max: 1 });
  try {
    for (const r of runs) {
      const [c] = await asWorker(sql, (tx) => tx<{ rows: number; ids: number }[]>`
        select count(*)::int as rows, count(distinct msg_id)::int as ids from telemetry
        where tenant_id = 'default' and device_id like ${`${String(r.line.path)}-${String(r.line.run)}-%`}`);
      Object.assign(r.line, { lost: r.accepted - c!.ids, duplicates: c!.rows - c!.ids });
    }
  } finally {
    await sql.end();
    await pg.close();
    await rm(runDir, { recursive: true, force: true });
  }
}

const dataDir = await mkdtemp(join(tmpdir(), "pulse-bench-up-"));
const env = { PULSE_DEVICE_RATE: "0", PULSE_API_RATE: "0" };
const prof = process.env.BENCH_CPU_PROF;
const start = (extra: Record<string, string> = {}) =>
  startUp({ dataDir, binary: args.binary, env: { ...env, ...extra }, bunArgs: prof ? ["--cpu-prof-md", `--cpu-prof-dir=${prof}`] : [] });
const runs: RunResult[] = [];
try {
  let up = await start();
  say(`pulse up ready in ${up.ready.startMs} ms (first start) on ${dataDir}`);
  const token = await up.login();
  const paths = args.path === "all" ? PATHS : [args.path as Path];
  const sustained = new Map<Path, number>();
  for (const path of paths) {
    const max = await run(up, token, path, "max", 0);
    console.log(JSON.stringify(max.line));
    runs.push(max);
    sustained.set(path, Number(max.line.msgs_per_s));
  }
  await up.stop("SIGTERM");
  const started = performance.now();
  up = await start({ PULSE_BUS_STORAGE_GIB: String(Number(args["overload-bus-mib"]) / 1024) });
  const readyMs = Math.round(performance.now() - started);
  console.log(JSON.stringify({ bench: "up", run: "restart", ready_ms: readyMs, reported_start_ms: up.ready.startMs }));
  const again = await up.login();
  for (const path of paths) {
    const over = await run(up, again, path, "overload", 3 * sustained.get(path)!);
    console.log(JSON.stringify({ ...over.line, bus_mib: Number(args["overload-bus-mib"]) }));
    runs.push(over);
  }
  await up.stop("SIGTERM");
  await verify(dataDir, runs);
  for (const r of runs) console.log(JSON.stringify({ ...r.line, verified: true }));
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
