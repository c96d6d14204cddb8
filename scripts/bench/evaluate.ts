/**
 * `bun run bench:evaluate [--rate 5000] [--seconds 60] [--devices 10000] [--rules 1000] [--breaches 5]`
 *
 * The evaluator under load in the production topology: private PostgreSQL (fsync on), NATS and
 * Mosquitto; `pulse migrate`, `ingest`, `evaluate` and `deliver` as child processes; a recording
 * webhook routed every OPEN. Tenant `bench`: --devices over 10 sites and 50 zone tags, --rules
 * rules (thresholds, 5-min window averages, a few gap and anomaly rules), 10–30 per device.
 * Telemetry goes straight onto TELEMETRY (bundled, marked checked, as the HTTP edge hands it
 * over) at --rate for --seconds, every device in turn, after one warm-up round; normal values
 * breach nothing. Each second --breaches devices (each once) report temp_c above every temp_c
 * limit: latency is webhook arrival minus that message's `ts`, matched on deviceId and openedAt,
 * split into stages by commit timestamps. Prints a JSON line per 10 s of load, then a summary.
 * Child logs go to the directory named on stderr; BENCH_CPU_PROF=dir profiles `pulse evaluate`.
 * The machine is shared: `cpuCores.other` is whatever else ran meanwhile.
 */
