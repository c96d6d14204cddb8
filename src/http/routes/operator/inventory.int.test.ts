import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { asWorker } from "../../../platform/db";

describePg("operator cross-tenant views", () => {
  let h: ApiHarness;
  let admin: string;
  let reader: string;
  const READER_ID = crypto.randomUUID();

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    admin = await h.token({ roles: ["operator-admin"] });
    reader = await h.token({ roles: ["operator"], subject: READER_ID });
    await asWorker(h.db.sql, async (tx) => {
      // A binary payload, a long text one cut in the middle of a character, and a message that named no tenant at all.
      await tx`insert into quarantine_events (tenant_id, device_id, source, reason, payload, payload_size, received_at)
               values ('globex', 'gw-1', 'http', 'BAD_JSON', ${Buffer.from([0xff, 0xfe, 0x00, 0x01])}, 4, now() - interval '1 minute'),
                      ('globex', 'gw-1', 'mqtt', 'TOO_LARGE', ${Buffer.from(`{"metrics":"x${"é".repeat(3000)}"}`)}, 6017, now() - interval '2 minutes'),
                      (null, null, 'mqtt', 'BAD_TOPIC', ${Buffer.from("hello")}, 5, now() - interval '2 days')`;
      await tx`insert into quarantine_counters_minute (minute, tenant_id, reason, count)
               values (date_trunc('minute', now()), 'globex', 'BAD_JSON', 7), (date_trunc('minute', now()) - interval '1 minute', 'globex', 'BAD_JSON', 3),
                      (date_trunc('minute', now()) - interval '2 days', null, 'BAD_TOPIC', 1)`;
    });
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("devices of every tenant, filtered and paged; each view is audited", async () => {
    const all = await h.call("GET", "/api/v1/operator/devices", { token: reader });
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(4);
    expect(all.body.items.map((d: { tenantId: string; deviceId: string }) => `${d.tenantId}/${d.deviceId}`)).toEqual(["acme/gw-1", "acme/probe-1", "globex/gw-1", "globex/probe-1"]);
    expect(all.body.items[0]).toMatchObject({ connectivity: "ONLINE", siteId: "site-1" });

    const one = await h.call("GET", "/api/v1/operator/devices?tenantId=globex&search=probe&limit=1", { token: reader });
    expect(one.body).toMatchObject({ total: 1, limit: 1, items: [{ tenantId: "globex", deviceId: "probe-1", connectivity: "OFFLINE" }] });
    expect((await h.call("GET", "/api/v1/operator/devices?status=SUSPENDED", { token: reader })).body.total).toBe(0);

    const scoped = await h.call("GET", "/api/v1/operator/tenants/acme/devices?connectivity=ONLINE", { token: reader });
    expect(scoped.body.items.map((d: { deviceId: string }) => d.deviceId)).toEqual(["gw-1"]);
    expect((await h.call("GET", "/api/v1/operator/tenants/nope/devices", { token: reader })).status).toBe(404);

    const audit = await h.db.sql`select actor_id, action, target_tenant_id from operator_audit_log where action = 'device.list' order by audit_id`;
    expect(audit.map((a) => a.targetTenantId)).toEqual([null, "globex", null, "acme"]);
    expect(audit.every((a) => a.actorId === READER_ID)).toBe(true);
  });

  test("a device with its modules, sensors, transports and state", async () => {
    const r = await h.call("GET", "/api/v1/operator/tenants/acme/devices/gw-1", { token: reader });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      tenantId: "acme",
      deviceId: "gw-1",
      modules: [{ slotKey: "analog_1", metricKeyMap: { t1: "temp_c" } }],
      sensors: [{ metricKey: "temp_c", source: "optional" }],
      transports: [{ ingestionProtocol: "mqtt_direct", isPrimary: true }],
      state: { status: "ONLINE" },
    });
    const probe = await h.call("GET", "/api/v1/operator/tenants/acme/devices/probe-1", { token: reader });
    expect(probe.body).toMatchObject({ parentDeviceId: "gw-1", modules: [], state: null });
    expect((await h.call("GET", "/api/v1/operator/tenants/acme/devices/nope", { token: reader })).status).toBe(404);
  });

  test("quarantine, newest first, with readable and bounded payloads", async () => {
    const r = await h.call("GET", "/api/v1/operator/quarantine", { token: reader });
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(5);
    const globex = await h.call("GET", "/api/v1/operator/quarantine?tenantId=globex", { token: reader });
    const [seeded, binary, large] = globex.body.items;
    expect(seeded).toMatchObject({ reason: "MISSING_SITE_ID", payload: { encoding: "utf-8", data: "{}", truncated: false } });
    expect(binary).toMatchObject({ reason: "BAD_JSON", payload: { encoding: "base64", data: "//4AAQ==", truncated: false } });
    expect(large.reason).toBe("TOO_LARGE");
    expect(large.payload.encoding).toBe("utf-8");
    expect(large.payload.truncated).toBe(true);
    expect(new TextEncoder().encode(large.payload.data).length).toBeLessThanOrEqual(2048);
    expect(large.payload.data).toStartWith('{"metrics":"xé');
    expect(new TextEncoder().encode(large.payload.data).length).toBe(2047);

    const byReason = await h.call("GET", "/api/v1/operator/quarantine?reason=BAD_TOPIC", { token: reader });
    expect(byReason.body.items).toMatchObject([{ tenantId: null, reason: "BAD_TOPIC" }]);
    const recent = await h.call("GET", `/api/v1/operator/quarantine?from=${new Date(Date.now() - 3600_000).toISOString()}`, { token: reader });
    expect(recent.body.total).toBe(4);
    const bad = await h.call("GET", "/api/v1/operator/quarantine?from=yesterday", { token: reader });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("query.from");
  });

  test("quarantine summary counts the last 24 hours per tenant and reason", async () => {
    const r = await h.call("GET", "/api/v1/operator/quarantine/summary", { token: reader });
    expect(r.body.items).toEqual([
      { tenantId: "globex", reason: "BAD_JSON", count: 10 },
      { tenantId: "acme", reason: "MISSING_SITE_ID", count: 1 },
      { tenantId: "globex", reason: "MISSING_SITE_ID", count: 1 },
    ]);
  });

  test("the operator audit log is for operator admins and filters by actor and tenant", async () => {
    expect((await h.call("GET", "/api/v1/operator/audit-log", { token: reader })).status).toBe(403);
    const r = await h.call("GET", `/api/v1/operator/audit-log?actorId=${READER_ID}&tenantId=acme`, { token: admin });
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThan(0);
    expect(r.body.items.every((a: { actorId: string; targetTenantId: string }) => a.actorId === READER_ID && a.targetTenantId === "acme")).toBe(true);
    expect(r.body.items[0]).toMatchObject({ resource: expect.stringMatching(/^GET \/api\/v1\/operator\//), action: expect.any(String) });
    const [last] = await h.db.sql`select action from operator_audit_log order by audit_id desc limit 1`;
    expect(last!.action).toBe("audit.list");
  });

  test("customers cannot reach the cross-tenant views", async () => {
    const customer = await h.token({ tenant: "acme", roles: ["tenant-admin"] });
    for (const path of ["/api/v1/operator/devices", "/api/v1/operator/quarantine", "/api/v1/operator/tenants/acme/devices/gw-1", "/api/v1/operator/audit-log"]) {
      expect((await h.call("GET", path, { token: customer })).status).toBe(403);
    }
  });
});
