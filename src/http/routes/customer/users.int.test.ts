import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

describePg("customer users and organization API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;
  let adminId: string;
  let globexUserId: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    const ids = await h.db.sql<{ tenantId: string; userId: string }[]>`select tenant_id, user_id from users`;
    adminId = ids.find((u) => u.tenantId === "acme")!.userId;
    globexUserId = ids.find((u) => u.tenantId === "globex")!.userId;
    // The built-in issuer puts the user id in `sub`: this token is acme's seeded admin.
    admin = await h.token({ tenant: "acme", roles: ["tenant-admin"], subject: adminId });
    viewer = await h.token({ tenant: "acme", roles: ["customer"] });
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const login = (email: string, password: string) => h.call("POST", "/api/v1/auth/login", { body: { email, password } });

  test("a tenant admin creates a user who signs in; changes are audited; disabling ends sessions", async () => {
    const created = await h.call("POST", "/api/v1/customer/users", { token: admin, body: { email: "viewer@acme.example", displayName: "Vic", roles: ["customer"] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenantId: "acme", roles: ["customer"], status: "ACTIVE" });
    const { userId, generatedPassword } = created.body;
    const signedIn = await login("viewer@acme.example", generatedPassword);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.tenantId).toBe("acme");

    const list = await h.call("GET", "/api/v1/customer/users?role=customer", { token: admin });
    expect(list.body).toMatchObject({ total: 1, items: [{ userId, email: "viewer@acme.example" }] });
    expect((await h.call("GET", "/api/v1/customer/users", { token: admin })).body.total).toBe(2);

    const promoted = await h.call("PATCH", `/api/v1/customer/users/${userId}`, { token: admin, body: { roles: ["customer", "tenant-admin"] } });
    expect(promoted.body.roles).toEqual(["customer", "tenant-admin"]);
    const disabled = await h.call("PATCH", `/api/v1/customer/users/${userId}`, { token: admin, body: { status: "DISABLED" } });
    expect(disabled.body.status).toBe("DISABLED");
    const [session] = await h.db.sql`select revoked_at from user_sessions where user_id = ${userId}`;
    expect(session!.revokedAt).toBeInstanceOf(Date);
    expect((await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: signedIn.body.refreshToken } })).status).toBe(401);

    const reset = await h.call("POST", `/api/v1/customer/users/${userId}/reset-password`, { token: admin, body: { password: "a-brand-new-password" } });
    expect(reset.body).toMatchObject({ userId, sessionsRevoked: 0 });
    expect(reset.body).not.toHaveProperty("generatedPassword");
    expect((await h.call("PATCH", `/api/v1/customer/users/${userId}`, { token: admin, body: { status: "ACTIVE" } })).status).toBe(200);
    expect((await login("viewer@acme.example", "a-brand-new-password")).status).toBe(200);

    expect((await h.call("DELETE", `/api/v1/customer/users/${userId}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("GET", `/api/v1/customer/users/${userId}`, { token: admin })).status).toBe(404);

    const audit = await h.db.sql`select action, entity_id, details from audit_log where tenant_id = 'acme' and entity_type = 'user' order by audit_id`;
    expect(audit.map((a) => a.action)).toEqual(["user.created", "user.updated", "user.updated", "user.password_reset", "user.updated", "user.deleted"]);
    expect(JSON.stringify([...audit])).not.toContain("a-brand-new-password");
    expect(JSON.stringify([...audit])).not.toContain(generatedPassword);
  });

  test("another tenant's users are invisible (404); operator roles are refused (400)", async () => {
    expect((await h.call("GET", `/api/v1/customer/users/${globexUserId}`, { token: admin })).status).toBe(404);
    expect((await h.call("PATCH", `/api/v1/customer/users/${globexUserId}`, { token: admin, body: { displayName: "x" } })).status).toBe(404);
    expect((await h.call("POST", `/api/v1/customer/users/${globexUserId}/reset-password`, { token: admin })).status).toBe(404);
    expect((await h.call("DELETE", `/api/v1/customer/users/${globexUserId}`, { token: admin })).status).toBe(404);
    const [still] = await h.db.sql`select display_name from users where user_id = ${globexUserId}`;
    expect(still!.displayName).toBeNull();
    expect((await h.call("GET", "/api/v1/customer/users", { token: admin })).body.items.every((u: { tenantId: string }) => u.tenantId === "acme")).toBe(true);

    const op = await h.call("POST", "/api/v1/customer/users", { token: admin, body: { email: "op@acme.example", roles: ["operator-admin"] } });
    expect(op.status).toBe(400);
    expect(op.body.errors[0].path).toBe("body.roles.0");
    const smuggled = await h.call("POST", "/api/v1/customer/users", { token: admin, body: { email: "t@acme.example", roles: ["customer"], tenantId: "globex" } });
    expect(smuggled.status).toBe(201);
    expect(smuggled.body.tenantId).toBe("acme");
    const dup = await h.call("POST", "/api/v1/customer/users", { token: admin, body: { email: "admin@globex.test", roles: ["customer"] } });
    expect(dup.status).toBe(409);
  });

  test("a tenant admin cannot remove their own admin role, disable or delete themselves", async () => {
    const demote = await h.call("PATCH", `/api/v1/customer/users/${adminId}`, { token: admin, body: { roles: ["customer"] } });
    expect(demote.status).toBe(409);
    expect((await h.call("PATCH", `/api/v1/customer/users/${adminId}`, { token: admin, body: { status: "DISABLED" } })).status).toBe(409);
    expect((await h.call("DELETE", `/api/v1/customer/users/${adminId}`, { token: admin })).status).toBe(409);
    expect((await h.call("PATCH", `/api/v1/customer/users/${adminId}`, { token: admin, body: { displayName: "Boss" } })).body.displayName).toBe("Boss");
  });

  test("viewers can read the organization but not manage users or change it", async () => {
    expect((await h.call("GET", "/api/v1/customer/users", { token: viewer })).status).toBe(403);
    expect((await h.call("POST", "/api/v1/customer/users", { token: viewer, body: { email: "v@acme.example", roles: ["customer"] } })).status).toBe(403);
    expect((await h.call("PUT", "/api/v1/customer/organization", { token: viewer, body: { name: "Hacked" } })).status).toBe(403);
    const org = await h.call("GET", "/api/v1/customer/organization", { token: viewer });
    expect(org.status).toBe(200);
    expect(org.body).toMatchObject({ tenantId: "acme", name: "Tenant acme", status: "ACTIVE", stats: { devices: 2, sites: 1 } });
  });

  test("a tenant admin edits the organization profile, not its status", async () => {
    const r = await h.call("PUT", "/api/v1/customer/organization", { token: admin, body: { name: "Acme Corp", country: "NL", legalName: "Acme B.V.", metadata: { vat: "NL123" }, status: "SUSPENDED" } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ tenantId: "acme", name: "Acme Corp", country: "NL", legalName: "Acme B.V.", metadata: { vat: "NL123" }, status: "ACTIVE" });
    const [globex] = await h.db.sql`select name from tenants where tenant_id = 'globex'`;
    expect(globex!.name).toBe("Tenant globex");
    const [audit] = await h.db.sql`select action, entity_id from audit_log where tenant_id = 'acme' and action = 'organization.updated'`;
    expect(audit).toMatchObject({ entityId: "acme" });
    const bad = await h.call("PUT", "/api/v1/customer/organization", { token: admin, body: { name: "", country: "Netherlands" } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(["body.name", "body.country"]);
  });
});
