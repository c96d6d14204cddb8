import { afterAll, beforeAll, expect, test } from "bun:test";
import { hostname } from "node:os";
import { describePg, quietLog, testDb, type TestDb } from "../testing/db";
import { connect } from "./db";
import { startHeartbeat } from "./heartbeat";
import { createLifecycle } from "./lifecycle";
import { createLogger } from "./log";
import { VERSION } from "./version";

/** A logger that keeps the messages it was given. */
function recordingLog() {
  const lines: { msg: string; level: string }[] = [];
  return { lines, log: createLogger({ svc: "test", level: "info", format: "json", write: (l) => void lines.push(JSON.parse(l)) }) };
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await read();
    if (ok(v)) return v;
    await Bun.sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describePg("role heartbeats", () => {
  let db: TestDb;
  beforeAll(async () => void (db = await testDb()));
  afterAll(() => db?.[Symbol.asyncDispose]());

  const rows = async () => [...(await db.sql<{ instanceId: string; role: string; lastSeenAt: Date }[]>`select instance_id, role, last_seen_at from role_instances order by role`)];

  test("the row appears at start, keeps moving, and disappears on an orderly stop", async () => {
    const lifecycle = createLifecycle(quietLog);
    const hb = await startHeartbeat(db.sql, { role: "ingest", lifecycle, log: quietLog, intervalMs: 20, info: { shard: 2 } });
    const [row] = await db.sql`select * from role_instances where instance_id = ${hb.instanceId}`;
    expect(row).toEqual({
      instanceId: hb.instanceId,
      role: "ingest",
      host: hostname(),
      pid: process.pid,
      version: VERSION,
      startedAt: expect.any(Date),
      lastSeenAt: expect.any(Date),
      info: { shard: 2, heartbeatMs: 20 },
    });
    expect(row!.startedAt.getTime()).toBeLessThanOrEqual(row!.lastSeenAt.getTime());
    await until("a second heartbeat", rows, (r) => r[0]!.lastSeenAt.getTime() > row!.lastSeenAt.getTime());

    await lifecycle[Symbol.asyncDispose]();
    expect(await rows()).toEqual([]);
    await hb.stop(); // again: a no-op
    await Bun.sleep(60);
    expect(await rows()).toEqual([]);
  });

  test("a heartbeat forgets processes not seen for a day, and only those", async () => {
    await db.sql`
      insert into role_instances (instance_id, role, host, pid, version, started_at, last_seen_at)
      values (gen_random_uuid(), 'crashed', 'h1', 1, '0.0.1', now() - interval '3 days', now() - interval '25 hours'),
             (gen_random_uuid(), 'stalled', 'h1', 2, '0.0.1', now() - interval '3 days', now() - interval '23 hours')`;
    await using lifecycle = createLifecycle(quietLog);
    await startHeartbeat(db.sql, { role: "serve", lifecycle, log: quietLog });
    expect((await rows()).map((r) => r.role)).toEqual(["serve", "stalled"]);
    await db.sql`delete from role_instances`;
  });

  test("an outage never throws: one warning when it starts, one note when it ends", async () => {
    const { lines, log } = recordingLog();
    await using lifecycle = createLifecycle(quietLog);
    await db.sql`alter table role_instances rename to role_instances_away`;
    const hb = await startHeartbeat(db.sql, { role: "evaluate", lifecycle, log, intervalMs: 10 });
    await Bun.sleep(100); // several failed beats
    await db.sql`alter table role_instances_away rename to role_instances`;
    await until("the heartbeat to come back", rows, (r) => r.length === 1);
    await until("the recovery note", async () => lines, (l) => l.some((x) => x.msg === "heartbeat recovered"));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([["warn", "heartbeat failed"], ["info", "heartbeat recovered"]]);
    await hb.stop();
    expect(await rows()).toEqual([]);
  });

  test("a database that cannot be reached at all: start and stop still succeed", async () => {
    const { lines, log } = recordingLog();
    const dead = connect({ url: "postgres://postgres@127.0.0.1:1/nowhere", appName: "pulse-test", log: quietLog, max: 1, connectTimeoutSeconds: 1 });
    await using lifecycle = createLifecycle(quietLog);
    const hb = await startHeartbeat(dead, { role: "deliver", lifecycle, log, intervalMs: 10 });
    await Bun.sleep(60);
    await hb.stop();
    await dead.end();
    expect(lines.map((l) => l.msg)).toEqual(["heartbeat failed", "heartbeat row not removed"]);
  });
});
