import { afterAll, beforeAll, expect, test } from "bun:test";
import { deviceCredentialValid } from "../../../devices/credentials";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

const BASE = "/api/v1/customer/devices";

describePg("device credentials API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;
  const valid = (deviceId: string, token: string) => deviceCredentialValid(h.db.sql, { tenantId: "acme", deviceId, token });

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    ({ admin, viewer } = await h.tokens("acme"));
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("rotating revokes every live token and issues one new token, shown once", async () => {
    const first = (await h.call("POST", BASE, { token: admin, body: { deviceId: "pump-1" } })).body.credentials.provisionToken;
    const r = await h.call("POST", `${BASE}/pump-1/tokens/rotate`, { token: admin, body: { label: "after repair" } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ revokedTokens: 1, effectiveWithinSeconds: h.deps.credentialTtlSeconds, credential: { kind: "provision_token", label: "after repair", revokedAt: null } });
    const second = r.body.provisionToken;
    expect(second).toStartWith("pt_");
    expect(r.body.credential.tokenPrefix).toBe(second.slice(0, 10));
    expect(await valid("pump-1", first)).toBe(false);
    expect(await valid("pump-1", second)).toBe(true);

    // Without a body too; the list shows prefixes, newest first, and never a secret or hash.
    expect((await h.call("POST", `${BASE}/pump-1/tokens/rotate`, { token: admin })).status).toBe(201);
    const list = await h.call("GET", `${BASE}/pump-1/tokens`, { token: viewer });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(3);
    expect(list.body.items.map((c: { revokedAt: string | null }) => c.revokedAt === null)).toEqual([true, false, false]);
    expect(list.text).not.toContain(first);
    expect(list.text).not.toContain(second);
    expect(Object.keys(list.body.items[0]).sort()).toEqual(["createdAt", "credentialId", "expiresAt", "kind", "label", "lastUsedAt", "revokedAt", "tokenPrefix", "usedAt"]);
    expect((await h.call("GET", `${BASE}/pump-1/tokens?limit=1&offset=1`, { token: viewer })).body).toMatchObject({ total: 3, limit: 1, offset: 1, items: [{ label: "after repair" }] });

    const audit = await h.db.sql`select action, details::text from audit_log where tenant_id = 'acme' and entity_id = 'pump-1' order by audit_id`;
    expect(audit.map((a) => a.action)).toEqual(["device.created", "device.token_rotated", "device.token_rotated"]);
    for (const a of audit) expect(a.details).not.toMatch(/pt_/);
  });

  test("revoking one credential", async () => {
    const token = (await h.call("POST", BASE, { token: admin, body: { deviceId: "pump-2" } })).body.credentials.provisionToken;
    const [{ credentialId }] = (await h.call("GET", `${BASE}/pump-2/tokens`, { token: admin })).body.items;
    const r = await h.call("DELETE", `${BASE}/pump-2/tokens/${credentialId}`, { token: admin });
    expect(r.status).toBe(200);
    expect(r.body.credential.credentialId).toBe(credentialId);
    expect(r.body.credential.revokedAt).toBeString();
    expect(r.body.effectiveWithinSeconds).toBe(h.deps.credentialTtlSeconds);
    expect(await valid("pump-2", token)).toBe(false);

    expect((await h.call("DELETE", `${BASE}/pump-2/tokens/${crypto.randomUUID()}`, { token: admin })).status).toBe(404);
    // A credential of another device (even the tenant's own) is not found under this one.
    const [{ credentialId: gwCredential }] = (await h.call("GET", `${BASE}/gw-1/tokens`, { token: admin })).body.items;
    expect((await h.call("DELETE", `${BASE}/pump-2/tokens/${gwCredential}`, { token: admin })).status).toBe(404);
    expect((await h.call("DELETE", `${BASE}/pump-2/tokens/not-a-uuid`, { token: admin })).body.errors[0].path).toBe("path.credentialId");
    const [audit] = await h.db.sql`select details from audit_log where tenant_id = 'acme' and action = 'device.token_revoked'`;
    expect(audit!.details).toEqual({ credentialId, kind: "provision_token" });
  });

  test("activation: code → provision token, once; the token is listed and works", async () => {
    await h.call("POST", BASE, { token: admin, body: { deviceId: "field-7" } });
    const code = await h.call("POST", `${BASE}/field-7/activation-code`, { token: admin });
    expect(code.status).toBe(201);
    expect(code.body).toMatchObject({ activateUrl: "/api/v1/provision/activate" });
    expect(code.body.activationCode).toStartWith("ac_");
    expect(new Date(code.body.expiresAt).getTime()).toBeGreaterThan(Date.now());

    const body = { tenantId: "acme", deviceId: "field-7", activationCode: code.body.activationCode };
    const activated = await h.call("POST", "/api/v1/provision/activate", { body });
    expect(activated.status).toBe(201);
    const token = activated.body.provisionToken;
    expect(await valid("field-7", token)).toBe(true);
    expect((await h.call("POST", "/api/v1/provision/activate", { body })).status).toBe(401);

    const list = (await h.call("GET", `${BASE}/field-7/tokens`, { token: admin })).body.items;
    expect(list).toContainEqual(expect.objectContaining({ kind: "provision_token", label: "activated", tokenPrefix: token.slice(0, 10) }));
    expect(list).toContainEqual(expect.objectContaining({ kind: "activation_code", credentialId: code.body.credentialId, usedAt: expect.any(String) }));

    // A new code retires an unused earlier one.
    const older = (await h.call("POST", `${BASE}/field-7/activation-code`, { token: admin })).body.activationCode;
    await h.call("POST", `${BASE}/field-7/activation-code`, { token: admin });
    expect((await h.call("POST", "/api/v1/provision/activate", { body: { ...body, activationCode: older } })).status).toBe(401);
    const [audit] = await h.db.sql`select count(*)::int as n, bool_and(details::text not like '%ac\\_%') as clean from audit_log where tenant_id = 'acme' and action = 'device.activation_code_created'`;
    expect(audit).toEqual({ n: 3, clean: true });
  });

  test("a decommissioned device gets no new credentials", async () => {
    await h.call("POST", BASE, { token: admin, body: { deviceId: "gone-1" } });
    await h.call("PATCH", `${BASE}/gone-1/decommission`, { token: admin });
    expect((await h.call("POST", `${BASE}/gone-1/tokens/rotate`, { token: admin })).status).toBe(409);
    expect((await h.call("POST", `${BASE}/gone-1/activation-code`, { token: admin })).status).toBe(409);
    expect((await h.call("GET", `${BASE}/gone-1/tokens`, { token: admin })).body.items[0].revokedAt).toBeString();
  });

  test("another tenant's device and credentials are not found", async () => {
    const globex = await h.token({ tenant: "globex", roles: ["tenant-admin"] });
    const [{ credentialId }] = (await h.call("GET", `${BASE}/pump-1/tokens`, { token: admin })).body.items;
    expect((await h.call("GET", `${BASE}/pump-1/tokens`, { token: globex })).status).toBe(404);
    // globex has its own gw-1; acme's credential id still does not resolve under it.
    const [{ credentialId: acmeGw }] = (await h.call("GET", `${BASE}/gw-1/tokens`, { token: admin })).body.items;
    expect((await h.call("DELETE", `${BASE}/gw-1/tokens/${acmeGw}`, { token: globex })).status).toBe(404);
    expect((await h.call("DELETE", `${BASE}/pump-1/tokens/${credentialId}`, { token: globex })).status).toBe(404);
    const [row] = await h.db.sql`select revoked_at from device_credentials where credential_id = ${acmeGw}`;
    expect(row!.revokedAt).toBeNull();
  });
});
