import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

describePg("operator users API", () => {
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

  const login = (email: string, password: string) => h.call("POST", "/api/v1/auth/login", { body: { email, password } });
  const sessions = (userId: string) =>
    h.db.sql<{ revoked: boolean }[]>`select revoked_at is not null as revoked from user_sessions where user_id = ${userId}`;

  test("create a tenant user with a generated password, sign in, change, disable (ending sessions) and delete", async () => {
    const created = await h.call("POST", "/api/v1/operator/users", { token: admin, body: { email: "Jane@Acme.example", displayName: "Jane", roles: ["tenant-admin"], tenantId: "acme" } });
    expect(created.status).toBe(201);
    const { userId, generatedPassword } = created.body;
    expect(created.body).toMatchObject({ tenantId: "acme", email: "Jane@Acme.example", roles: ["tenant-admin"], status: "ACTIVE" });
    expect(generatedPassword.length).toBeGreaterThanOrEqual(20);
    const [stored] = await h.db.sql`select password_hash from users where user_id = ${userId}`;
    expect(stored!.passwordHash).toStartWith("$argon2id$");
    const audit = await h.db.sql`select actor_id, target_tenant_id from operator_audit_log where action = 'user.create'`;
    expect([...audit]).toEqual([{ actorId: ADMIN_ID, targetTenantId: "acme" }]);

    const signedIn = await login("jane@acme.example", generatedPassword);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user).toMatchObject({ userId, tenantId: "acme", roles: ["tenant-admin"] });

    const got = await h.call("GET", `/api/v1/operator/users/${userId}`, { token: reader });
    expect(got.body).not.toHaveProperty("generatedPassword");
    expect(got.body.lastLoginAt).not.toBeNull();

    const demoted = await h.call("PATCH", `/api/v1/operator/users/${userId}`, { token: admin, body: { roles: ["customer"], displayName: "Jane D." } });
    expect(demoted.body).toMatchObject({ roles: ["customer"], displayName: "Jane D." });
    const wrongRole = await h.call("PATCH", `/api/v1/operator/users/${userId}`, { token: admin, body: { roles: ["operator"] } });
    expect(wrongRole.status).toBe(400);
    expect(wrongRole.body.errors[0].path).toBe("body.roles");

    expect((await sessions(userId)).map((s) => s.revoked)).toEqual([false]);
    const disabled = await h.call("PATCH", `/api/v1/operator/users/${userId}`, { token: admin, body: { status: "DISABLED" } });
    expect(disabled.body.status).toBe("DISABLED");
    expect((await sessions(userId)).map((s) => s.revoked)).toEqual([true]);
    expect((await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: signedIn.body.refreshToken } })).status).toBe(401);
    expect((await login("jane@acme.example", generatedPassword)).status).toBe(401);

    const audited = await h.db.sql`select target_tenant_id from operator_audit_log where action = 'user.update'`;
    // Two changes; the refused role change rolled back together with its audit row.
    expect(audited.map((a) => a.targetTenantId)).toEqual(["acme", "acme"]);

    expect((await h.call("DELETE", `/api/v1/operator/users/${userId}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("GET", `/api/v1/operator/users/${userId}`, { token: reader })).status).toBe(404);
    expect((await h.call("DELETE", `/api/v1/operator/users/${userId}`, { token: admin })).status).toBe(404);
  });

  test("reset-password: generated or given, and sessions end", async () => {
    const created = await h.call("POST", "/api/v1/operator/users", { token: admin, body: { email: "ops@pulse.example", roles: ["operator"], password: "first-password-1" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenantId: null, roles: ["operator"] });
    expect(created.body).not.toHaveProperty("generatedPassword");
    const { userId } = created.body;
    const signedIn = await login("ops@pulse.example", "first-password-1");
    expect(signedIn.status).toBe(200);

    const reset = await h.call("POST", `/api/v1/operator/users/${userId}/reset-password`, { token: admin });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ userId, email: "ops@pulse.example", sessionsRevoked: 1 });
    expect((await login("ops@pulse.example", "first-password-1")).status).toBe(401);
    expect((await login("ops@pulse.example", reset.body.generatedPassword)).status).toBe(200);
    expect((await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: signedIn.body.refreshToken } })).status).toBe(401);

    const given = await h.call("POST", `/api/v1/operator/users/${userId}/reset-password`, { token: admin, body: { password: "second-password-2" } });
    expect(given.body).not.toHaveProperty("generatedPassword");
    expect((await login("ops@pulse.example", "second-password-2")).status).toBe(200);
    const short = await h.call("POST", `/api/v1/operator/users/${userId}/reset-password`, { token: admin, body: { password: "short" } });
    expect(short.status).toBe(400);
    expect(short.body.errors[0].path).toBe("body.password");
    expect((await h.call("POST", `/api/v1/operator/users/${crypto.randomUUID()}/reset-password`, { token: admin })).status).toBe(404);
  });

  test("roles must fit the tenant, the tenant must exist, emails are unique", async () => {
    const mixed = await h.call("POST", "/api/v1/operator/users", { token: admin, body: { email: "x@acme.example", roles: ["operator"], tenantId: "acme" } });
    expect(mixed.status).toBe(400);
    expect(mixed.body.errors[0].path).toBe("body.roles");
    const noTenant = await h.call("POST", "/api/v1/operator/users", { token: admin, body: { email: "x@acme.example", roles: ["customer"] } });
    expect(noTenant.status).toBe(400);
    const missing = await h.call("POST", "/api/v1/operator/users", { token: admin, body: { email: "x@nope.example", roles: ["customer"], tenantId: "nope" } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toBe("body.tenantId");
    const dup = await h.call("POST", "/api/v1/operator/users", { token: admin, body: { email: "ADMIN@acme.test", roles: ["customer"], tenantId: "acme" } });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toBe("a user with email ADMIN@acme.test already exists");
  });

  test("list filters by tenant, role and search", async () => {
    const all = await h.call("GET", "/api/v1/operator/users", { token: reader });
    expect(all.body.items.map((u: { email: string }) => u.email)).toEqual(expect.arrayContaining(["admin@acme.test", "admin@globex.test"]));
    const globex = await h.call("GET", "/api/v1/operator/users?tenantId=globex", { token: reader });
    expect(globex.body).toMatchObject({ total: 1, items: [{ email: "admin@globex.test" }] });
    const ops = await h.call("GET", "/api/v1/operator/users?role=operator", { token: reader });
    expect(ops.body.items.every((u: { tenantId: string | null }) => u.tenantId === null)).toBe(true);
    expect((await h.call("GET", "/api/v1/operator/users?search=acme", { token: reader })).body.items.map((u: { email: string }) => u.email)).toEqual(["admin@acme.test"]);
  });

  test("an operator admin cannot lock themselves out; readers and customers cannot write", async () => {
    const me = await h.call("POST", "/api/v1/operator/users", { token: admin, body: { email: "root@pulse.example", roles: ["operator-admin"] } });
    const self = await h.token({ roles: ["operator-admin"], subject: me.body.userId });
    expect((await h.call("PATCH", `/api/v1/operator/users/${me.body.userId}`, { token: self, body: { roles: ["operator"] } })).status).toBe(409);
    expect((await h.call("PATCH", `/api/v1/operator/users/${me.body.userId}`, { token: self, body: { status: "DISABLED" } })).status).toBe(409);
    expect((await h.call("DELETE", `/api/v1/operator/users/${me.body.userId}`, { token: self })).status).toBe(409);

    expect((await h.call("POST", "/api/v1/operator/users", { token: reader, body: { email: "y@pulse.example", roles: ["operator"] } })).status).toBe(403);
    const customer = await h.token({ tenant: "acme", roles: ["tenant-admin"] });
    expect((await h.call("GET", "/api/v1/operator/users", { token: customer })).status).toBe(403);
  });
});
