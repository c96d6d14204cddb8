/**
 * `pulse evaluate` on its own: EVALUATE jobs in, alerts and status out. Its memory of hold
 * timers and telemetry gaps survives a restart (rule_state), and replicas with different
 * shards split the tenants between them without evaluating any twice.
 */
import { expect, test } from "bun:test";
import { createLifecycle, type Lifecycle } from "../../platform/lifecycle";
import { createMetrics } from "../../platform/metrics";
import { asWorker, type Sql } from "../../platform/db";
import { partitionOf, type Bus } from "../../platform/bus/bus";
import type { EvaluateJob } from "../../platform/subjects";
import { describePg, quietLog, testDb } from "../../testing/db";
import { describeNats, testBus } from "../../testing/bus";
import { addDevice } from "../../testing/fixtures";
import { evaluate } from "./main";

const suite = describeNats === describePg ? describePg : describeNats;

function startEvaluator(sql: Sql, bus: Bus, shard = "0/1"): { lifecycle: Lifecycle; done: Promise<void>; stop(): Promise<void> } {
  const lifecycle = createLifecycle(quietLog);
  const done = evaluate({ sql, bus, metrics: createMetrics("test") }, { evaluateShard: shard, evaluateTickMs: 100 }, quietLog, lifecycle);
  return {
    lifecycle,
    done,
    async stop() {
      lifecycle.stop("test");
      await done;
      await lifecycle[Symbol.asyncDispose]();
    },
  };
}

const send = (bus: Bus, tenant: string, rows: EvaluateJob["rows"]) =>
  bus.publish("EVALUATE", tenant, new TextEncoder().encode(JSON.stringify({ v: 1, tenant, rows } satisfies EvaluateJob)));