import { parseArgs } from "node:util";
import { mkdtempSync, openSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { compare, inScope, type Condition, type RuleScope, type ScopeDevice } from "../../src/alerts/rules";
import type { Bus, StreamKey } from "../../src/platform/bus/bus";
import { Bundler } from "../../src/platform/bus/bundler";
import { connectJetStream } from "../../src/platform/bus/jetstream";
import { asWorker, connect, jsonbArray, type Sql } from "../../src/platform/db";
import { encodeIngress, messageId, type IngressMeta } from "../../src/platform/subjects";
import { quietLog } from "../../src/testing/db";
import { startReceiver, type Receiver } from "../../src/testing/receiver";
import { freePort, startMosquitto, startNats, startPostgres } from "../../src/testing/servers";

const opt = (v: string) => ({ type: "string" as const, default: v });
const { values: args } = parseArgs({
  options: { rate: opt("5000"), seconds: opt("60"), devices: opt("10000"), rules: opt("1000"), breaches: opt("5"), "log-level": opt("warn"), binary: { type: "string" } },
});
const [RATE, SECONDS, N, RULES, BREACHES] = [args.rate, args.seconds, args.devices, args.rules, args.breaches].map(Number) as [number, number, number, number, number];
const [TENANT, PREFIX, SITES, ZONES, BREACH_TEMP, BUS_GIB] = ["bench", "bench-eval", 10, 50, 200, 2] as const;
const say = (msg: string) => console.error(`[bench evaluate] ${msg}`);

const deviceAt = (i: number): ScopeDevice => ({
  deviceId: `dev-${i}`, siteId: `site-${i % SITES}`, templateId: null, tags: new Set([`zone-${Math.floor(i / SITES) % ZONES}`]), groupIds: new Set(),
});

type Definition = { conditions?: Condition[]; match?: "all" | "any"; holdSeconds?: number } & Record<string, unknown>;
type BenchRule = { name: string; type: "threshold" | "window" | "telemetry_gap" | "anomaly"; definition: Definition; scope: RuleScope };

/** 5 rules cover everyone; of the rest 10 % one site, 40 % one zone, 10 % a site and a zone, 40 % 25 devices: about 24 per device. */
function scopeOf(k: number): RuleScope {
  if (k < 5) return {};
  const [c, m] = [k % 20, Math.floor(k / 20)];
  if (c < 2) return { siteIds: [`site-${(m * 2 + c) % SITES}`] };
  if (c < 10) return { tags: [`zone-${(m * 8 + c - 2) % ZONES}`] };
  if (c < 12) return { siteIds: [`site-${m % SITES}`], tags: [`zone-${(m * 2 + c - 10) % ZONES}`] };
  return { deviceIds: [...new Set(Array.from({ length: 25 }, (_, j) => `dev-${(k * 7919 + j * 401) % N}`))] };
}

const cond = (metric: string, op: Condition["op"], value: number): Condition => ({ metric, op, value });

/** Limits far outside the normal ranges (see frame); every 13th rule holds for 30 s. */
function ruleOf(k: number): BenchRule {
  const [name, scope] = [`rule-${k}`, scopeOf(k)];
  if (k % 50 === 7) return { name, type: "telemetry_gap", scope, definition: { metric: "battery", gapSeconds: 600 + (k % 5) * 60 } };
  if (k % 50 === 17) return { name, type: "anomaly", scope, definition: { metric: k % 2 ? "pressure" : "humidity", windowMinutes: 15, zThreshold: 6, minSamples: 30 } };
  if (k % 10 === 3) {
    const [metric, value] = ([["humidity", 90], ["pressure", 1100], ["vibration", 5]] as const)[k % 3]!;
    return { name, type: "window", scope, definition: { metric, aggregation: "avg", windowSeconds: 300, op: "GT", value, minSamples: 5 } };
  }
  const conditions = [
    [cond("temp_c", "GT", 40 + (k % 50))], [cond("humidity", "GT", 85 + (k % 10))], [cond("pressure", "LT", 950 - (k % 20))],
    [cond("vibration", "GT", 4 + (k % 5))], [cond("battery", "LT", 5 + (k % 10))],
    [cond("temp_c", "GT", 35), cond("humidity", "GT", 75)], [cond("vibration", "GT", 6), cond("temp_c", "GT", 60)],
  ][k % 7]!;
  return { name, type: "threshold", scope, definition: { conditions, match: k % 7 === 6 ? "any" : "all", holdSeconds: k % 13 === 0 ? 30 : 0 } };
}

/** Alerts a breach of device `i` opens: its threshold rules without a hold that temp_c = BREACH_TEMP trips. */
function expectedAlerts(rules: readonly BenchRule[], i: number): number {
  const metrics: Record<string, number> = { temp_c: BREACH_TEMP, humidity: 45, pressure: 1012, vibration: 0.5, battery: 80 };
  return rules.filter((r) => {
    if (r.type !== "threshold" || r.definition.holdSeconds || !inScope(r.scope, deviceAt(i))) return false;
    const met = r.definition.conditions!.map((c) => compare(c.op, metrics[c.metric]!, c.value));
    return r.definition.match === "any" ? met.some(Boolean) : met.every(Boolean);
  }).length;
}

const enc = new TextEncoder();
const around = (mid: number, spread: number) => Math.round((mid + (Math.random() - 0.5) * spread) * 100) / 100;

function frame(i: number, seq: number, ts: number, breach: boolean): Uint8Array {
  const metrics = { temp_c: breach ? BREACH_TEMP : around(22, 8), humidity: around(45, 20), pressure: around(1012, 15), vibration: around(0.5, 0.6), battery: 60 + (i % 40) };
  const payload = enc.encode(JSON.stringify({ ts: new Date(ts).toISOString(), site_id: `site-${i % SITES}`, seq, metrics }));
  const device = `dev-${i}`;
  const meta: IngressMeta = { v: 1, src: "http", tenant: TENANT, device, type: "telemetry", at: Date.now(), id: messageId(TENANT, device, "telemetry", payload), checked: true };
  return encodeIngress(meta, payload);
}

type Breach = { device: string; ts: number; expected: number };

/**
 * Every device in turn. A breach goes to a device not breached yet, half a round from its own
 * messages: a sample that reaches the evaluator after a newer one of its device is ignored, and
 * ingest's concurrent batches can reorder samples a few hundred ms apart.
 */
class Sender {
  sent = 0;
  failed = 0;
  readonly breaches: Breach[] = [];
  private readonly breached = new Set<number>();
  private next = 0;
  constructor(private readonly bundler: Bundler, private readonly rules: readonly BenchRule[]) {}

  regular(): void {
    this.push(this.next % N, Math.floor(this.next++ / N), false);
  }
  breach(): void {
    let i = (this.next + Math.floor(N / 2)) % N;
    while (this.breached.has(i) && this.breached.size < N) i = (i + 1) % N;
    this.breached.add(i);
    this.breaches.push({ device: `dev-${i}`, ts: this.push(i, Math.floor(this.next / N), true), expected: expectedAlerts(this.rules, i) });
  }
  private push(i: number, seq: number, breach: boolean): number {
    const ts = Date.now();
    this.sent++;
    this.bundler.add("TELEMETRY", TENANT, frame(i, seq, ts, breach)).catch(() => this.failed++);
    return ts;
  }
}

/** `count` regular messages at RATE and `perSec` breaches a second, paced from the start. */
async function pump(s: Sender, count: number, perSec: number): Promise<void> {
  const [started, breaches0] = [performance.now(), s.breaches.length];
  for (let regular = 0; regular < count; await Bun.sleep(5)) {
    const elapsed = (performance.now() - started) / 1000;
    for (const due = Math.min(count, Math.floor(elapsed * RATE)); regular < due; regular++) s.regular();
    while (s.breaches.length - breaches0 < Math.floor(elapsed * perSec) && regular < count) s.breach();
  }
}

async function seed(sql: Sql, rules: readonly BenchRule[], hook: string): Promise<void> {
  await asWorker(sql, async (tx) => {
    await tx`insert into tenants (tenant_id, name) values (${TENANT}, 'Bench')`;
    await tx`insert into sites (tenant_id, site_id, name) select ${TENANT}, 'site-' || s, 'Site ' || s from generate_series(0, ${SITES - 1}) s`;
    await tx`insert into device_registry (tenant_id, device_id, site_id) select ${TENANT}, 'dev-' || i, 'site-' || (i % ${SITES}) from generate_series(0, ${N - 1}) i`;
    await tx`insert into device_tags (tenant_id, device_id, tag) select ${TENANT}, 'dev-' || i, 'zone-' || ((i / ${SITES}) % ${ZONES}) from generate_series(0, ${N - 1}) i`;
    await tx`
      insert into alert_rules (tenant_id, name, rule_type, severity, definition, scope)
      select ${TENANT}, n, t, s, d, sc from unnest(${rules.map((r) => r.name)}::text[], ${rules.map((r) => r.type)}::text[],
        ${rules.map((_, k) => 1 + (k % 5))}::smallint[], ${jsonbArray(rules.map((r) => r.definition))}::jsonb[],
        ${jsonbArray(rules.map((r) => r.scope))}::jsonb[]) as u(n, t, s, d, sc)`;
    const [ch] = await tx<{ channelId: string }[]>`
      insert into notification_channels (tenant_id, name, channel_type, config) values (${TENANT}, 'bench receiver', 'webhook', ${tx.json({ url: hook })}) returning channel_id`;
    await tx`insert into notification_routes (tenant_id, name, channel_id, transitions) values (${TENANT}, 'every open', ${ch!.channelId}, '{OPEN}')`;
  });
}

function spawnRole(role: string, flags: string[], logDir: string, bunArgs: string[] = []): Subprocess {
  const cmd = args.binary ? [args.binary] : [process.execPath, ...bunArgs, join(import.meta.dir, "../../cmd/pulse.ts")];
  const log = openSync(join(logDir, `${role}.log`), "a");
  return Bun.spawn([...cmd, role, ...flags], { env: { PATH: "/usr/bin:/bin", HOME: "/tmp", PULSE_LOG_FORMAT: "json" }, stdout: log, stderr: log });
}

async function waitReady(proc: Subprocess, role: string, port: number): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await Bun.sleep(200)) {
    if (proc.exitCode !== null) throw new Error(`pulse ${role} exited with ${proc.exitCode}; see its log`);
    if (await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.ok, () => false)) return;
  }
  throw new Error(`pulse ${role} not ready on port ${port} within 30 s`);
}

