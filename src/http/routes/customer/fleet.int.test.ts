import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { addDevice } from "../../../testing/fixtures";

describePg("fleet API", () => {
  let h: ApiHarness;
  let viewer: string;
  const seen = new Date(Date.now() - 3_600_000);

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    await addDevice(h.db.sql, { tenant: "acme", device: "stale-1", siteId: "site-2" });
    await addDevice(h.db.sql, { tenant: "acme", device: "old-1", status: "DECOMMISSIONED" });
    await addDevice(h.db.sql, { tenant: "acme", device: "idle-1", status: "SUSPENDED", siteId: "site-2" });
    await addDevice(h.db.sql, { tenant: "globex", device: "g-1" });
    const sql = h.db.sql;
    await sql`update device_state set last_seen_at = now(), last_telemetry_at = ${seen}, last_heartbeat_at = now(),
                latest_metrics = ${sql.json({ temp_c: { v: 21.5, t: seen.toISOString() } })}
              where tenant_id = 'acme' and device_id = 'gw-1'`;
    await sql`insert into device_state (tenant_id, device_id, status, last_seen_at) values
                ('acme', 'stale-1', 'STALE', now() - interval '2 hours'), ('acme', 'old-1', 'ONLINE', now()),
                ('acme', 'idle-1', 'OFFLINE', now() - interval '1 day'), ('globex', 'g-1', 'STALE', now())`;
    await sql`update device_state set last_telemetry_at = now() where tenant_id = 'globex'`;
    viewer = await h.token({ tenant: "acme", roles: ["customer"] });
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const get = (path: string) => h.call("GET", `/api/v1/customer/fleet/${path}`, { token: viewer });

  test("summary counts the caller's devices by status and connectivity, decommissioned ones left out of connectivity", async () => {
    const r = await get("summary");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      devices: {
        total: 5,
        byStatus: { ACTIVE: 3, INACTIVE: 0, SUSPENDED: 1, DECOMMISSIONED: 1 },
        byConnectivity: { ONLINE: 1, STALE: 1, OFFLINE: 2 }, // probe-1 was never seen
      },
      sites: 2,
      lastTelemetryAt: seen.toISOString(),
    });
  });

  test("state lists each device's connectivity, times and latest metrics", async () => {
    const r = await get("state");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ total: 4, limit: 100, offset: 0 });
    expect(r.body.items.map((d: { deviceId: string }) => d.deviceId)).toEqual(["gw-1", "idle-1", "probe-1", "stale-1"]);
    expect(r.body.items[0]).toMatchObject({
      deviceId: "gw-1",
      displayName: null,
      siteId: "site-1",
      connectivity: "ONLINE",
      lastTelemetryAt: seen.toISOString(),
      latestMetrics: { temp_c: { value: 21.5, time: seen.toISOString() } },
    });
    expect(r.body.items[2]).toEqual({
      deviceId: "probe-1",
      displayName: null,
      siteId: "site-1",
      connectivity: "OFFLINE",
      lastSeenAt: null,
      lastTelemetryAt: null,
      lastHeartbeatAt: null,
      latestMetrics: {},
    });
  });

  test("state filters and stale-first order", async () => {
    const ids = async (q: string) => (await get(`state?${q}`)).body.items.map((d: { deviceId: string }) => d.deviceId);
    expect(await ids("connectivity=STALE")).toEqual(["stale-1"]);
    expect(await ids("connectivity=OFFLINE,STALE&siteId=site-2")).toEqual(["idle-1", "stale-1"]);
    expect(await ids("siteId=site-1")).toEqual(["gw-1", "probe-1"]);
    expect(await ids("order=staleFirst")).toEqual(["stale-1", "probe-1", "idle-1", "gw-1"]);
    expect(await ids("includeDecommissioned=true&connectivity=ONLINE")).toEqual(["gw-1", "old-1"]);
    const paged = await get("state?order=staleFirst&limit=1&offset=1");
    expect(paged.body).toMatchObject({ total: 4, limit: 1, offset: 1, items: [{ deviceId: "probe-1" }] });
  });

  test("bad filters answer 400 with field paths", async () => {
    const r = await get("state?connectivity=GONE&order=random&limit=0");
    expect(r.status).toBe(400);
    const paths = r.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["query.connectivity.0", "query.order", "query.limit"]));
  });

  test("another tenant sees only its own fleet", async () => {
    const other = await h.token({ tenant: "globex", roles: ["tenant-admin"] });
    const r = await h.call("GET", "/api/v1/customer/fleet/summary", { token: other });
    expect(r.body.devices).toMatchObject({ total: 3, byConnectivity: { ONLINE: 1, STALE: 1, OFFLINE: 1 } });
    const s = await h.call("GET", "/api/v1/customer/fleet/state", { token: other });
    expect(s.body.items.map((d: { deviceId: string }) => d.deviceId)).toEqual(["g-1", "gw-1", "probe-1"]);
  });
});
