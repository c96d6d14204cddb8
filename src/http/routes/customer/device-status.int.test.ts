import { afterAll, beforeAll, expect, test } from "bun:test";
import { asWorker } from "../../../platform/db";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { addDevice, LIFELINE_GATEWAY } from "../../../testing/fixtures";

const POLICIES = "/api/v1/customer/device-status-policies";
const POLICY = { staleAfterSeconds: 120, offlineAfterSeconds: 900, noHeartbeatAlert: false, noHeartbeatSeverity: 3 };

describePg("device status API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;
  let probeTemplate: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    ({ admin, viewer } = await h.tokens("acme"));
    probeTemplate = (await h.db.sql<{ templateId: string }[]>`select template_id from device_templates where tenant_id = 'acme' and slug = 'probe-x'`)[0]!.templateId;
    await addDevice(h.db.sql, { tenant: "initech", device: "lone-1" });
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("without a stored default, the built-in values show", async () => {
    const initech = await h.tokens("initech");
    const r = await h.call("GET", POLICIES, { token: initech.viewer });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      default: { staleAfterSeconds: 90, offlineAfterSeconds: 600, noHeartbeatAlert: true, noHeartbeatSeverity: 4, builtIn: true, updatedAt: null },
      templates: [],
    });
  });

  test("set the default and per-template policies, and remove one", async () => {
    const seeded = await h.call("GET", POLICIES, { token: viewer });
    expect(seeded.body.default).toEqual({ staleAfterSeconds: 60, offlineAfterSeconds: 300, noHeartbeatAlert: true, noHeartbeatSeverity: 4, builtIn: false, updatedAt: expect.any(String) });

    const put = await h.call("PUT", `${POLICIES}/default`, { token: admin, body: { staleAfterSeconds: 30, offlineAfterSeconds: 60 } });
    expect(put.body).toEqual({ staleAfterSeconds: 30, offlineAfterSeconds: 60, noHeartbeatAlert: true, noHeartbeatSeverity: 4, builtIn: false, updatedAt: expect.any(String) });

    const own = await h.call("PUT", `${POLICIES}/templates/${probeTemplate}`, { token: admin, body: POLICY });
    expect(own.body).toEqual({ ...POLICY, templateId: probeTemplate, templateName: "Probe X", updatedAt: expect.any(String) });
    const system = await h.call("PUT", `${POLICIES}/templates/${LIFELINE_GATEWAY}`, { token: admin, body: { ...POLICY, staleAfterSeconds: 600, offlineAfterSeconds: 3600 } });
    expect(system.status).toBe(200);
    const again = await h.call("PUT", `${POLICIES}/templates/${probeTemplate}`, { token: admin, body: { ...POLICY, noHeartbeatSeverity: 5 } });
    expect(again.body.noHeartbeatSeverity).toBe(5);

    const all = await h.call("GET", POLICIES, { token: viewer });
    expect(all.body.templates.map((t: { templateId: string; staleAfterSeconds: number }) => [t.templateId, t.staleAfterSeconds])).toEqual([
      [LIFELINE_GATEWAY, 600],
      [probeTemplate, 120],
    ]);
    const rows = await h.db.sql`select count(*)::int as n from device_status_policies where tenant_id = 'acme'`;
    expect(rows[0]!.n).toBe(3);

    expect((await h.call("DELETE", `${POLICIES}/templates/${probeTemplate}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("DELETE", `${POLICIES}/templates/${probeTemplate}`, { token: admin })).status).toBe(404);
    const audit = await h.db.sql`select action, entity_id from audit_log where entity_type = 'device-status-policy' order by audit_id`;
    expect(audit.map((a) => `${a.action} ${a.entityId === probeTemplate ? "probe" : a.entityId === LIFELINE_GATEWAY ? "system" : a.entityId}`)).toEqual([
      "device_status_policy.updated default",
      "device_status_policy.updated probe",
      "device_status_policy.updated system",
      "device_status_policy.updated probe",
      "device_status_policy.deleted probe",
    ]);
  });

  test("offline must come after stale; bounds are checked; viewers cannot write; other tenants' templates do not exist", async () => {
    const cases: Array<[object, string]> = [
      [{ staleAfterSeconds: 600, offlineAfterSeconds: 600 }, "body.offlineAfterSeconds"],
      [{ staleAfterSeconds: 5, offlineAfterSeconds: 600 }, "body.staleAfterSeconds"],
      [{ staleAfterSeconds: 60, offlineAfterSeconds: 600, noHeartbeatSeverity: 0 }, "body.noHeartbeatSeverity"],
    ];
    for (const [body, path] of cases) {
      const r = await h.call("PUT", `${POLICIES}/default`, { token: admin, body });
      expect(r.status, path).toBe(400);
      expect(r.body.errors[0].path).toBe(path);
    }
    expect((await h.call("PUT", `${POLICIES}/default`, { token: viewer, body: POLICY })).status).toBe(403);
    const [theirs] = await h.db.sql`select template_id from device_templates where tenant_id = 'globex' limit 1`;
    const r = await h.call("PUT", `${POLICIES}/templates/${theirs!.templateId}`, { token: admin, body: POLICY });
    expect(r.status).toBe(404);
    expect(r.body.detail).toBe(`template ${theirs!.templateId} not found`);
  });

  test("a device's connection events, newest first and paged", async () => {
    await asWorker(h.db.sql, (tx) => tx`
      insert into device_connection_events (tenant_id, device_id, event, reason, status_from, status_to, at) values
        ('acme', 'probe-1', 'CONNECTED', 'first_seen', null, 'ONLINE', '2025-01-01T00:00:00Z'),
        ('acme', 'probe-1', 'DISCONNECTED', 'heartbeat_timeout', 'ONLINE', 'STALE', '2025-01-01T01:00:00Z'),
        ('acme', 'probe-1', 'OFFLINE', 'heartbeat_timeout', 'STALE', 'OFFLINE', '2025-01-01T02:00:00Z')`);
    const r = await h.call("GET", "/api/v1/customer/devices/probe-1/connection-events?limit=2", { token: viewer });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      items: [
        { eventId: expect.any(Number), event: "OFFLINE", reason: "heartbeat_timeout", statusFrom: "STALE", statusTo: "OFFLINE", at: "2025-01-01T02:00:00.000Z" },
        { eventId: expect.any(Number), event: "DISCONNECTED", reason: "heartbeat_timeout", statusFrom: "ONLINE", statusTo: "STALE", at: "2025-01-01T01:00:00.000Z" },
      ],
      total: 3,
      limit: 2,
      offset: 0,
    });
    expect((await h.call("GET", "/api/v1/customer/devices/probe-1/connection-events?offset=2", { token: viewer })).body.items[0].event).toBe("CONNECTED");
    expect((await h.call("GET", "/api/v1/customer/devices/nope/connection-events", { token: viewer })).status).toBe(404);
  });
});
