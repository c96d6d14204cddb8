import { randomUUID } from "node:crypto";
import { asWorker, connect } from "../src/platform/db";
import { loadMigrations, migrate } from "../src/platform/migrate";
import { quietLog } from "../src/testing/db";
import { tokenHash } from "../src/testing/fixtures";
import { loadHttp, type SimDevice } from "./loadgen";

const name = `pulse_q_${randomUUID().slice(0, 8)}`;
const admin = connect({ url: "postgres://postgres@127.0.0.1:5432/postgres", appName: "q", log: quietLog, max: 1 });
await admin.unsafe(`create database ${name}`);
const url = `postgres://postgres@127.0.0.1:5432/${name}`;
const sql = connect({ url, appName: "q", log: quietLog, max: 2 });
await migrate(sql, loadMigrations(), { log: quietLog });
const devices: SimDevice[] = Array.from({ length: 2000 }, (_, i) => ({ tenant: "bench", device: `dev-${i}`, token: `pt_${i}_${randomUUID()}`, siteId: "site-1" }));
await asWorker(sql, async (tx) => {
  await tx`insert into tenants (tenant_id, name) values ('bench', 'Bench')`;
  await tx`insert into sites (tenant_id, site_id, name) values ('bench', 'site-1', 'S')`;
  await tx`insert into device_registry (tenant_id, device_id, site_id) select 'bench', d, 'site-1' from unnest(${devices.map((d) => d.device)}::text[]) d`;
  await tx`insert into device_credentials (tenant_id, device_id, kind, token_hash, token_prefix)
           select 'bench', d, 'provision_token', decode(h, 'hex'), 'pt_x' from unnest(${devices.map((d) => d.device)}::text[], ${devices.map((d) => tokenHash(d.token).toString("hex"))}::text[]) as x(d, h)`;
});
const prefix = `q${randomUUID().slice(0, 6)}`;
const env = { ...process.env, PULSE_DATABASE_URL: url, PULSE_NATS_PREFIX: prefix, PULSE_LOG_FORMAT: "json", PULSE_DEVICE_RATE: "0", PULSE_BUS_STORAGE_GIB: "2", PULSE_HTTP_PORT: "18080", PULSE_HEALTH_PORT: "19464" };
const serve = Bun.spawn(["node_modules/.bin/bun", ...(process.env.PROF ? ["--cpu-prof-md", "--cpu-prof-dir=/tmp/prof", "--cpu-prof-name=serve.md"] : []), "cmd/pulse.ts", "serve"], { env, stdout: "inherit", stderr: "inherit" });
const ingest = Bun.spawn(["node_modules/.bin/bun", ...(process.env.PROF ? ["--cpu-prof-md", "--cpu-prof-dir=/tmp/prof", "--cpu-prof-name=ingest.md"] : []), "cmd/pulse.ts", "ingest"], { env, stdout: "inherit", stderr: "inherit" });
await Bun.sleep(2000);
const N = Number(process.argv[2] ?? 50000);
const batch = Number(process.argv[3] ?? 1);
const r = await loadHttp({ baseUrl: "http://127.0.0.1:18080", devices, messages: N, rate: 0, concurrency: Number(process.argv[4] ?? 64), batch });
console.log("load", r, (r.accepted / r.seconds).toFixed(0), "msg/s accepted");
const t0 = performance.now();
for (;;) {
  const [c] = await asWorker(sql, (tx) => tx`select count(*)::int as n from telemetry`);
  if (c!.n >= r.accepted || performance.now() - t0 > 60000) { console.log("stored", c!.n, "after extra", (performance.now() - t0).toFixed(0), "ms"); break; }
  await Bun.sleep(100);
}
serve.kill(); ingest.kill();
await Promise.all([serve.exited, ingest.exited]);
await sql.end();
await admin.unsafe(`drop database ${name} with (force)`);
await admin.end();
await (await import("../src/platform/bus/jetstream")).deleteStreams("nats://127.0.0.1:4222", prefix);
