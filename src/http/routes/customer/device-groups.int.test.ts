import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { addDevice } from "../../../testing/fixtures";

const BASE = "/api/v1/customer/device-groups";

describePg("device groups API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    for (const d of ["cold-1", "cold-2", "warm-1"]) await addDevice(h.db.sql, { tenant: "acme", device: d, siteId: "site-1" });
    await h.db.sql`insert into device_tags (tenant_id, device_id, tag) values ('acme', 'cold-1', 'cold-room'), ('acme', 'cold-2', 'cold-room')`;
    ({ admin, viewer } = await h.tokens("acme"));
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("a static group holds the devices added to it, all or none", async () => {
    const g = await h.call("POST", BASE, { token: admin, body: { kind: "static", name: "Pumps", deviceIds: ["cold-1"] } });
    expect(g.status).toBe(201);
    expect(g.body).toMatchObject({ kind: "static", memberCount: 1, filter: null });
    const id = g.body.groupId;

    const bad = await h.call("POST", `${BASE}/${id}/devices`, { token: admin, body: { deviceIds: ["warm-1", "nope"] } });
    expect(bad.status).toBe(404);
    expect(bad.body.detail).toContain("nope");
    expect((await h.call("GET", `${BASE}/${id}`, { token: viewer })).body.memberCount).toBe(1);

    expect((await h.call("PUT", `${BASE}/${id}/devices/warm-1`, { token: admin })).body.memberCount).toBe(2);
    const members = await h.call("GET", `${BASE}/${id}/devices`, { token: viewer });
    expect(members.body.items.map((m: { deviceId: string }) => m.deviceId)).toEqual(["cold-1", "warm-1"]);
    expect((await h.call("DELETE", `${BASE}/${id}/devices/cold-1`, { token: admin })).body.memberCount).toBe(1);
    expect((await h.call("DELETE", `${BASE}/${id}/devices/cold-1`, { token: admin })).status).toBe(404);
    // Another tenant's device of the same name is not "a device" here.
    expect((await h.call("PUT", `${BASE}/${id}/devices/probe-x-globex`, { token: admin })).status).toBe(404);
  });

  test("a dynamic group's members follow its filter", async () => {
    const g = await h.call("POST", BASE, { token: admin, body: { kind: "dynamic", name: "Cold rooms", filter: { tag: ["cold-room"] } } });
    expect(g.status).toBe(201);
    expect(g.body.memberCount).toBe(2);
    await h.db.sql`insert into device_tags (tenant_id, device_id, tag) values ('acme', 'warm-1', 'cold-room')`;
    const members = await h.call("GET", `${BASE}/${g.body.groupId}/devices`, { token: viewer });
    expect(members.body.total).toBe(3);
    expect((await h.call("PUT", `${BASE}/${g.body.groupId}/devices/gw-1`, { token: admin })).status).toBe(409);
    const narrowed = await h.call("PATCH", `${BASE}/${g.body.groupId}`, { token: admin, body: { filter: { tag: ["cold-room"], search: "cold" } } });
    expect(narrowed.body.memberCount).toBe(2);
    const audit = await h.db.sql`select action from audit_log where tenant_id = 'acme' and entity_id = ${g.body.groupId} order by audit_id`;
    expect(audit.map((a) => a.action)).toEqual(["group.created", "group.updated"]);
  });

  test("bad input and other tenants", async () => {
    const bad = await h.call("POST", BASE, { token: admin, body: { kind: "dynamic", name: "x", filter: { connectivity: ["SLEEPY"] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("body.filter.connectivity.0");
    const [theirs] = await h.db.sql`select group_id from device_groups where tenant_id = 'globex'`;
    expect((await h.call("GET", `${BASE}/${theirs!.groupId}`, { token: viewer })).status).toBe(404);
    expect((await h.call("DELETE", `${BASE}/${theirs!.groupId}`, { token: admin })).status).toBe(404);
    const list = await h.call("GET", BASE, { token: viewer });
    expect(list.body.items.every((g: { groupId: string }) => g.groupId !== theirs!.groupId)).toBe(true);
    expect((await h.call("POST", BASE, { token: viewer, body: { kind: "static", name: "v" } })).status).toBe(403);
  });
});
