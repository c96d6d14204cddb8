import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

describePg("audit log API", () => {
  let h: ApiHarness;
  let admin: string;
  const now = Date.now();
  const t = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    admin = await h.token({ tenant: "acme", roles: ["tenant-admin"], subject: "u-admin" });
    const sql = h.db.sql;
    await sql`update audit_log set time = ${t(600)} where tenant_id = 'acme'`;
    await sql`
      insert into audit_log (time, tenant_id, category, action, severity, entity_type, entity_id, entity_name, message, details, actor_type, actor_id, actor_name, ip, request_id)
      values (${t(50)}, 'acme', 'site', 'site.created', 'info', 'site', 'dock-7', 'Dock 7', 'created', '{"name": "Dock 7"}', 'user', 'u-2', 'Ann', '192.0.2.7', 'req-1'),
             (${t(40)}, 'acme', 'site', 'site.deleted', 'warning', 'site', 'dock-7', null, null, '{}', 'user', 'u-3', 'Bob', null, 'req-2'),
             (${t(30)}, 'acme', 'device', 'device.updated', 'info', 'device', 'gw-1', null, null, '{"fields": ["name"]}', 'user', 'u-2', 'Ann', '2001:db8::1', null),
             (${t(20)}, 'acme', 'device', 'device.decommissioned', 'critical', 'device', 'probe-1', null, null, '{}', 'system', null, null, null, null),
             (${t(10)}, 'globex', 'site', 'site.created', 'info', 'site', 'g-site', null, null, '{}', 'user', 'u-9', 'Eve', null, null),
             (${t(5)}, null, 'platform', 'retention.applied', 'info', null, null, null, null, '{}', 'system', null, null, null, null)`;
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const ids = async (q = "") => {
    const r = await h.call("GET", `/api/v1/customer/audit-log${q}`, { token: admin });
    expect(r.status).toBe(200);
    return r.body.items.map((i: { entityId: string | null; action: string }) => `${i.action}:${i.entityId ?? ""}`);
  };

  test("newest first, only the caller's tenant, every field", async () => {
    const r = await h.call("GET", "/api/v1/customer/audit-log", { token: admin });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ total: 5, limit: 100, offset: 0 });
    expect(r.body.items.map((i: { action: string }) => i.action)).toEqual(["device.decommissioned", "device.updated", "site.deleted", "site.created", "device.created"]);
    expect(r.body.items[3]).toEqual({
      auditId: expect.any(Number),
      time: t(50).toISOString(),
      category: "site",
      action: "site.created",
      severity: "info",
      entityType: "site",
      entityId: "dock-7",
      entityName: "Dock 7",
      message: "created",
      details: { name: "Dock 7" },
      actorType: "user",
      actorId: "u-2",
      actorName: "Ann",
      ip: "192.0.2.7",
      requestId: "req-1",
    });
    expect(r.body.items[1].ip).toBe("2001:db8::1");
  });

  test("filters: category, action, entity, actor, time range; paging", async () => {
    expect(await ids("?category=site")).toEqual(["site.deleted:dock-7", "site.created:dock-7"]);
    expect(await ids("?action=device.updated,site.deleted")).toEqual(["device.updated:gw-1", "site.deleted:dock-7"]);
    expect(await ids("?entityType=device&entityId=probe-1")).toEqual(["device.decommissioned:probe-1"]);
    expect(await ids("?actorId=u-2")).toEqual(["device.updated:gw-1", "site.created:dock-7"]);
    expect(await ids(`?from=${t(45).toISOString()}&to=${t(25).toISOString()}`)).toEqual(["device.updated:gw-1", "site.deleted:dock-7"]);
    const page = await h.call("GET", "/api/v1/customer/audit-log?limit=2&offset=2", { token: admin });
    expect(page.body).toMatchObject({ total: 5, limit: 2, offset: 2 });
    expect(page.body.items.map((i: { action: string }) => i.action)).toEqual(["site.deleted", "site.created"]);
  });

  test("tenant admins only: a viewer is refused", async () => {
    const viewer = await h.token({ tenant: "acme", roles: ["customer"] });
    const r = await h.call("GET", "/api/v1/customer/audit-log", { token: viewer });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("FORBIDDEN");
  });

  test("bad filters answer 400 with field paths", async () => {
    const r = await h.call("GET", `/api/v1/customer/audit-log?from=last-week&category=Bad!&limit=5000`, { token: admin });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(["query.from", "query.category.0", "query.limit"]));
    const order = await h.call("GET", `/api/v1/customer/audit-log?from=${t(10).toISOString()}&to=${t(20).toISOString()}`, { token: admin });
    expect(order.status).toBe(400);
    expect(order.body.errors.map((e: { path: string }) => e.path)).toEqual(["query.from"]);
  });
});
