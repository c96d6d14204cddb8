/**
 * `bun run bench:api [--devices N] [--rows N] [--requests N] [--concurrency N] [--seconds S] [--unix-socket]`
 *
 * The REST API as users meet it: `pulse serve` in its own process (RLS on, a bearer token on
 * every request) over a private PostgreSQL and NATS, driven over HTTP from this
 * process. One tenant with 10,000 devices; one device with 100,000 telemetry rows over 24 h.
 * Latency per endpoint from sequential requests (p50/p95), then device-get throughput with
 * concurrent clients. Prints one JSON line per endpoint. `--unix-socket`: serve reaches
 * PostgreSQL over its Unix socket instead of TCP (on this VM, loopback TCP writes are a third
 * of serve's CPU). Diagnostics: BENCH_CEILING=1 adds the same load on /health, on a
 * token-only route and on a one-query route; BENCH_CPU_PROF=<dir> writes serve's CPU profile
 * (markdown) there.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { asWorker, connect, type Sql } from "../../src/platform/db";
import { loadMigrations, migrate } from "../../src/platform/migrate";
import { hashPassword } from "../../src/identity/passwords";
import { insertUser } from "../../src/identity/users";
import { quietLog } from "../../src/testing/db";
import { freePort, startNats, startPostgres } from "../../src/testing/servers";

const { values: args } = parseArgs({
  options: {
    devices: { type: "string", default: "10000" },
    rows: { type: "string", default: "100000" },
    requests: { type: "string", default: "400" },
    concurrency: { type: "string", default: "32" },
    seconds: { type: "string", default: "5" },
    binary: { type: "string" },
    "unix-socket": { type: "boolean", default: false },
  },
});
const DEVICES = Number(args.devices);
const ROWS = Number(args.rows);
const ROOT = join(import.meta.dir, "../..");
const pulse = args.binary ? [args.binary] : [process.execPath, ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof-md", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), join(ROOT, "cmd/pulse.ts")];
const PASSWORD = "bench password 123";

async function seed(sql: Sql): Promise<void> {
  await asWorker(sql, async (tx) => {
    await tx`insert into tenants (tenant_id, name) values ('bench', 'Bench')`;
    await tx`insert into sites (tenant_id, site_id, name) select 'bench', 'site-' || i, 'Site ' || i from generate_series(1, 20) i`;
    await tx`insert into device_registry (tenant_id, device_id, site_id, display_name, serial_number, template_id)
             select 'bench', 'dev-' || lpad(i::text, 5, '0'), 'site-' || (i % 20 + 1), 'Device ' || i, 'SN' || i, '00000000-0000-4000-8000-000000000102'
             from generate_series(1, ${DEVICES}) i`;
    await tx`insert into device_state (tenant_id, device_id, status, last_seen_at, last_telemetry_at, latest_metrics)
             select 'bench', device_id, (array['ONLINE','STALE','OFFLINE'])[1 + (row_number() over () % 3)::int], now(), now(),
                    jsonb_build_object('temp_c', jsonb_build_object('v', 21.5, 't', now()), 'rh', jsonb_build_object('v', 40, 't', now()))
             from device_registry where tenant_id = 'bench'`;
    await tx`insert into device_tags (tenant_id, device_id, tag) select 'bench', device_id, 'zone-' || (substr(device_id, 5)::int % 10) from device_registry where tenant_id = 'bench'`;
    await tx`insert into device_sensors (tenant_id, device_id, metric_key, unit, source)
             values ('bench', 'dev-00001', 'temp_c', '°C', 'required'), ('bench', 'dev-00001', 'rh', '%', 'optional')`;
    await tx`insert into telemetry (time, tenant_id, device_id, site_id, msg_type, seq, metrics, msg_id)
             select now() - make_interval(secs => i * 86400.0 / ${ROWS}), 'bench', 'dev-00001', 'site-2', 'telemetry', i,
                    jsonb_build_object('temp_c', 20 + 5 * sin(i / 500.0), 'rh', 40 + (i % 20)), gen_random_uuid()
             from generate_series(1, ${ROWS}) i`;
    await insertUser(tx, { tenantId: "bench", email: "admin@bench.test", roles: ["tenant-admin"], passwordHash: await hashPassword(PASSWORD) });
  });
  await sql`select pulse_rebuild_telemetry_minutes(now() - interval '25 hours', now())`; // written past ingest
  await sql`vacuum analyze`;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function latency(name: string, url: string, headers: Record<string, string>, n: number): Promise<void> {
  for (let i = 0; i < 20; i++) await (await fetch(url, { headers })).arrayBuffer(); // warm up
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    const body = await res.arrayBuffer();
    times.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}: ${new TextDecoder().decode(body).slice(0, 300)}`);
    bytes = body.byteLength;
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ bench: "api", endpoint: name, requests: n, p50_ms: +quantile(times, 0.5).toFixed(2), p95_ms: +quantile(times, 0.95).toFixed(2), p99_ms: +quantile(times, 0.99).toFixed(2), response_bytes: bytes }));
}

async function throughput(name: string, urls: string[], headers: Record<string, string>, concurrency: number, seconds: number): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; performance.now() < deadline; i += concurrency) {
        const t0 = performance.now();
        const res = await fetch(urls[i % urls.length]!, { headers });
        await res.arrayBuffer();
        times.push(performance.now() - t0);
        if (res.status === 200) done++;
        else failed++;
      }
    }),
  );
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ bench: "api", endpoint: name, concurrency, seconds, requests_per_s: Math.round(done / seconds), failed, p50_ms: +quantile(times, 0.5).toFixed(2), p95_ms: +quantile(times, 0.95).toFixed(2) }));
}

await using pg = await startPostgres({ settings: ["shared_buffers=256MB"] });
await using nats = await startNats();
const sql = connect({ url: pg.url, appName: "bench-api", log: quietLog, max: 4 });
await migrate(sql, loadMigrations(), { log: quietLog });
const t0 = performance.now();
await seed(sql);
console.error(`seeded ${DEVICES} devices and ${ROWS} telemetry rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const port = await freePort();
const serve = Bun.spawn([...pulse, "serve"], {
  env: { PATH: "/usr/bin:/bin", PULSE_LOG_LEVEL: "warn", PULSE_LOG_FORMAT: "json", PULSE_DATABASE_URL: args["unix-socket"] ? `postgres://postgres@${encodeURIComponent(pg.dir)}:${pg.port}/postgres` : pg.url, PULSE_NATS_URL: nats.url, PULSE_NATS_PREFIX: "bench-api", PULSE_HTTP_HOST: "127.0.0.1", PULSE_HTTP_PORT: String(port), PULSE_API_RATE: "0", PULSE_DB_POOL_MAX: "10" },
  stdout: "inherit",
  stderr: "inherit",
});
try {
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/ready`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 200) throw new Error("pulse serve did not become ready");
    await Bun.sleep(100);
  }
  const login = await (await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "admin@bench.test", password: PASSWORD }) })).json() as { accessToken: string };
  const headers = { authorization: `Bearer ${login.accessToken}` };
  const api = `${base}/api/v1/customer`;
  const n = Number(args.requests);
  await latency("device list (page of 100 of 10k)", `${api}/devices?limit=100&offset=5000`, headers, n);
  await latency("device list (search + filter)", `${api}/devices?limit=100&search=Device&connectivity=ONLINE&tag=zone-3`, headers, n);
  await latency("device get", `${api}/devices/dev-00042`, headers, n);
  await latency("telemetry latest", `${api}/devices/dev-00001/telemetry/latest`, headers, n);
  await latency("telemetry history 24h (100k rows)", `${api}/devices/dev-00001/telemetry/history?metric=temp_c&range=24h`, headers, Math.min(n, 200));
  const ids = Array.from({ length: 1000 }, (_, i) => `${api}/devices/dev-${String(1 + ((i * 7919) % DEVICES)).padStart(5, "0")}`);
  await throughput("device get (throughput)", ids, headers, Number(args.concurrency), Number(args.seconds));
  if (process.env.BENCH_CEILING) {
    await throughput("ceiling: /health", [`${base}/health`], headers, Number(args.concurrency), Number(args.seconds));
    await throughput("ceiling: /auth/me (token, no database)", [`${base}/api/v1/auth/me`], headers, Number(args.concurrency), Number(args.seconds));
    await throughput("ceiling: site get (one small query)", [`${api}/sites/site-3`], headers, Number(args.concurrency), Number(args.seconds));
    await throughput("ceiling: device get c=8", ids, headers, 8, Number(args.seconds));
  }
} finally {
  serve.kill("SIGTERM");
  await serve.exited;
  await sql.end({ timeout: 5 });
}
