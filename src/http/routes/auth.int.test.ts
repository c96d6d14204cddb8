import { afterAll, beforeAll, expect, test } from "bun:test";
import { hashPassword } from "../../identity/passwords";
import { insertUser } from "../../identity/users";
import { asWorker } from "../../platform/db";
import { apiHarness, type ApiHarness } from "../../testing/api";
import { describePg } from "../../testing/db";

describePg("built-in sign-in", () => {
  let h: ApiHarness;
  const password = "a long enough password";

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "frozen"] });
    await h.db.sql`update tenants set status = 'SUSPENDED' where tenant_id = 'frozen'`;
    const passwordHash = await hashPassword(password);
    await asWorker(h.db.sql, async (tx) => {
      await insertUser(tx, { tenantId: "acme", email: "Ada@Acme.test", roles: ["tenant-admin"], passwordHash });
      await insertUser(tx, { tenantId: null, email: "ops@pulse.test", roles: ["operator"], passwordHash });
      await insertUser(tx, { tenantId: "frozen", email: "ice@frozen.test", roles: ["customer"], passwordHash });
    });
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const login = (email: string, pw = password) => h.call("POST", "/api/v1/auth/login", { body: { email, password: pw } });

  test("sign in, use the API, refresh, and sign out", async () => {
    const r = await login("ada@acme.test");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ tokenType: "Bearer", expiresIn: 900, user: { email: "Ada@Acme.test", tenantId: "acme", roles: ["tenant-admin"] } });
    expect(r.body.refreshToken).toStartWith("prt_");

    const me = await h.call("GET", "/api/v1/auth/me", { token: r.body.accessToken });
    expect(me.body).toMatchObject({ issuer: "urn:pulse:builtin", tenantId: "acme", roles: ["tenant-admin"] });
    expect((await h.call("POST", "/api/v1/customer/sites", { token: r.body.accessToken, body: { siteId: "s-2", name: "S2" } })).status).toBe(201);

    const refreshed = await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: r.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(r.body.refreshToken);

    expect((await h.call("POST", "/api/v1/auth/logout", { body: { refreshToken: refreshed.body.refreshToken } })).status).toBe(204);
    expect((await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: refreshed.body.refreshToken } })).status).toBe(401);

    const [stored] = await h.db.sql`select count(*)::int as n from user_sessions where token_hash::text like ${`%${r.body.refreshToken}%`}`;
    expect(stored!.n).toBe(0); // only digests are kept
  });

  test("replaying a used refresh token ends the whole session", async () => {
    const r = await login("ada@acme.test");
    const next = await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: r.body.refreshToken } });
    expect(next.status).toBe(200);
    const replay = await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: r.body.refreshToken } });
    expect(replay.status).toBe(401);
    // The thief's replay also revoked the token the real user holds.
    expect((await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: next.body.refreshToken } })).status).toBe(401);
  });

  test("wrong password, unknown user, disabled user and suspended tenant are refused alike", async () => {
    const wrong = await login("ada@acme.test", "not the password");
    const unknown = await login("nobody@acme.test");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.detail).toBe(unknown.body.detail);
    expect((await login("ice@frozen.test")).status).toBe(403);
    await h.db.sql`update users set status = 'DISABLED' where email = 'ops@pulse.test'`;
    expect((await login("ops@pulse.test")).status).toBe(401);
  });

  test("malformed and oversized bodies", async () => {
    const bad = await h.call("POST", "/api/v1/auth/login", { raw: "{not json", headers: { "content-type": "application/json" } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("(body)");
    const missing = await h.call("POST", "/api/v1/auth/login", { body: { email: "a@b.c" } });
    expect(missing.body.errors[0].path).toBe("body.password");
    const huge = await h.call("POST", "/api/v1/auth/login", { body: { email: "a@b.c", password: "x".repeat(300_000) } });
    expect(huge.status).toBe(413);
  });

  test("the public key set and the sign-in mode are published", async () => {
    const cfg = await h.call("GET", "/api/v1/auth/config");
    expect(cfg.body).toEqual({ mode: "builtin", issuer: "urn:pulse:builtin", audience: "pulse-api", clientId: "pulse-console" });
    const jwks = await h.call("GET", "/api/v1/auth/jwks.json");
    expect(jwks.body.keys[0]).toMatchObject({ kty: "EC", alg: "ES256" });
    expect(jwks.body.keys[0].d).toBeUndefined();
  });
});
