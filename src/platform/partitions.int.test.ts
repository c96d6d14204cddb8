/**
 * Telemetry storage by day and the retention that drops old days, on plain PostgreSQL
 * (no TimescaleDB here: the native partitioning path).
 */
import { expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { asWorker, connect, withTenant, type Sql } from "./db";
import { describePg, quietLog, testDb } from "../testing/db";
import { seedTenant } from "../testing/fixtures";

const DAY = 86_400_000;
const utcDay = (t: Date) => t.toISOString().slice(0, 10).replaceAll("-", "");

async function partitions(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'telemetry'::regclass order by 1`;
  return rows.map((r) => r.name);
}

const insertAt = (sql: Sql, time: Date) =>
  asWorker(sql, (tx) => tx`
    insert into telemetry (time, tenant_id, device_id, msg_type, metrics, msg_id)
    values (${time}, 'acme', 'gw-1', 'telemetry', ${tx.json({ v: 1 })}, ${randomUUID()})`);

describePg("telemetry partitions and retention", () => {
  test("telemetry is partitioned by UTC day, with yesterday to a week ahead ready after migrating", async () => {
    await using db = await testDb();
    const now = Date.now();
    const expected = [-1, 0, 1, 2, 3, 4, 5, 6, 7].map((d) => `telemetry_p${utcDay(new Date(now + d * DAY))}`);
    const parts = await partitions(db.sql);
    for (const p of expected) expect(parts).toContain(p);
  });

  test("a row for a day without a partition is refused until the day is created; creating is idempotent", async () => {
    await using db = await testDb();
    await seedTenant(db.sql, "acme");
    const old = new Date("2020-02-29T23:59:59Z");
    const refused = await insertAt(db.sql, old).catch((e) => e);
    expect(refused.details?.sqlstate).toBe("23514");
    const made = await asWorker(db.sql, (tx) => tx<{ n: number }[]>`select pulse_ensure_partitions('telemetry', ${old}, ${old}) as n`);
    expect(made[0]!.n).toBe(1);
    await insertAt(db.sql, old);
    const again = await asWorker(db.sql, (tx) => tx<{ n: number }[]>`select pulse_ensure_partitions('telemetry', ${old}, ${old}) as n`);
    expect(again[0]!.n).toBe(0);
    expect(await partitions(db.sql)).toContain("telemetry_p20200229");
  });

  test("ingest replicas creating the same days at once all succeed, and each day exists once", async () => {
    await using db = await testDb();
    const replicas = [1, 2, 3, 4].map(() => connect({ url: db.url, appName: "replica", log: quietLog, max: 1 }));
    try {
      const made = await Promise.all(
        replicas.map((sql) =>
          asWorker(sql, (tx) => tx<{ n: number }[]>`
            select pulse_ensure_partitions('telemetry', '2021-03-01T00:00:00Z', '2021-03-10T12:00:00Z') as n`),
        ),
      );
      expect(made.reduce((sum, r) => sum + r[0]!.n, 0)).toBe(10);
    } finally {
      await Promise.all(replicas.map((sql) => sql.end()));
    }
    expect((await partitions(db.sql)).filter((p) => p.startsWith("telemetry_p202103")).length).toBe(10);
  });

  test("partition maintenance refuses absurd ranges and is not open to the application role", async () => {
    await using db = await testDb();
    const absurd = await asWorker(db.sql, (tx) => tx`select pulse_ensure_partitions('telemetry', '1970-01-01', now())`).catch((e) => e);
    expect(absurd.message).toContain("refusing partition range");
    await seedTenant(db.sql, "acme");
    const denied = await withTenant(db.sql, "acme", (tx) => tx`select pulse_ensure_partitions('telemetry', now(), now())`).catch((e) => e);
    expect(denied.code).toBe("FORBIDDEN");
  });

  test("retention drops old telemetry days and deletes old bookkeeping rows, keeping open dead letters", async () => {
    await using db = await testDb();
    await seedTenant(db.sql, "acme");
    const now = new Date();
    const old = new Date(now.getTime() - 40 * DAY);
    await asWorker(db.sql, (tx) => tx`select pulse_ensure_partitions('telemetry', ${old}, ${old})`);
    await insertAt(db.sql, old);
    await insertAt(db.sql, now);
    await asWorker(db.sql, async (tx) => {
      await tx`insert into audit_log (time, tenant_id, category, action, actor_type) values (${new Date(now.getTime() - 400 * DAY)}, 'acme', 'devices', 'device.deleted', 'system')`;
      await tx`insert into quarantine_events (received_at, tenant_id, source, reason) values (${old}, 'acme', 'http', 'TOKEN_INVALID')`;
      await tx`update dead_letter_messages set first_failed_at = ${old}, last_failed_at = ${old}`;
      await tx`insert into dead_letter_messages (tenant_id, source, payload, destination_type, destination, error_message, attempts, status, resolved_at)
               values ('acme', 'route', '\\x00', 'webhook', 'https://example.test', 'HTTP 503', 3, 'DISCARDED', ${old})`;
    });
    const result = await asWorker(db.sql, (tx) => tx<{ tableName: string; method: string; removed: string }[]>`
      select table_name, method, removed from pulse_apply_retention(${now})`);
    const byTable = Object.fromEntries(result.map((r) => [r.tableName, `${r.method}:${r.removed}`]));
    expect(byTable.telemetry).toMatch(/^drop_partitions:[1-9]/);
    expect(byTable).toMatchObject({
      audit_log: "delete_rows:1",
      quarantine_events: "delete_rows:1",
      dead_letter_messages: "delete_rows:1",
      operator_audit_log: "delete_rows:0",
      quarantine_counters_minute: "delete_rows:0",
    });
    const left = await asWorker(db.sql, (tx) => tx<{ t: number; dl: number; q: number; a: number }[]>`
      select (select count(*)::int from telemetry) as t,
             (select count(*)::int from dead_letter_messages where status = 'FAILED') as dl,
             (select count(*)::int from quarantine_events) as q,
             (select count(*)::int from audit_log) as a`);
    // seed row + the row written now; the 40-day-old day is gone. Open dead letters stay.
    expect({ ...left[0]! }).toEqual({ t: 2, dl: 1, q: 1, a: 1 });
    expect(await partitions(db.sql)).not.toContain(`telemetry_p${utcDay(old)}`);
  });

  test("a retention policy must name an existing table", async () => {
    await using db = await testDb();
    const err = await asWorker(db.sql, (tx) => tx`
      insert into retention_policies (table_name, time_column, keep) values ('no_such_table', 'time', '1 day')`).catch((e) => e);
    expect(err.code).toBe("BAD_REQUEST");
  });
});
