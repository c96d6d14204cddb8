/**
 * The live hub against a real database: one poller per tenant, device changes once each
 * despite the re-read overlap, alert events once each despite the look-back (a late commit
 * with a lower id included), fleet counts on connect and on change, bursts, limits, expiry
 * and shutdown.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { fleetCounts } from "../fleet/queries";
import { asWorker, type Db, type Sql } from "../platform/db";
import { PulseError } from "../platform/errors";
import { upsertDeviceState } from "../telemetry/queries";
import { describePg, quietLog, testDb, type TestDb } from "../testing/db";
import { addDevice, seedTenant } from "../testing/fixtures";
import { LiveHub, type Subscription } from "./hub";
import { eventsOf, sse } from "../testing/sse";

const of = eventsOf;
const hour = () => new Date(Date.now() + 3_600_000);

async function writeState(sql: Sql, tenant: string, devices: string[], metrics: Record<string, number>) {
  const now = new Date();
  const latest = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, { v, t: now.toISOString() }]));
  await asWorker(sql, (tx) =>
    upsertDeviceState(tx, devices.map((device) => ({ tenant, device, lastHeartbeatAt: null, lastTelemetryAt: now, lastSeenAt: now, latest }))),
  );
}

async function openAlert(db: Db, tenant: string, device: string, severity: number): Promise<number> {
  const [a] = await db<{ alertId: string }[]>`
    insert into alerts (tenant_id, device_id, alert_type, fingerprint, severity, summary)
    values (${tenant}, ${device}, 'NO_HEARTBEAT', ${`NO_HEARTBEAT:${device}:${crypto.randomUUID()}`}, ${severity}, ${`${device} silent`}) returning alert_id`;
  const [e] = await db<{ eventId: string }[]>`
    insert into alert_events (tenant_id, alert_id, transition, actor) values (${tenant}, ${a!.alertId}, 'OPEN', 'evaluator') returning event_id`;
  return Number(e!.eventId);
}

describePg("live hub", () => {
  let db: TestDb;
  let hub: LiveHub;
  const opened: Array<ReturnType<typeof sse>> = [];

  beforeAll(async () => {
    db = await testDb();
    await seedTenant(db.sql, "acme");
    await seedTenant(db.sql, "globex");
    for (const d of ["d1", "d2", "d3"]) await addDevice(db.sql, { tenant: "acme", device: d });
    await addDevice(db.sql, { tenant: "globex", device: "g1" });
  });
  afterEach(async () => {
    await hub?.close();
    await Promise.all(opened.splice(0).map((s) => s.ended));
  });
  afterAll(() => db?.[Symbol.asyncDispose]());

  const start = (o: { maxStreamsPerTenant?: number } = {}) => (hub = new LiveHub(db.sql, { log: quietLog, fleetCounts, tickMs: 100, ...o }));
  const open = async (sub: Partial<Subscription>) => {
    const s = sse(await hub.open({ tenantId: "acme", devices: [], fleet: false, expiresAt: hour(), ...sub }));
    opened.push(s);
    await s.until(() => of(s.events, "hello").length, "hello");
    return s;
  };
  /** Lets `n` more polls run: enough for re-reads (overlap, look-back) to have happened. */
  const polls = async (n: number) => {
    const target = hub.stats().polls + n;
    while (hub.stats().polls < target) await Bun.sleep(20);
  };

  test("a listed device's change reaches its streams once, with the new values; others and other tenants see nothing", async () => {
    start();
    const d1 = await open({ devices: ["d1"] });
    const d2 = await open({ devices: ["d2"] });
    const other = await open({ tenantId: "globex", devices: ["d1", "g1"], fleet: true });
    expect(d1.events[0]).toEqual({ event: "hello", id: undefined, data: { tenantId: "acme", serverTime: expect.any(String), expiresAt: expect.any(String) } });
    await writeState(db.sql, "acme", ["d1"], { temp_c: 21.5, door: 1 });
    const ev = await d1.until(() => of(d1.events, "device")[0], "device d1");
    expect(ev.data).toEqual({
      deviceId: "d1",
      connectivity: "OFFLINE",
      lastSeenAt: expect.any(String),
      lastTelemetryAt: expect.any(String),
      latestMetrics: { temp_c: { value: 21.5, time: expect.any(String) }, door: { value: 1, time: expect.any(String) } },
    });
    await polls(25); // polls inside the 2 s overlap read the same row version again, and skip it
    expect(of(d1.events, "device")).toHaveLength(1);
    expect(of(d2.events, "device")).toEqual([]);
    expect(other.events.filter((e) => e.event === "device" && e.data.deviceId === "d1")).toEqual([]);
    await writeState(db.sql, "acme", ["d1"], { temp_c: 22 });
    await d1.until(() => of(d1.events, "device")[1], "second device event");
    expect(of(d1.events, "device")[1]!.data.latestMetrics.temp_c.value).toBe(22);
  });

  test("ten streams of a tenant share one poller, which stops when the last closes", async () => {
    start();
    const streams = [];
    for (let i = 0; i < 10; i++) streams.push(await open({ devices: ["d1"], fleet: i % 2 === 0 }));
    await open({ tenantId: "globex" });
    expect(hub.stats()).toMatchObject({ tenants: 2, streams: 11 });
    for (const s of streams) await s.cancel();
    expect(hub.stats()).toMatchObject({ tenants: 1, streams: 1 });
    await opened.at(-1)!.cancel();
    expect(hub.stats()).toMatchObject({ tenants: 0, streams: 0 });
    const after = hub.stats().polls;
    await Bun.sleep(300);
    expect(hub.stats().polls).toBeLessThanOrEqual(after + 1); // at most the tick that was in flight
  });

  test("an alert event arrives once, and one committed late with a lower id still arrives once", async () => {
    start();
    const s = await open({});
    const other = await open({ tenantId: "globex", fleet: true });
    let release = () => {};
    let lateId = 0;
    const late = db.sql.begin(async (tx) => {
      await tx`select set_config('role', 'pulse_worker', true)`;
      lateId = await openAlert(tx, "acme", "d2", 2);
      await new Promise<void>((r) => (release = r));
    });
    while (!lateId) await Bun.sleep(10);
    const firstId = await asWorker(db.sql, (tx) => openAlert(tx, "acme", "d1", 5));
    expect(firstId).toBeGreaterThan(lateId);
    const first = await s.until(() => of(s.events, "alert")[0], "the first alert");
    expect(first).toEqual({
      event: "alert",
      id: String(firstId),
      data: { alertId: expect.any(Number), deviceId: "d1", status: "OPEN", severity: 5, alertType: "NO_HEARTBEAT", summary: "d1 silent", event: "OPEN", at: expect.any(String) },
    });
    release();
    await late;
    await s.until(() => of(s.events, "alert")[1], "the late alert");
    await polls(10);
    expect(of(s.events, "alert").map((e) => Number(e.id))).toEqual([firstId, lateId]);
    expect(of(other.events, "alert")).toEqual([]);
  });

  test("fleet counts come on connect and again only when they change", async () => {
    start();
    const s = await open({ fleet: true });
    const first = await s.until(() => of(s.events, "fleet")[0], "fleet on connect");
    // gw-1 is ONLINE; d1 has a state row (OFFLINE), the rest none. The seed's alert and the two above are open.
    expect(first.data).toEqual({
      devices: { total: 5, byConnectivity: { ONLINE: 1, STALE: 0, OFFLINE: 4 } },
      openAlerts: { total: 3, bySeverity: { "1": 0, "2": 1, "3": 0, "4": 1, "5": 1 } },
    });
    const joined = await open({ fleet: true }); // gets the counts the poller holds, at once
    expect(of(joined.events, "fleet").map((e) => e.data)).toEqual([first.data]);
    await writeState(db.sql, "acme", ["gw-1"], { temp_c: 30 }); // a metric: no count changes
    await s.until(() => of(s.events, "device").find((e) => e.data.deviceId === "gw-1"), "gw-1 state");
    await polls(25); // past the 2 s minimum between recounts
    expect(of(s.events, "fleet")).toHaveLength(1);
    await asWorker(db.sql, (tx) => openAlert(tx, "acme", "d3", 3));
    const second = await s.until(() => of(s.events, "fleet")[1], "fleet after an alert");
    expect(second.data).toEqual({ ...first.data, openAlerts: { total: 4, bySeverity: { "1": 0, "2": 1, "3": 1, "4": 1, "5": 1 } } });
  });

  test("more than 200 changed devices: fleet streams get one resync, listed devices still their events", async () => {
    await asWorker(db.sql, (tx) => tx`insert into device_registry (tenant_id, device_id) select 'acme', 'bulk-' || g from generate_series(1, 210) g`);
    start();
    const fleet = await open({ fleet: true });
    const both = await open({ fleet: true, devices: ["bulk-2"] });
    const listed = await open({ devices: ["bulk-1"] });
    await writeState(db.sql, "acme", Array.from({ length: 210 }, (_, i) => `bulk-${i + 1}`), { n: 1 });
    await fleet.until(() => of(fleet.events, "resync")[0], "resync");
    await listed.until(() => of(listed.events, "device")[0], "bulk-1");
    await both.until(() => of(both.events, "device")[0], "bulk-2");
    await polls(5);
    expect(of(fleet.events, "resync").map((e) => e.data)).toEqual([{ reason: "many devices changed" }]);
    expect(of(fleet.events, "device")).toEqual([]);
    expect(of(both.events, "device").map((e) => e.data.deviceId)).toEqual(["bulk-2"]);
    expect(of(listed.events, "device").map((e) => e.data.deviceId)).toEqual(["bulk-1"]);
    expect(of(listed.events, "resync")).toEqual([]);
  });

  test("the 51st stream of a tenant is refused; other tenants are not affected", async () => {
    start();
    for (let i = 0; i < 50; i++) await open({});
    const refused = await hub.open({ tenantId: "acme", devices: [], fleet: false, expiresAt: hour() }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PulseError);
    expect((refused as PulseError).code).toBe("RATE_LIMITED");
    expect(hub.stats().streams).toBe(50);
    await open({ tenantId: "globex" });
  });

  test("a stream ends at its expiry, and close() ends every stream and stops polling", async () => {
    start();
    const expiring = await open({ expiresAt: new Date(Date.now() + 500) });
    const kept = await open({ fleet: true });
    await expiring.ended;
    expect(hub.stats().streams).toBe(1);
    await hub.close();
    await kept.ended;
    expect(hub.stats()).toMatchObject({ tenants: 0, streams: 0 });
    expect(await hub.open({ tenantId: "acme", devices: [], fleet: false, expiresAt: hour() }).catch((e: PulseError) => e.code)).toBe("UNAVAILABLE");
  });
});
