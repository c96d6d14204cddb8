import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

const BASE = "/api/v1/customer/devices";

describePg("device tags API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    ({ admin, viewer } = await h.tokens("acme"));
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("add, replace and remove tags; only real changes are audited", async () => {
    expect((await h.call("GET", `${BASE}/gw-1/tags`, { token: viewer })).body).toEqual({ tags: ["north"] });

    const added = await h.call("POST", `${BASE}/gw-1/tags/${encodeURIComponent("cold chain")}`, { token: admin });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({ tags: ["cold chain", "north"] });
    expect((await h.call("POST", `${BASE}/gw-1/tags/north`, { token: admin })).body).toEqual({ tags: ["cold chain", "north"] });

    const replaced = await h.call("PUT", `${BASE}/gw-1/tags`, { token: admin, body: { tags: ["north", "roof", "roof", " east "] } });
    expect(replaced.body).toEqual({ tags: ["east", "north", "roof"] });

    expect((await h.call("DELETE", `${BASE}/gw-1/tags/roof`, { token: admin })).body).toEqual({ tags: ["east", "north"] });
    expect((await h.call("DELETE", `${BASE}/gw-1/tags/roof`, { token: admin })).body).toEqual({ tags: ["east", "north"] });
    expect((await h.call("PUT", `${BASE}/gw-1/tags`, { token: admin, body: { tags: [] } })).body).toEqual({ tags: [] });

    const audit = await h.db.sql`select details from audit_log where tenant_id = 'acme' and action = 'device.tags_changed' and entity_id = 'gw-1' order by audit_id`;
    expect(audit.map((a) => a.details)).toEqual([
      { added: ["cold chain"], removed: [] },
      { added: expect.arrayContaining(["roof", "east"]), removed: ["cold chain"] },
      { added: [], removed: ["roof"] },
      { added: [], removed: expect.arrayContaining(["east", "north"]) },
    ]);
  });

  test("tag format follows the database rule", async () => {
    const r = await h.call("PUT", `${BASE}/gw-1/tags`, { token: admin, body: { tags: ["ok", "a,b", "x".repeat(65), "bell\u0007", ""] } });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual(["body.tags.1", "body.tags.2", "body.tags.3", "body.tags.4"]);
    expect((await h.call("POST", `${BASE}/gw-1/tags/${encodeURIComponent("a,b")}`, { token: admin })).body.errors[0].path).toBe("path.tag");
    expect((await h.call("GET", `${BASE}/gw-1/tags`, { token: admin })).body.tags).not.toContain("ok");
  });

  test("the tenant's tags with device counts", async () => {
    await h.call("PUT", `${BASE}/gw-1/tags`, { token: admin, body: { tags: ["north", "pumps"] } });
    await h.call("PUT", `${BASE}/probe-1/tags`, { token: admin, body: { tags: ["pumps"] } });
    const r = await h.call("GET", "/api/v1/customer/tags", { token: viewer });
    expect(r.body).toEqual({ items: [{ tag: "north", deviceCount: 1 }, { tag: "pumps", deviceCount: 2 }], total: 2, limit: 100, offset: 0 });
    expect((await h.call("GET", "/api/v1/customer/tags?search=PUM&limit=1", { token: viewer })).body).toEqual({ items: [{ tag: "pumps", deviceCount: 2 }], total: 1, limit: 1, offset: 0 });
    // globex's seeded 'north' is its own.
    const globex = await h.token({ tenant: "globex", roles: ["customer"] });
    expect((await h.call("GET", "/api/v1/customer/tags", { token: globex })).body.items).toEqual([{ tag: "north", deviceCount: 1 }]);
  });

  test("another tenant's device is not found and keeps its tags", async () => {
    await h.call("POST", BASE, { token: admin, body: { deviceId: "acme-only", tags: ["mine"] } });
    const globex = await h.token({ tenant: "globex", roles: ["tenant-admin"] });
    expect((await h.call("GET", `${BASE}/acme-only/tags`, { token: globex })).status).toBe(404);
    expect((await h.call("PUT", `${BASE}/acme-only/tags`, { token: globex, body: { tags: [] } })).status).toBe(404);
    expect((await h.call("POST", `${BASE}/acme-only/tags/x`, { token: globex })).status).toBe(404);
    expect((await h.call("DELETE", `${BASE}/acme-only/tags/mine`, { token: globex })).status).toBe(404);
    expect((await h.call("GET", `${BASE}/acme-only/tags`, { token: admin })).body).toEqual({ tags: ["mine"] });
    expect((await h.call("DELETE", `${BASE}/acme-only/tags/mine`, { token: viewer })).status).toBe(403);
  });
});
