/**
 * The database side of ingest alone: rows/s for each way of writing a batch of telemetry
 * (multi-row insert from arrays with ON CONFLICT, COPY into a staging table then insert, raw
 * COPY as the ceiling), and the cost of the device state upsert that rides along.
 */
import { randomUUID } from "node:crypto";
import { asWorker, jsonbArray, type Sql } from "../../src/platform/db";
import { insertTelemetry, upsertDeviceState, type TelemetryRow } from "../../src/telemetry/queries";
import { deriveState } from "../../src/telemetry/service";
import { testDb } from "../../src/testing/db";

const ROWS = Number(process.argv[3] ?? 100_000);
const BATCH = Number(process.argv[4] ?? 1000);
const DEVICES = 2000;

function rows(n: number, offset: number): TelemetryRow[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    time: new Date(now - 60_000 + ((offset + i) % 60_000)),
    tenant: "bench",
    device: `dev-${(offset + i) % DEVICES}`,
    siteId: "site-1",
    msgType: "telemetry",
    seq: offset + i,
    metrics: { temp_c: 21.5, humidity_pct: 40 + (i % 30), door_open: i % 7 === 0, rssi_dbm: -60 - (i % 40) },
    msgId: randomUUID(),
  }));
}

async function timed(name: string, sql: Sql, write: (batch: TelemetryRow[]) => Promise<unknown>) {
  await sql`truncate telemetry, device_state`;
  const started = performance.now();
  for (let i = 0; i < ROWS; i += BATCH) await write(rows(Math.min(BATCH, ROWS - i), i));
  const s = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ bench: "write", method: name, rows: ROWS, batch: BATCH, rows_per_s: Math.round(ROWS / s) }));
  return ROWS / s;
}

const tsv = (b: TelemetryRow[]) =>
  b.map((r) => [r.time.toISOString(), r.tenant, r.device, r.siteId, r.msgType, r.seq, JSON.stringify(r.metrics), r.msgId].join("\t")).join("\n") + "\n";

async function copyInto(sql: Sql, table: string, batch: TelemetryRow[]) {
  const stream = await sql.unsafe(`copy ${table} (time, tenant_id, device_id, site_id, msg_type, seq, metrics, msg_id) from stdin`).writable();
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    stream.write(tsv(batch));
    stream.end(resolve);
  });
}

await using db = await testDb();
await asWorker(db.sql, async (tx) => {
  await tx`insert into tenants (tenant_id, name) values ('bench', 'B')`;
  await tx`insert into sites (tenant_id, site_id, name) values ('bench', 'site-1', 'S')`;
  await tx`insert into device_registry (tenant_id, device_id, site_id) select 'bench', 'dev-' || i, 'site-1' from generate_series(0, ${DEVICES - 1}) i`;
});
const sql = db.sql;
const ceiling = await timed("copy (raw ceiling, no dedup)", sql, (b) => copyInto(sql, "telemetry", b));
await timed("insert from arrays, on conflict do nothing (the alternative)", sql, (b) =>
  asWorker(sql, (tx) => tx`
    insert into telemetry (time, tenant_id, device_id, site_id, msg_type, seq, metrics, msg_id)
    select * from unnest(${b.map((x) => x.time.toISOString())}::timestamptz[], ${b.map((x) => x.tenant)}::text[],
      ${b.map((x) => x.device)}::text[], ${b.map((x) => x.siteId)}::text[], ${b.map((x) => x.msgType)}::text[],
      ${b.map((x) => x.seq)}::int8[], ${jsonbArray(b.map((x) => x.metrics))}::jsonb[], ${b.map((x) => x.msgId)}::uuid[])
    on conflict do nothing`),
);
await timed("copy to staging + insert on conflict (insertTelemetry)", sql, (b) => asWorker(sql, (tx) => insertTelemetry(tx, b)));
const withState = await timed("insertTelemetry + device state upsert (the ingest transaction)", sql, (b) =>
  asWorker(sql, async (tx) => {
    await insertTelemetry(tx, b);
    await upsertDeviceState(tx, deriveState(b));
  }),
);
console.log(JSON.stringify({ bench: "write", pipeline_share_of_copy: +(withState / ceiling).toFixed(2) }));
