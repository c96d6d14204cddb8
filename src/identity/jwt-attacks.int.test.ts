/**
 * The bearer-token attack suite, run through the whole API against an OIDC issuer served
 * over real HTTP: every forged, misdirected, stale or role-less token is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import { apiHarness, type ApiHarness } from "../testing/api";
import { describePg } from "../testing/db";
import { seedTenant } from "../testing/fixtures";
import { startIdp, type TestIdp } from "../testing/idp";

const SITES = "/api/v1/customer/sites";
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

describePg("JWT attack suite (OIDC issuer)", () => {
  let idp: TestIdp;
  let h: ApiHarness;
  const get = (token: string, path = SITES) => h.call("GET", path, { token });

  beforeAll(async () => {
    idp = await startIdp();
    h = await apiHarness({ oidcIssuer: idp.issuer });
    await seedTenant(h.db.sql, "acme");
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
    await idp?.[Symbol.asyncDispose]();
  });

  test("a valid token from the issuer is accepted", async () => {
    const r = await get(await idp.mint());
    expect(r.status).toBe(200);
    expect(r.body.items[0].siteId).toBe("site-1");
  });

  test("a rotated signing key is fetched on first sight of its kid, then cached", async () => {
    const kid = await idp.rotate();
    await Bun.sleep(250); // past the refetch cooldown (200 ms in tests, 10 s in production)
    const before = idp.jwksRequests;
    expect((await get(await idp.mint({}, { kid }))).status).toBe(200);
    expect((await get(await idp.mint({}, { kid }))).status).toBe(200);
    expect(idp.jwksRequests - before).toBe(1);
    // Right after a fetch, a stream of made-up kids does not hammer the issuer.
    expect((await get(await idp.mint({}, { kid: "made-up" }))).status).toBe(401);
    expect(idp.jwksRequests - before).toBe(1);
  });

  describe("refused with 401", () => {
    const cases: Array<[string, () => Promise<string>, string]> = [
      ["alg none", async () => `${b64({ alg: "none", typ: "JWT" })}.${b64({ iss: idp.issuer, aud: "pulse-api", sub: "x", exp: now() + 300, realm_access: { roles: ["tenant-admin"] }, organization: ["acme"] })}.`, "bad_algorithm"],
      ["HS256 signed with the issuer's public key", async () =>
        new SignJWT({ realm_access: { roles: ["tenant-admin"] }, organization: ["acme"] })
          .setProtectedHeader({ alg: "HS256", kid: "kid-1" })
          .setIssuer(idp.issuer).setAudience("pulse-api").setSubject("x").setExpirationTime("5m")
          .sign(new TextEncoder().encode(await idp.publicPem())), "bad_algorithm"],
      ["wrong issuer", () => idp.mint({ iss: "https://evil.example/realms/pulse" }), "bad_claims"],
      ["wrong audience", () => idp.mint({ aud: "some-other-client" }), "bad_claims"],
      ["expired", () => idp.mint({ exp: now() - 600 }), "expired"],
      ["not yet valid", () => idp.mint({ nbf: now() + 600 }), "not_yet_valid"],
      ["unknown kid", () => idp.mint({}, { kid: "kid-that-never-existed" }), "unknown_key"],
      ["tampered payload", async () => {
        const [head, , sig] = (await idp.mint()).split(".");
        return `${head}.${b64({ iss: idp.issuer, aud: "pulse-api", sub: "user-1", exp: now() + 300, realm_access: { roles: ["tenant-admin"] }, organization: ["globex"] })}.${sig}`;
      }, "bad_signature"],
      ["garbage", async () => "not.a.jwt", "malformed"],
    ];
    for (const [name, make, reason] of cases) {
      test(name, async () => {
        const r = await get(await make());
        expect(r.status).toBe(401);
        expect(r.body).toMatchObject({ code: "UNAUTHORIZED", reason });
        expect(r.headers.get("www-authenticate")).toContain("Bearer");
      });
    }

    test("no Authorization header", async () => {
      const r = await h.call("GET", SITES);
      expect(r.status).toBe(401);
      expect(r.body.detail).toContain("bearer token");
    });
  });

  describe("refused with 403", () => {
    test("a token without roles", async () => {
      expect((await get(await idp.mint({ realm_access: { roles: [] } }))).status).toBe(403);
    });
    test("a token without a tenant on a tenant route", async () => {
      expect((await get(await idp.mint({ organization: undefined }))).status).toBe(403);
    });
    test("a customer on an operator route", async () => {
      const r = await get(await idp.mint({ realm_access: { roles: ["customer", "tenant-admin"] } }), "/api/v1/auth/me");
      expect(r.status).toBe(200);
      expect((await h.call("GET", "/api/v1/operator/tenants", { token: await idp.mint({ realm_access: { roles: ["tenant-admin"] } }) })).status).toBe(403);
    });
    test("an operator on a customer route (operators have no tenant)", async () => {
      expect((await get(await idp.mint({ organization: undefined, realm_access: { roles: ["operator-admin"] } }))).status).toBe(403);
    });
    test("a viewer writing", async () => {
      const r = await h.call("POST", SITES, { token: await idp.mint(), body: { siteId: "s-9", name: "S9" } });
      expect(r.status).toBe(403);
    });
  });

  test("the tenant comes from the organization claim in dict or list form, else tenant_id", async () => {
    const me = async (claims: Record<string, unknown>) => (await get(await idp.mint(claims), "/api/v1/auth/me")).body.tenantId;
    expect(await me({ organization: { acme: {} } })).toBe("acme");
    expect(await me({ organization: ["globex"] })).toBe("globex");
    expect(await me({ organization: undefined, tenant_id: "initech" })).toBe("initech");
  });

  test("an unreachable issuer at first use is 503, not 401 and not a pass", async () => {
    await using down = await startIdp();
    await using h2 = await apiHarness({ oidcIssuer: down.issuer });
    const token = await down.mint();
    down.setDown(true);
    const r = await h2.call("GET", "/api/v1/auth/me", { token });
    expect(r.status).toBe(503);
    expect(r.body.code).toBe("UNAVAILABLE");
  });
});
