import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

describePg("operator tenants API", () => {
  let h: ApiHarness;
  let admin: string;
  let reader: string;
  const ADMIN_ID = crypto.randomUUID();

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    admin = await h.token({ roles: ["operator-admin"], subject: ADMIN_ID });
    reader = await h.token({ roles: ["operator"] });
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const auditOf = (action: string) =>
    h.db.sql<{ actorId: string; targetTenantId: string | null; resource: string }[]>`
      select actor_id, target_tenant_id, resource from operator_audit_log where action = ${action} order by audit_id`;

  test("create, read, change, suspend, reactivate and delete a tenant; every access is audited", async () => {
    const created = await h.call("POST", "/api/v1/operator/tenants", {
      token: admin,
      body: { tenantId: "initech", name: "Initech", contactEmail: "ops@initech.example", country: "US", metadata: { tier: "gold" } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenantId: "initech", name: "Initech", status: "ACTIVE", country: "US", metadata: { tier: "gold" }, deletedAt: null, stats: { devices: 0, sites: 0, users: 0 } });
    expect([...(await auditOf("tenant.create"))]).toEqual([{ actorId: ADMIN_ID, targetTenantId: "initech", resource: "POST /api/v1/operator/tenants" }]);

    const dup = await h.call("POST", "/api/v1/operator/tenants", { token: admin, body: { tenantId: "initech", name: "Again" } });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toBe("tenant initech already exists");

    const got = await h.call("GET", "/api/v1/operator/tenants/acme", { token: reader });
    expect(got.status).toBe(200);
    expect(got.body.stats).toEqual({ devices: 2, sites: 1, users: 1 });
    expect((await auditOf("tenant.read")).map((a) => a.targetTenantId)).toEqual(["acme"]);

    const patched = await h.call("PATCH", "/api/v1/operator/tenants/initech", { token: admin, body: { name: "Initech Inc", legalName: "Initech Incorporated" } });
    expect(patched.body).toMatchObject({ name: "Initech Inc", legalName: "Initech Incorporated", status: "ACTIVE" });

    const suspended = await h.call("PATCH", "/api/v1/operator/tenants/initech", { token: admin, body: { status: "SUSPENDED" } });
    expect(suspended.body.status).toBe("SUSPENDED");
    expect((await auditOf("tenant.suspend")).length).toBe(1);
    expect((await h.call("PATCH", "/api/v1/operator/tenants/initech", { token: admin, body: { status: "ACTIVE" } })).body.status).toBe("ACTIVE");
    expect((await auditOf("tenant.activate")).length).toBe(1);

    const deleted = await h.call("DELETE", "/api/v1/operator/tenants/initech", { token: admin });
    expect(deleted.body).toEqual({ deleted: true });
    const [row] = await h.db.sql`select status, deleted_at from tenants where tenant_id = 'initech'`;
    expect(row!.status).toBe("DELETED");
    expect(row!.deletedAt).toBeInstanceOf(Date);
    expect((await h.call("DELETE", "/api/v1/operator/tenants/initech", { token: admin })).status).toBe(409);
    expect((await h.call("PATCH", "/api/v1/operator/tenants/initech", { token: admin, body: { status: "ACTIVE" } })).status).toBe(409);
    expect((await h.call("GET", "/api/v1/operator/tenants/nope", { token: reader })).status).toBe(404);
    expect((await h.call("DELETE", "/api/v1/operator/tenants/nope", { token: admin })).status).toBe(404);
  });

  test("a suspended tenant's users are refused on customer routes and at sign-in", async () => {
    await h.call("POST", "/api/v1/operator/tenants", { token: admin, body: { tenantId: "hooli", name: "Hooli" } });
    const user = await h.call("POST", "/api/v1/operator/users", { token: admin, body: { email: "gavin@hooli.example", roles: ["tenant-admin"], tenantId: "hooli" } });
    expect(user.status).toBe(201);
    const login = (password: string) => h.call("POST", "/api/v1/auth/login", { body: { email: "gavin@hooli.example", password } });
    expect((await login(user.body.generatedPassword)).status).toBe(200);

    // "hooli" was never asked about on a customer route, so the access check's cache is empty.
    expect((await h.call("PATCH", "/api/v1/operator/tenants/hooli", { token: admin, body: { status: "SUSPENDED" } })).status).toBe(200);
    const token = await h.token({ tenant: "hooli", roles: ["tenant-admin"] });
    const r = await h.call("GET", "/api/v1/customer/organization", { token });
    expect(r.status).toBe(403);
    expect(r.body.detail).toContain("suspended");
    expect((await login(user.body.generatedPassword)).status).toBe(403);
  });

  test("the list hides deleted tenants unless asked, filters and pages", async () => {
    await h.call("POST", "/api/v1/operator/tenants", { token: admin, body: { tenantId: "gone-co", name: "Gone Co" } });
    await h.call("DELETE", "/api/v1/operator/tenants/gone-co", { token: admin });

    const list = await h.call("GET", "/api/v1/operator/tenants", { token: reader });
    expect(list.status).toBe(200);
    const ids = list.body.items.map((t: { tenantId: string }) => t.tenantId);
    expect(ids).toContain("acme");
    expect(ids).not.toContain("gone-co");
    expect(list.body.items.find((t: { tenantId: string }) => t.tenantId === "globex").stats).toEqual({ devices: 2, sites: 1, users: 1 });

    const deleted = await h.call("GET", "/api/v1/operator/tenants?status=DELETED", { token: reader });
    expect(deleted.body.items.map((t: { tenantId: string }) => t.tenantId)).toContain("gone-co");
    expect(deleted.body.items.every((t: { status: string }) => t.status === "DELETED")).toBe(true);
    const all = await h.call("GET", "/api/v1/operator/tenants?includeDeleted=true", { token: reader });
    expect(all.body.total).toBe(list.body.total + deleted.body.total);

    const paged = await h.call("GET", "/api/v1/operator/tenants?search=glob&limit=1", { token: reader });
    expect(paged.body).toMatchObject({ total: 1, limit: 1, offset: 0, items: [{ tenantId: "globex" }] });
    expect((await h.call("GET", "/api/v1/operator/tenants?status=GONE", { token: reader })).body.errors[0].path).toBe("query.status.0");
  });

  test("platform summary and a tenant's numbers", async () => {
    const summary = await h.call("GET", "/api/v1/operator/tenants/stats/summary", { token: reader });
    expect(summary.status).toBe(200);
    expect(summary.body.tenantsByStatus.ACTIVE).toBeGreaterThanOrEqual(2);
    expect(summary.body.devices).toBe(4);
    expect(summary.body.devicesByConnectivity).toEqual({ ONLINE: 2, OFFLINE: 2 });

    const stats = await h.call("GET", "/api/v1/operator/tenants/acme/stats", { token: reader });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({
      devicesByStatus: { ACTIVE: 2 },
      devicesByConnectivity: { ONLINE: 1, OFFLINE: 1 },
      sites: 1,
      users: 1,
      telemetryRows24h: 1,
      quarantineEvents24h: 1,
      lastTelemetryAt: null,
    });
    expect((await h.call("GET", "/api/v1/operator/tenants/nope/stats", { token: reader })).status).toBe(404);
    expect((await auditOf("tenant.stats")).map((a) => a.targetTenantId)).toEqual(["acme"]);
  });

  test("customers cannot reach operator routes; operators without admin cannot write", async () => {
    const customer = await h.token({ tenant: "acme", roles: ["tenant-admin"] });
    expect((await h.call("GET", "/api/v1/operator/tenants", { token: customer })).status).toBe(403);
    const write = await h.call("POST", "/api/v1/operator/tenants", { token: reader, body: { tenantId: "nope", name: "Nope" } });
    expect(write.status).toBe(403);
    expect((await h.call("DELETE", "/api/v1/operator/tenants/acme", { token: reader })).status).toBe(403);
    expect((await h.call("GET", "/api/v1/operator/tenants")).status).toBe(401);
  });

  test("bad input answers 400 with field paths", async () => {
    const r = await h.call("POST", "/api/v1/operator/tenants", { token: admin, body: { tenantId: "Bad Id", name: "", country: "nl" } });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(["body.tenantId", "body.name", "body.country"]));
    const status = await h.call("PATCH", "/api/v1/operator/tenants/acme", { token: admin, body: { status: "DELETED" } });
    expect(status.status).toBe(400);
    expect(status.body.errors[0].path).toBe("body.status");
  });
});