async function rule(sql: Sql, tenant: string, type: string, definition: object): Promise<string> {
  const [r] = await asWorker(sql, (tx) => tx<{ ruleId: string }[]>`
    insert into alert_rules (tenant_id, name, rule_type, severity, definition) values (${tenant}, ${`${type} rule`}, ${type}, 3, ${tx.json(definition as never)})
    returning rule_id`);
  return r!.ruleId;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

interface AlertSummary {
  deviceId: string;
  alertType: string;
  status: string;
  triggerCount: number;
}

const alertsOf = async (sql: Sql, tenant: string): Promise<AlertSummary[]> => [
  ...(await asWorker(sql, (tx) => tx<AlertSummary[]>`
    select device_id, alert_type, status, trigger_count from alerts where tenant_id = ${tenant} order by device_id, alert_type`)),
];

suite("pulse evaluate", () => {
  test("a hold timer and a telemetry gap started before a restart still fire after it", async () => {
    await using db = await testDb();
    await using t = await testBus({ kind: "jetstream" });
    await addDevice(db.sql, { tenant: "acme", device: "d-1" });
    await rule(db.sql, "acme", "threshold", { conditions: [{ metric: "temp_c", op: "GT", value: 80 }], holdSeconds: 4 });
    await rule(db.sql, "acme", "telemetry_gap", { metric: "flow", gapSeconds: 60 });
    let ev = startEvaluator(db.sql, t.bus);
    const now = Date.now();
    // The gap rule's clock started 57 s ago (it fires in 3 s); the 4 s hold began now.
    await send(t.bus, "acme", [["d-1", now - 57_000, "telemetry", { flow: 1 }], ["d-1", now, "telemetry", { temp_c: 90 }]]);
    await until("the device online", async () => (await asWorker(db.sql, (tx) => tx`select 1 from device_state where status = 'ONLINE'`)).length === 1 || null);
    await ev.stop();
    expect(await alertsOf(db.sql, "acme")).toEqual([]);
    const [saved] = await asWorker(db.sql, (tx) => tx<{ n: number }[]>`select count(*)::int as n from rule_state`);
    expect(saved!.n).toBe(2);

    ev = startEvaluator(db.sql, t.bus);
    try {
      const rows = await until("both alerts", async () => {
        const a = await alertsOf(db.sql, "acme");
        return a.length === 2 ? a : null;
      });
      expect(rows.map((r) => [r.alertType, r.status])).toEqual([["NO_TELEMETRY", "OPEN"], ["THRESHOLD", "OPEN"]]);
      expect(Date.now() - now).toBeGreaterThanOrEqual(3_000);
    } finally {
      await ev.stop();
    }
  }, 30_000);

  test("two replicas with shards 0/2 and 1/2 evaluate every tenant, each exactly once", async () => {
    await using db = await testDb();
    await using t = await testBus({ kind: "jetstream" });
    const tenants = Array.from({ length: 8 }, (_, i) => `tenant-${i}`);
    expect(new Set(tenants.map((x) => partitionOf(x, 8) % 2)).size).toBe(2);
    for (const tenant of tenants) {
      await addDevice(db.sql, { tenant, device: "d-1" });
      await rule(db.sql, tenant, "threshold", { conditions: [{ metric: "temp_c", op: "GT", value: 80 }] });
    }
    const a = startEvaluator(db.sql, t.bus, "0/2");
    const b = startEvaluator(db.sql, t.bus, "1/2");
    try {
      const now = Date.now();
      for (let i = 0; i < 3; i++) for (const tenant of tenants) await send(t.bus, tenant, [["d-1", now + i, "telemetry", { temp_c: 90 + i }]]);
      for (const tenant of tenants) {
        const rows = await until(`${tenant}'s alert`, async () => {
          const r = await alertsOf(db.sql, tenant);
          return r[0]?.triggerCount === 3 ? r : null;
        });
        expect(rows).toEqual([{ deviceId: "d-1", alertType: "THRESHOLD", status: "OPEN", triggerCount: 3 }]);
      }
      const [opened] = await asWorker(db.sql, (tx) => tx<{ n: number }[]>`select count(*)::int as n from alert_events where transition = 'OPEN'`);
      expect(opened!.n).toBe(tenants.length);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 30_000);

  test("a rule scoped to a dynamic group covers the devices its filter matches", async () => {
    await using db = await testDb();
    await using t = await testBus({ kind: "jetstream" });
    for (const device of ["d-1", "d-2"]) await addDevice(db.sql, { tenant: "acme", device });
    const groupId = await asWorker(db.sql, async (tx) => {
      await tx`insert into device_tags (tenant_id, device_id, tag) values ('acme', 'd-1', 'boiler')`;
      const [g] = await tx<{ groupId: string }[]>`
        insert into device_groups (tenant_id, name, kind, filter) values ('acme', 'Boilers', 'dynamic', ${tx.json({ tag: ["boiler"] })}) returning group_id`;
      return g!.groupId;
    });
    const ruleId = await rule(db.sql, "acme", "threshold", { conditions: [{ metric: "temp_c", op: "GT", value: 80 }] });
    await asWorker(db.sql, (tx) => tx`update alert_rules set scope = ${tx.json({ groupIds: [groupId] })} where rule_id = ${ruleId}`);
    const ev = startEvaluator(db.sql, t.bus);
    try {
      await send(t.bus, "acme", [["d-1", Date.now(), "telemetry", { temp_c: 90 }], ["d-2", Date.now(), "telemetry", { temp_c: 90 }]]);
      const rows = await until("d-1's alert", async () => {
        const r = await alertsOf(db.sql, "acme");
        return r.length ? r : null;
      });
      await Bun.sleep(300);
      expect(await alertsOf(db.sql, "acme")).toEqual([{ deviceId: "d-1", alertType: "THRESHOLD", status: "OPEN", triggerCount: 1 }]);
      expect(rows).toHaveLength(1);
    } finally {
      await ev.stop();
    }
  }, 30_000);

  test("narrowing a rule's scope closes the alerts of devices it no longer covers, with the reason", async () => {
    await using db = await testDb();
    await using t = await testBus({ kind: "jetstream" });
    for (const device of ["d-1", "d-2"]) await addDevice(db.sql, { tenant: "acme", device });
    const ruleId = await rule(db.sql, "acme", "threshold", { conditions: [{ metric: "temp_c", op: "GT", value: 80 }] });
    const ev = startEvaluator(db.sql, t.bus);
    try {
      await send(t.bus, "acme", [["d-1", Date.now(), "telemetry", { temp_c: 90 }], ["d-2", Date.now(), "telemetry", { temp_c: 90 }]]);
      await until("two alerts", async () => (await alertsOf(db.sql, "acme")).length === 2 || null);
      await asWorker(db.sql, (tx) => tx`update alert_rules set scope = ${tx.json({ deviceIds: ["d-2"] })} where rule_id = ${ruleId}`);
      const closed = await until("d-1's alert closed", async () => {
        const [r] = await asWorker(db.sql, (tx) => tx<{ closeReason: string }[]>`
          select close_reason from alerts where device_id = 'd-1' and status = 'CLOSED'`);
        return r;
      }, 15_000);
      expect(closed.closeReason).toBe("device left the rule's scope");
      expect((await alertsOf(db.sql, "acme")).map((a) => [a.deviceId, a.status])).toEqual([["d-1", "CLOSED"], ["d-2", "OPEN"]]);
    } finally {
      await ev.stop();
    }
  }, 30_000);

  test("a breach announced after a newer normal reading still opens an alert, which closes at once", async () => {
    await using db = await testDb();
    await using t = await testBus({ kind: "jetstream" });
    await addDevice(db.sql, { tenant: "acme", device: "d-1" });
    await rule(db.sql, "acme", "threshold", { conditions: [{ metric: "temp_c", op: "GT", value: 80 }] });
    const ev = startEvaluator(db.sql, t.bus);
    try {
      const now = Date.now();
      await send(t.bus, "acme", [["d-1", now, "telemetry", { temp_c: 20 }]]);
      await until("the device online", async () => (await asWorker(db.sql, (tx) => tx`select 1 from device_state where status = 'ONLINE'`)).length === 1 || null);
      await send(t.bus, "acme", [["d-1", now - 50, "telemetry", { temp_c: 200 }]]);
      const events = await until("open and close", async () => {
        const r = await asWorker(db.sql, (tx) => tx<{ transition: string }[]>`select transition from alert_events order by event_id`);
        return r.length === 2 ? r.map((e) => e.transition) : null;
      });
      expect(events).toEqual(["OPEN", "CLOSED"]);
    } finally {
      await ev.stop();
    }
  }, 30_000);
});
