/**
 * `bun run bench:up [--path mqtt|http|all] [--messages N] [--devices N] [--binary dist/pulse]`
 *
 * `pulse up` on embedded defaults (PGlite, local bus, embedded broker), fed by the pipeline
 * benchmark's load generator (scripts/loadgen.ts): devices registered over the API, MQTT with
 * per-device credentials (QoS 1) or HTTP one message per request.
 *
 * Per path: a run as fast as it takes (the sustainable rate is what gets stored per second),
 * then a run at 3× that rate (it must shed load — HTTP 429/503, withheld PUBACKs — and lose
 * nothing it acknowledged). The process's RSS is sampled throughout. At the end `pulse up` is
 * stopped and restarted on the same data directory (time to ready), stopped again, and the
 * embedded database is opened directly to count what was stored against what was acknowledged.
 * Prints one JSON line per run.
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
    messages: { type: "string", default: "100000" },
    devices: { type: "string", default: "500" },
    binary: { type: "string" },
    /** The local bus budget; small values show shedding sooner. */
    "bus-storage-gib": { type: "string", default: "0.25" },
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
    await Bun.sleep(100);
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

const send = (up: UpProcess, path: "mqtt" | "http", devices: SimDevice[], messages: number, rate: number, tag: string): Promise<LoadResult> =>
  path === "http"
    ? loadHttp({ baseUrl: up.url, devices, messages, rate, concurrency: 64, batch: 1 })
    : loadMqtt({ url: up.mqttUrl, devices, messages, rate, connections: devices.length, inflight: 4, clientPrefix: `bench-${tag}`, perDevice: true });

interface RunResult {
  line: Record<string, unknown>;
  devices: SimDevice[];
  accepted: number;
}

async function run(up: UpProcess, token: string, path: "mqtt" | "http", mode: "max" | "overload", rate: number): Promise<RunResult> {
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
      mode: path === "mqtt" ? "qos1-per-device" : "single",
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
const env = { PULSE_DEVICE_RATE: "0", PULSE_API_RATE: "0", PULSE_BUS_STORAGE_GIB: args["bus-storage-gib"] };
const runs: RunResult[] = [];
try {
  let up = await startUp({ dataDir, binary: args.binary, env });
  say(`pulse up ready in ${up.ready.startMs} ms (first start) on ${dataDir}`);
  const token = await up.login();
  const paths = args.path === "all" ? (["mqtt", "http"] as const) : ([args.path as "mqtt" | "http"] as const);
  for (const path of paths) {
    const max = await run(up, token, path, "max", 0);
    console.log(JSON.stringify(max.line));
    runs.push(max);
    const over = await run(up, token, path, "overload", 3 * Number(max.line.msgs_per_s));
    console.log(JSON.stringify(over.line));
    runs.push(over);
  }
  await up.stop("SIGTERM");
  const started = performance.now();
  up = await startUp({ dataDir, binary: args.binary, env });
  const readyMs = Math.round(performance.now() - started);
  await up.stop("SIGTERM");
  await verify(dataDir, runs);
  for (const r of runs) console.log(JSON.stringify({ ...r.line, verified: true }));
  console.log(JSON.stringify({ bench: "up", run: "restart", ready_ms: readyMs, reported_start_ms: up.ready.startMs }));
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
