import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

describePg("sites API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme"] });
    ({ admin, viewer } = await h.tokens("acme"));
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("create, read, list, change and delete a site; each change is audited", async () => {
    const created = await h.call("POST", "/api/v1/customer/sites", { token: admin, body: { siteId: "dock-7", name: "Dock 7", lat: 51.9, lng: 4.4, timezone: "Europe/Amsterdam" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ siteId: "dock-7", name: "Dock 7", deviceCount: 0, timezone: "Europe/Amsterdam" });

    const list = await h.call("GET", "/api/v1/customer/sites?limit=1&search=dock", { token: viewer });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, limit: 1, offset: 0, items: [{ siteId: "dock-7" }] });

    const all = await h.call("GET", "/api/v1/customer/sites", { token: viewer });
    expect(all.body.items.find((s: { siteId: string }) => s.siteId === "site-1").deviceCount).toBe(2);

    const patched = await h.call("PATCH", "/api/v1/customer/sites/dock-7", { token: admin, body: { name: "Dock Seven" } });
    expect(patched.body.name).toBe("Dock Seven");

    expect((await h.call("DELETE", "/api/v1/customer/sites/site-1", { token: admin })).status).toBe(409);
    expect((await h.call("DELETE", "/api/v1/customer/sites/dock-7", { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("GET", "/api/v1/customer/sites/dock-7", { token: viewer })).status).toBe(404);

    const audit = await h.db.sql`select action, actor_type from audit_log where tenant_id = 'acme' and entity_type = 'site' order by audit_id`;
    expect(audit.map((a) => a.action)).toEqual(["site.created", "site.updated", "site.deleted"]);
  });

  test("bad input answers problem+json with field paths", async () => {
    const r = await h.call("POST", "/api/v1/customer/sites", { token: admin, body: { siteId: "bad/id", name: "", lat: 91 } });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toBe("application/problem+json");
    expect(r.body.code).toBe("BAD_REQUEST");
    const paths = r.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["body.siteId", "body.name", "body.lat"]));

    const dup = await h.call("POST", "/api/v1/customer/sites", { token: admin, body: { siteId: "site-1", name: "again" } });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).not.toContain("sites_pkey_violation_text_from_postgres");
  });

  test("a viewer reads but cannot write", async () => {
    const r = await h.call("POST", "/api/v1/customer/sites", { token: viewer, body: { siteId: "x-1", name: "X" } });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("FORBIDDEN");
  });
});
