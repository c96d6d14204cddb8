import { afterAll, beforeAll, expect, test } from "bun:test";
import { hostname } from "node:os";
import { STREAMS, type Bus } from "../../../platform/bus/bus";
import { startHeartbeat } from "../../../platform/heartbeat";
import { createLifecycle, type Lifecycle } from "../../../platform/lifecycle";
import { VERSION } from "../../../platform/version";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { testLocalBus, type TestBus } from "../../../testing/bus";
import { describePg, quietLog } from "../../../testing/db";

const PATH = "/api/v1/operator/system";

describePg("operator system health", () => {
  let h: ApiHarness;
  let bus: TestBus;
  let lifecycle: Lifecycle;
  let operator: string;
  let instanceId: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    bus = testLocalBus();
    lifecycle = createLifecycle(quietLog);
    operator = await h.token({ tenant: null, roles: ["operator"] });
    instanceId = (await startHeartbeat(h.db.sql, { role: "ingest", lifecycle, log: quietLog })).instanceId;
    const sql = h.db.sql;
    // Down: not seen for 10 minutes at 15 s; up: 2 minutes at 60 s; no interval recorded: 15 s assumed.
    await sql`
      insert into role_instances (instance_id, role, host, pid, version, started_at, last_seen_at, info) values
        ('00000000-0000-4000-8000-00000000000a', 'evaluate', 'box-2', 41, '0.0.9', now() - interval '1 hour', now() - interval '10 minutes', '{"heartbeatMs": 15000}'),
        ('00000000-0000-4000-8000-00000000000b', 'deliver', 'box-2', 42, '0.0.9', now() - interval '1 hour', now() - interval '2 minutes', '{"heartbeatMs": 60000}'),
        ('00000000-0000-4000-8000-00000000000c', 'serve', 'box-3', 43, '0.0.9', now() - interval '1 hour', now() - interval '30 seconds', '{}'),
        ('00000000-0000-4000-8000-00000000000d', 'serve', 'box-3', 44, '0.0.9', now() - interval '1 hour', now() - interval '50 seconds', '{}')`;
    await sql`update alerts set status = 'ACKNOWLEDGED', acknowledged_at = now() where tenant_id = 'globex'`;
    // The seed already counted one rejection per tenant in the current minute.
    await sql`insert into quarantine_counters_minute (minute, tenant_id, reason, count) values
                (date_trunc('minute', now() - interval '30 minutes'), 'acme', 'RATE_LIMITED', 5),
                (date_trunc('minute', now() - interval '2 hours'), 'acme', 'RATE_LIMITED', 100)`;
    for (let i = 0; i < 3; i++) await bus.bus.publish("TELEMETRY", "acme", new TextEncoder().encode(`{"n":${i}}`));
  });
  afterAll(async () => {
    await lifecycle?.[Symbol.asyncDispose]();
    await bus?.[Symbol.asyncDispose]();
    await h?.[Symbol.asyncDispose]();
  });

  const get = (token?: string) => h.call("GET", PATH, { token });

  /** Whole minutes are counted: keep the rows and the request inside one minute. */
  async function insideOneMinute() {
    const [now] = await h.db.sql<{ s: number }[]>`select extract(second from now())::float8 as s`;
    const s = now!.s;
    if (s > 50) await Bun.sleep((61 - s) * 1000);
  }

  test("roles, bus backlog, database, ingest rate and alerts in one answer", async () => {
    await insideOneMinute();
    // Previous minute: device a sent 30 messages carrying t and h, device b 12; ten minutes ago 90;
    // twenty minutes ago (outside 15 min) 1000; the current, partial minute does not count.
    await h.db.sql`delete from telemetry_minute`;
    await h.db.sql`
      insert into telemetry_minute (tenant_id, device_id, metric_key, minute, count, sum, min, max)
      select tenant, device, metric, date_trunc('minute', now()) - ago * interval '1 minute', n, 0, 0, 0
      from (values ('acme', 'a', 't', 1, 30), ('acme', 'a', 'h', 1, 30), ('globex', 'b', 't', 1, 12),
                   ('acme', 'a', 't', 10, 90), ('acme', 'a', 't', 20, 1000), ('acme', 'a', 't', 0, 7)) v(tenant, device, metric, ago, n)`;
    h.deps.bus = bus.bus;
    const r = await get(operator);
    expect(r.status).toBe(200);
    const role = (id: string, role: string, host: string, pid: number, up: boolean, info: object) =>
      ({ role, instanceId: id, host, pid, version: "0.0.9", startedAt: expect.any(String), lastSeenAt: expect.any(String), up, info });
    expect(r.body).toEqual({
      roles: [
        role("00000000-0000-4000-8000-00000000000b", "deliver", "box-2", 42, true, { heartbeatMs: 60000 }),
        role("00000000-0000-4000-8000-00000000000a", "evaluate", "box-2", 41, false, { heartbeatMs: 15000 }),
        { ...role(instanceId, "ingest", hostname(), process.pid, true, { heartbeatMs: 15000 }), version: VERSION },
        role("00000000-0000-4000-8000-00000000000c", "serve", "box-3", 43, true, {}),
        role("00000000-0000-4000-8000-00000000000d", "serve", "box-3", 44, false, {}),
      ],
      bus: STREAMS.map((s) => ({ stream: s.key, pending: s.key === "TELEMETRY" ? 3 : 0, inFlight: 0, error: null })),
      database: { sizeBytes: expect.any(Number), tables: expect.any(Array), connections: expect.any(Number) },
      ingest: { perSecond1m: 42 / 60, perSecond15m: expect.closeTo(132 / 900, 9), quarantinedLastHour: 7 },
      alerts: { open: 1, acknowledged: 1 },
    });
    const { sizeBytes, tables, connections } = r.body.database as { sizeBytes: number; tables: { name: string; bytes: number }[]; connections: number };
    expect(connections).toBeGreaterThanOrEqual(1);
    expect(tables.length).toBe(8);
    expect(tables.map((t) => t.bytes)).toEqual(tables.map((t) => t.bytes).sort((a, b) => b - a));
    expect(tables.reduce((n, t) => n + t.bytes, 0)).toBeLessThanOrEqual(sizeBytes);
    const [audit] = await h.db.sql`select action, target_tenant_id from operator_audit_log order by audit_id desc limit 1`;
    expect(audit).toEqual({ action: "system.read", targetTenantId: null });
  }, 20_000); // insideOneMinute may wait for the next minute

  test("without a bus the backlog is empty; a bus that fails says so per stream", async () => {
    h.deps.bus = undefined;
    expect((await get(operator)).body.bus).toEqual([]);
    h.deps.bus = { backlog: () => Promise.reject(new Error("nats: timeout")) } as unknown as Bus;
    const r = await get(operator);
    expect(r.status).toBe(200);
    expect(r.body.bus[0]).toEqual({ stream: "TELEMETRY", pending: null, inFlight: null, error: "nats: timeout" });
    expect(r.body.bus.length).toBe(STREAMS.length);
  });

  test("tenant users get 403, no token 401, and neither is audited", async () => {
    const before = await h.db.sql`select count(*)::int as n from operator_audit_log`;
    const { admin, viewer } = await h.tokens("acme");
    for (const token of [viewer, admin]) {
      const r = await get(token);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe("FORBIDDEN");
    }
    expect((await get()).status).toBe(401);
    expect(await h.db.sql`select count(*)::int as n from operator_audit_log`).toEqual(before);
  });
});
