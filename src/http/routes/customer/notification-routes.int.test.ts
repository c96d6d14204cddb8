import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

const BASE = "/api/v1/customer/notification-routes";
const ANY_TIME = expect.any(String);

describePg("notification routes API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;
  let channelId: string;
  let theirChannel: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    ({ admin, viewer } = await h.tokens("acme"));
    const channels = await h.db.sql<{ tenantId: string; channelId: string }[]>`select tenant_id, channel_id from notification_channels`;
    channelId = channels.find((c) => c.tenantId === "acme")!.channelId;
    theirChannel = channels.find((c) => c.tenantId === "globex")!.channelId;
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("create with defaults, read, list, change and delete a rule", async () => {
    const created = await h.call("POST", BASE, { token: admin, body: { name: "Critical", channelId, minSeverity: 5, tags: ["north", "north"] } });
    expect(created.status).toBe(201);
    const routeId = created.body.routeId;
    const rule = {
      routeId,
      name: "Critical",
      channelId,
      enabled: true,
      priority: 100,
      minSeverity: 5,
      alertTypes: [],
      siteIds: [],
      tags: ["north"],
      devicePrefixes: [],
      transitions: ["OPEN", "CLOSED"],
      throttleMinutes: 0,
      createdAt: ANY_TIME,
      updatedAt: ANY_TIME,
    };
    expect(created.body).toEqual(rule);
    expect((await h.call("GET", `${BASE}/${routeId}`, { token: viewer })).body).toEqual(rule);

    const patch = { priority: 10, alertTypes: ["THRESHOLD", "NO_HEARTBEAT"], siteIds: ["site-1"], devicePrefixes: ["pump-"], transitions: ["OPEN", "ACKNOWLEDGED"], throttleMinutes: 30 };
    const patched = await h.call("PATCH", `${BASE}/${routeId}`, { token: admin, body: patch });
    expect(patched.body).toEqual({ ...rule, ...patch });

    const list = await h.call("GET", `${BASE}?channelId=${channelId}`, { token: viewer });
    expect(list.body).toMatchObject({ total: 2, limit: 100, offset: 0 });
    expect(list.body.items.map((r: { name: string }) => r.name)).toEqual(["Critical", "All"]);

    expect((await h.call("DELETE", `${BASE}/${routeId}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("GET", `${BASE}/${routeId}`, { token: viewer })).status).toBe(404);
    const audit = await h.db.sql`select action from audit_log where tenant_id = 'acme' and entity_id = ${routeId} order by audit_id`;
    expect(audit.map((a) => a.action)).toEqual(["notification_route.created", "notification_route.updated", "notification_route.deleted"]);
  });

  test("validation: unknown or foreign channel, bad transitions, severity and types name the field", async () => {
    const cases: Array<[object, string, string?]> = [
      [{ name: "X", channelId: crypto.randomUUID() }, "body.channelId", "not found"],
      [{ name: "X", channelId: theirChannel }, "body.channelId", "not found"],
      [{ name: "X", channelId, transitions: [] }, "body.transitions", "name at least one transition"],
      [{ name: "X", channelId, transitions: ["ESCALATED"] }, "body.transitions.0"],
      [{ name: "X", channelId, minSeverity: 6 }, "body.minSeverity"],
      [{ name: "X", channelId, alertTypes: ["HOT"] }, "body.alertTypes.0"],
      [{ name: "X", channelId, throttleMinutes: 1441 }, "body.throttleMinutes"],
      [{ name: "", channelId }, "body.name"],
    ];
    for (const [body, path, message] of cases) {
      const r = await h.call("POST", BASE, { token: admin, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors[0].path).toBe(path);
      if (message) expect(r.body.errors[0].message).toContain(message);
    }
    const dup = await h.call("POST", BASE, { token: admin, body: { name: "All", channelId } });
    expect(dup.status).toBe(409);
  });

  test("viewers cannot write; another tenant's rule is not found", async () => {
    expect((await h.call("POST", BASE, { token: viewer, body: { name: "V", channelId } })).status).toBe(403);
    const [theirs] = await h.db.sql`select route_id from notification_routes where tenant_id = 'globex'`;
    expect((await h.call("GET", `${BASE}/${theirs!.routeId}`, { token: admin })).status).toBe(404);
    expect((await h.call("PATCH", `${BASE}/${theirs!.routeId}`, { token: admin, body: { enabled: false } })).status).toBe(404);
    expect((await h.call("DELETE", `${BASE}/${theirs!.routeId}`, { token: admin })).status).toBe(404);
    const [after] = await h.db.sql`select enabled from notification_routes where route_id = ${theirs!.routeId}`;
    expect(after!.enabled).toBe(true);
  });
});