async function metric(port: number, name: string, match: string): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => "");
  return text.split("\n").filter((l) => l.startsWith(`${name}{`) && l.includes(match)).reduce((n, l) => n + Number(l.split(" ").at(-1)), 0);
}

const procs = () => readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
const read = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return ""; // the process is gone
  }
};

/** CPU seconds (utime + stime, fields 14 and 15 of /proc/PID/stat, in 1/100 s) of a process, and of its children with `family`. */
function cpuSeconds(pid: number, family = false): number {
  let ticks = 0;
  for (const p of family ? procs() : [pid]) {
    const stat = read(`/proc/${p}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (stat && (p === pid || Number(f[1]) === pid)) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / 100;
}

/** Busy CPU seconds of the whole machine, every core (/proc/stat without idle and iowait). */
const machineCpu = () => readFileSync("/proc/stat", "utf8").split("\n")[0]!.split(/\s+/).slice(1).reduce((n, v, i) => n + (i === 3 || i === 4 ? 0 : Number(v)), 0) / 100;

async function waiting(bus: Bus, ...keys: StreamKey[]): Promise<number> {
  return (await Promise.all(keys.map((k) => bus.backlog(k)))).reduce((n, b) => n + b.pending + b.inFlight, 0);
}

/** Until the bus is empty and no notification arrived for 3 s (at most 60 s); returns the seconds until that quiet began. */
async function drain(bus: Bus, receiver: Receiver): Promise<number> {
  const started = performance.now();
  let [seen, quietSince] = [-1, started];
  while (performance.now() - started < 60_000 && performance.now() - quietSince < 3_000) {
    if ((await waiting(bus, "TELEMETRY", "EVALUATE", "NOTIFY")) > 0 || receiver.requests.length !== seen) [seen, quietSince] = [receiver.requests.length, performance.now()];
    await Bun.sleep(250);
  }
  return +((quietSince - started) / 1000).toFixed(1);
}

type Watch = { bus: Bus; receiver: Receiver; sender: Sender; ingestPort: number; evaluatePid: number; maxBacklog: number };

/** A JSON line per 10 s while `loading()`; samples the EVALUATE backlog every second. */
async function watch(w: Watch, loading: () => boolean): Promise<void> {
  const started = performance.now();
  const sample = async () => ({ at: performance.now(), sent: w.sender.sent, stored: await metric(w.ingestPort, "pulse_ingest_messages_total", 'result="stored"'), cpu: cpuSeconds(w.evaluatePid) });
  let last = await sample();
  while (loading()) {
    await Bun.sleep(1_000);
    const backlog = await waiting(w.bus, "EVALUATE");
    w.maxBacklog = Math.max(w.maxBacklog, backlog);
    if (performance.now() - last.at < 10_000 && loading()) continue;
    const now = await sample();
    const per = (a: number, b: number) => (a - b) / ((now.at - last.at) / 1000);
    console.log(JSON.stringify({
      phase: "load", t: Math.round((now.at - started) / 1000), sentPerSec: Math.round(per(now.sent, last.sent)), storedPerSec: Math.round(per(now.stored, last.stored)),
      evaluateBacklog: backlog, notifications: w.receiver.requests.length, evaluatorCpuShare: +per(now.cpu, last.cpu).toFixed(2),
    }));
    last = now;
  }
}

const pct = (sorted: readonly number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : null);

/** OPEN notifications matched to breaches by (deviceId, openedAt); dupes repeat an idempotency key. */
function match(breaches: readonly Breach[], receiver: Receiver, since: number) {
  const byKey = new Map(breaches.map((b) => [`${b.device}|${b.ts}`, b]));
  const [keys, hit, latencies] = [new Set<string>(), new Set<string>(), [] as number[]];
  let [dupes, unexpected, closed] = [0, 0, 0];
  for (const r of receiver.requests.slice(since)) {
    const n = (r.json ?? {}) as { deviceId?: string; openedAt?: string; idempotencyKey?: string; summary?: string; transition?: string };
    if (n.transition !== "OPEN" || keys.has(n.idempotencyKey!)) {
      n.transition !== "OPEN" ? closed++ : dupes++;
      continue;
    }
    keys.add(n.idempotencyKey!);
    const b = byKey.get(`${n.deviceId}|${Date.parse(n.openedAt ?? "")}`);
    if (!b && unexpected++ < 3) say(`unexpected notification: ${n.summary}`);
    if (b) (hit.add(`${b.device}|${b.ts}`), latencies.push(r.at - b.ts));
  }
  return { notified: hit.size, dupes, unexpected, closed, latencies: latencies.sort((a, b) => a - b) };
}

/** Per alert opened, from commit timestamps: ts → row stored (ingest) → OPEN event (evaluate) → delivery claimed (relay, NOTIFY, deliver) → sent. */
async function stages(sql: Sql, breaches: readonly Breach[]): Promise<Record<string, { p50: number; p99: number } | null>> {
  const q = (k: string) => `percentile_disc(array[0.5, 0.99]) within group (order by round(${k})) as ${k}`;
  const [r] = await asWorker(sql, (tx) => tx<Record<string, string[] | null>[]>`
    with b as (select d, to_timestamp(ts / 1000.0) as ts from unnest(${breaches.map((x) => x.device)}::text[], ${breaches.map((x) => x.ts)}::float8[]) as u(d, ts)),
    s as (
      select extract(epoch from pg_xact_commit_timestamp(t.xmin) - b.ts) * 1000 as ingest,
             extract(epoch from pg_xact_commit_timestamp(e.xmin) - pg_xact_commit_timestamp(t.xmin)) * 1000 as evaluate,
             extract(epoch from n.created_at - pg_xact_commit_timestamp(e.xmin)) * 1000 as relay, extract(epoch from n.sent_at - n.created_at) * 1000 as send
      from b join telemetry t on t.tenant_id = ${TENANT} and t.device_id = b.d and t.time = b.ts
      left join alerts a on a.tenant_id = ${TENANT} and a.device_id = b.d and a.opened_at = b.ts
      left join alert_events e on e.alert_id = a.alert_id and e.transition = 'OPEN'
      left join notification_deliveries n on n.alert_id = a.alert_id and n.transition = 'OPEN')
    select ${tx.unsafe(["ingest", "evaluate", "relay", "send"].map(q).join(", "))} from s`);
  return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, v ? { p50: Number(v[0]), p99: Number(v[1]) } : null]));
}

/** Rows written per table (partitions summed) and WAL MiB so far: what competes with telemetry for the disk. */
type Writes = { tables: Map<string, number>; walMib: number };
async function dbWrites(sql: Sql): Promise<Writes> {
  const rows = await sql<{ t: string; n: string }[]>`select regexp_replace(relname, '_p[0-9]+$', '') as t, sum(n_tup_ins + n_tup_upd + n_tup_del) as n from pg_stat_user_tables group by 1`;
  const [wal] = await sql<{ b: string }[]>`select wal_bytes as b from pg_stat_wal`;
  return { tables: new Map(rows.map((r) => [r.t, Number(r.n)])), walMib: Number(wal!.b) / 1024 ** 2 };
}

function writesSince(a: Writes, b: Writes, seconds: number) {
  const perSec = [...b.tables].map(([t, n]) => [t, Math.round((n - (a.tables.get(t) ?? 0)) / seconds)] as const).filter(([, n]) => n > 0).sort((x, y) => y[1] - x[1]);
  return { rowsPerSec: Object.fromEntries(perSec.slice(0, 6)), walMibPerSec: +((b.walMib - a.walMib) / seconds).toFixed(1) };
}

function rulesPerDevice(rules: readonly BenchRule[]) {
  const counts = Array.from({ length: N }, (_, i) => rules.filter((r) => inScope(r.scope, deviceAt(i))).length);
  return { min: Math.min(...counts), avg: +(counts.reduce((a, b) => a + b, 0) / N).toFixed(1), max: Math.max(...counts) };
}

await using pg = await startPostgres({ settings: ["fsync=on", "synchronous_commit=on", "full_page_writes=on", "shared_buffers=256MB", "track_commit_timestamp=on"] });
await using nats = await startNats();
await using mqtt = await startMosquitto();
await using receiver = await startReceiver();
const logDir = mkdtempSync(join(tmpdir(), "pulse-bench-evaluate-"));
say(`child logs in ${logDir}`);
const dbUrl = pg.url.replace(/\/postgres$/, "/pulse");
const admin = connect({ url: pg.url, appName: "bench", log: quietLog, max: 1 });
await admin`create database pulse`;
await admin.end();
const migrated = await spawnRole("migrate", ["--database-url", dbUrl], logDir).exited;
if (migrated !== 0) throw new Error(`pulse migrate exited with ${migrated}; see ${logDir}/migrate.log`);
const sql = connect({ url: dbUrl, appName: "bench", log: quietLog, max: 2 });
const rules = Array.from({ length: RULES }, (_, k) => ruleOf(k));
await seed(sql, rules, `${receiver.url}/hook`);
const perDevice = rulesPerDevice(rules);
say(`seeded ${N} devices and ${RULES} rules (rules per device: ${JSON.stringify(perDevice)})`);
const bus = await connectJetStream({ url: nats.url, prefix: PREFIX, log: quietLog, name: "bench", storageBytes: BUS_GIB * 1024 ** 3 });
const ports = { ingest: await freePort(), evaluate: await freePort(), deliver: await freePort() };
const common = ["--database-url", dbUrl, "--nats-url", nats.url, "--nats-prefix", PREFIX, "--bus-storage-gib", String(BUS_GIB), "--log-level", args["log-level"]!];
const prof = process.env.BENCH_CPU_PROF;
const roles = {
  ingest: spawnRole("ingest", [...common, "--health-port", String(ports.ingest)], logDir),
  evaluate: spawnRole("evaluate", [...common, "--health-port", String(ports.evaluate)], logDir, prof ? ["--cpu-prof-md", `--cpu-prof-dir=${prof}`] : []),
  deliver: spawnRole("deliver", [...common, "--health-port", String(ports.deliver), "--mqtt-url", mqtt.url, "--egress-allow", "127.0.0.0/8"], logDir),
};
const [postmaster, natsPid] = [Number(read(join(pg.dir, "data", "postmaster.pid")).split("\n")[0]), Number(read(join(nats.dir, "server.pid")).split("\n")[0])];
const cpuNow = (): Record<string, number> => {
  const cpu = { ...Object.fromEntries(Object.entries(roles).map(([k, p]) => [k, cpuSeconds(p.pid)])), postgres: cpuSeconds(postmaster, true), nats: cpuSeconds(natsPid), bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6 };
  return { ...cpu, other: machineCpu() - Object.values(cpu).reduce((a, b) => a + b, 0) };
};
try {
  await Promise.all(Object.entries(roles).map(([role, p]) => waitReady(p, role, ports[role as keyof typeof ports])));
  const bundler = new Bundler(bus);
  const sender = new Sender(bundler, rules);
  say(`warm-up: one message per device at ${RATE}/s`);
  const warmStarted = performance.now();
  await pump(sender, N, 0);
  await bundler.drain();
  await drain(bus, receiver);
  const [warmupSeconds, warmSent, warmNotes] = [+((performance.now() - warmStarted) / 1000).toFixed(1), sender.sent, receiver.requests.length];
  say(`loading: ${RATE}/s for ${SECONDS} s, ${BREACHES} breaches/s`);
  const [cpu0, db0, loadStarted] = [cpuNow(), await dbWrites(sql), performance.now()];
  const w: Watch = { bus, receiver, sender, ingestPort: ports.ingest, evaluatePid: roles.evaluate.pid, maxBacklog: 0 };
  let loading = true;
  const watching = watch(w, () => loading);
  await pump(sender, RATE * SECONDS, BREACHES);
  await bundler.drain();
  loading = false;
  await watching;
  say("load sent; waiting for the backlog to drain");
  const drainSeconds = await drain(bus, receiver);
  const [cpu1, db1, elapsed] = [cpuNow(), await dbWrites(sql), (performance.now() - loadStarted) / 1000];
  const [count] = await asWorker(sql, (tx) => tx<{ n: number }[]>`select count(*)::int as n from telemetry`);
  const m = match(sender.breaches, receiver, warmNotes);
  const [breaches, p99] = [sender.breaches.length, pct(m.latencies, 0.99)];
  console.log(JSON.stringify({
    bench: "evaluate", devices: N, rules: RULES, rulesPerDevice: perDevice, rate: RATE, seconds: SECONDS, sent: sender.sent - warmSent, failed: sender.failed,
    stored: count!.n - N, breaches, notified: m.notified, lost: breaches - m.notified, dupes: m.dupes, unexpected: m.unexpected + warmNotes, closedNotices: m.closed,
    alertsExpected: sender.breaches.reduce((a, b) => a + b.expected, 0), alertsNotified: m.latencies.length,
    latencyMs: { p50: pct(m.latencies, 0.5), p90: pct(m.latencies, 0.9), p99, max: m.latencies.at(-1) ?? null }, stagesMs: await stages(sql, sender.breaches),
    maxEvaluateBacklog: w.maxBacklog, warmupSeconds, drainSeconds, evaluatorCpuSeconds: cpuSeconds(roles.evaluate.pid),
    cpuCores: Object.fromEntries(Object.entries(cpu1).map(([k, v]) => [k, +((v - cpu0[k]!) / elapsed).toFixed(2)])), db: writesSince(db0, db1, elapsed),
    target: { rate: 5000, p99Ms: 2000, met: RATE >= 5000 && N >= 10_000 && RULES >= 1000 && breaches > 0 && m.notified === breaches && p99 !== null && p99 <= 2000 },
  }));
} finally {
  for (const p of Object.values(roles)) p.kill("SIGTERM");
  await Promise.all(Object.values(roles).map((p) => Promise.race([p.exited, Bun.sleep(10_000).then(() => p.kill("SIGKILL"))])));
  await bus.close();
  await sql.end();
}
