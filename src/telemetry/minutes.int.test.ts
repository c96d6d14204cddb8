/** The per-minute aggregates ingest keeps beside the raw rows, and history read from them. */
import { expect, test } from "bun:test";
import { asWorker, withTenant } from "../platform/db";
import { describePg, testDb } from "../testing/db";
import { addDevice } from "../testing/fixtures";
import { insertTelemetry, type TelemetryRow } from "./queries";
import { history } from "./reads";

describePg("per-minute telemetry aggregates", () => {
  test("count each stored message once, redeliveries included, and match a rebuild from the raw rows", async () => {
    await using db = await testDb();
    await addDevice(db.sql, { tenant: "acme", device: "d1" });
    const start = Date.parse("2026-01-01T00:00:00Z") + Math.floor((Date.now() - Date.parse("2026-01-01T00:00:00Z")) / 3_600_000 - 2) * 3_600_000;
    const rows: TelemetryRow[] = Array.from({ length: 600 }, (_, i) => ({
      time: new Date(start + i * 7_000 + (i % 3)),
      tenant: "acme",
      device: "d1",
      siteId: null,
      msgType: "telemetry",
      seq: i,
      metrics: { temp_c: (i * 37) % 101 / 10, open: i % 4 === 0, label: "x" },
      msgId: crypto.randomUUID(),
    }));
    await asWorker(db.sql, (tx) => insertTelemetry(tx, rows.slice(0, 400)));
    // A redelivered batch overlapping the first: only the 200 new rows may count.
    expect(await asWorker(db.sql, (tx) => insertTelemetry(tx, rows.slice(300)))).toBe(200);

    const snapshot = () => db.sql`select device_id, metric_key, minute, count, sum, min, max from telemetry_minute order by 1, 2, 3`;
    const kept = await snapshot();
    expect(kept.reduce((n, r) => n + r.count, 0)).toBe(1200); // 600 messages × 2 numeric metrics
    await db.sql`select pulse_rebuild_telemetry_minutes(${new Date(start)}, ${new Date(start + 600 * 7_000)})`;
    const rebuilt = await snapshot();
    expect(kept.map((r) => ({ ...r, sum: +r.sum.toFixed(9) }))).toEqual(rebuilt.map((r) => ({ ...r, sum: +r.sum.toFixed(9) })));

    // History over ragged edges equals the brute-force answer from the raw rows.
    const from = new Date(start + 123_456);
    const to = new Date(start + 3_456_789);
    const buckets = await withTenant(db.sql, "acme", (tx) => history(tx, "d1", { metric: "temp_c", from, to, bucketSeconds: 900 }));
    const inRange = rows.filter((r) => r.time >= from && r.time < to);
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(inRange.length);
    const first = inRange.filter((r) => r.time.getTime() < Math.ceil(from.getTime() / 900_000) * 900_000).map((r) => r.metrics.temp_c as number);
    expect(buckets[0]!.count).toBe(first.length);
    expect(buckets[0]!.min).toBe(Math.min(...first));
    expect(buckets[0]!.max).toBe(Math.max(...first));
    expect(buckets[0]!.avg).toBeCloseTo(first.reduce((a, b) => a + b, 0) / first.length, 9);
  });

  test("COPY and INSERT loading store the same rows, site, sequence and metrics included", async () => {
    await using db = await testDb();
    await addDevice(db.sql, { tenant: "acme", device: "d1" });
    const rows = (tag: string): TelemetryRow[] =>
      Array.from({ length: 50 }, (_, i) => ({
        time: new Date(Date.now() - i * 1_000),
        tenant: "acme",
        device: "d1",
        siteId: i % 2 ? "plant-1" : null,
        msgType: "telemetry",
        seq: i % 3 ? i : null,
        metrics: { temp_c: i / 10, open: i % 4 === 0, label: `${tag}\t"x"\n` },
        msgId: crypto.randomUUID(),
      }));
    const viaCopy = rows("copy");
    const viaInsert = rows("insert");
    expect(await asWorker(db.sql, (tx) => insertTelemetry(tx, viaCopy, "copy"))).toBe(50);
    expect(await asWorker(db.sql, (tx) => insertTelemetry(tx, viaInsert, "insert"))).toBe(50);
    expect(await asWorker(db.sql, (tx) => insertTelemetry(tx, viaInsert, "insert"))).toBe(0); // redelivered: stored once
    const stored = await db.sql<{ msgId: string; siteId: string | null; seq: string | null; metrics: Record<string, unknown> }[]>`
      select msg_id, site_id, seq, metrics from telemetry`;
    const byId = new Map(stored.map((r) => [r.msgId, r]));
    for (const r of [...viaCopy, ...viaInsert]) {
      const s = byId.get(r.msgId)!;
      expect([s.siteId, s.seq === null ? null : Number(s.seq), s.metrics]).toEqual([r.siteId, r.seq, r.metrics]);
    }
  });
});
