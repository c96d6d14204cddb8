import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

const BASE = "/api/v1/customer/maintenance-windows";
const EVERY_DAY = { days: [0, 1, 2, 3, 4, 5, 6], start: "00:00", end: "00:00", timezone: "Europe/Amsterdam" };

describePg("maintenance windows API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    ({ admin, viewer } = await h.tokens("acme"));
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("create, read, list, change and delete a window; activeNow follows its span and recurrence", async () => {
    const created = await h.call("POST", BASE, {
      token: admin,
      body: { name: "Nightly", startsAt: "2025-01-01T00:00:00Z", recurrence: EVERY_DAY, scope: { siteIds: ["site-1"] } },
    });
    expect(created.status).toBe(201);
    const window = {
      windowId: expect.any(String),
      name: "Nightly",
      enabled: true,
      startsAt: "2025-01-01T00:00:00.000Z",
      endsAt: null,
      recurrence: EVERY_DAY,
      scope: { siteIds: ["site-1"] },
      activeNow: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    };
    expect(created.body).toEqual(window);
    const id = created.body.windowId;
    expect((await h.call("GET", `${BASE}/${id}`, { token: viewer })).body).toEqual(window);
    expect((await h.call("GET", `${BASE}?search=night`, { token: viewer })).body).toEqual({ items: [window], total: 1, limit: 100, offset: 0 });

    const ended = await h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { endsAt: "2025-02-01T00:00:00Z", recurrence: null } });
    expect(ended.body).toEqual({ ...window, endsAt: "2025-02-01T00:00:00.000Z", recurrence: null, activeNow: false });
    const off = await h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { enabled: false, endsAt: null } });
    expect(off.body).toMatchObject({ enabled: false, endsAt: null, activeNow: false });
    expect((await h.call("GET", `${BASE}?enabled=false`, { token: viewer })).body.items.map((w: { windowId: string }) => w.windowId)).toEqual([id]);

    expect((await h.call("DELETE", `${BASE}/${id}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("GET", `${BASE}/${id}`, { token: viewer })).status).toBe(404);
    const audit = await h.db.sql`select action from audit_log where entity_type = 'maintenance-window' and entity_id = ${id} order by audit_id`;
    expect(audit.map((a) => a.action)).toEqual(["maintenance_window.created", "maintenance_window.updated", "maintenance_window.updated", "maintenance_window.deleted"]);
  });

  test("invalid windows answer 400 naming the field", async () => {
    const cases: Array<[object, string]> = [
      [{ startsAt: "2025-01-02T00:00:00Z", endsAt: "2025-01-01T00:00:00Z" }, "body.endsAt"],
      [{ startsAt: "2025-01-01T00:00:00Z", endsAt: "2025-01-01T00:00:00Z" }, "body.endsAt"],
      [{ startsAt: "yesterday" }, "body.startsAt"],
      [{ startsAt: "2025-01-01T00:00:00Z", recurrence: { ...EVERY_DAY, timezone: "Mars/Olympus" } }, "body.recurrence.timezone"],
      [{ startsAt: "2025-01-01T00:00:00Z", recurrence: { ...EVERY_DAY, start: "24:00" } }, "body.recurrence.start"],
      [{ startsAt: "2025-01-01T00:00:00Z", scope: { groupIds: ["not-a-uuid"] } }, "body.scope.groupIds.0"],
    ];
    for (const [fields, path] of cases) {
      const r = await h.call("POST", BASE, { token: admin, body: { name: "Bad", ...fields } });
      expect(r.status, path).toBe(400);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(r.body.errors[0].path).toBe(path);
    }
    const made = await h.call("POST", BASE, { token: admin, body: { name: "Once", startsAt: "2025-01-01T00:00:00Z", endsAt: "2025-01-02T00:00:00Z" } });
    const backwards = await h.call("PATCH", `${BASE}/${made.body.windowId}`, { token: admin, body: { startsAt: "2025-01-03T00:00:00Z" } });
    expect(backwards.status).toBe(400);
    expect(backwards.body.detail).toBe("invalid body: body.endsAt: endsAt must be after startsAt");
  });

  test("viewers cannot write; another tenant's window does not exist", async () => {
    expect((await h.call("POST", BASE, { token: viewer, body: { name: "Mine", startsAt: "2025-01-01T00:00:00Z" } })).status).toBe(403);
    const [theirs] = await h.db.sql`select window_id from maintenance_windows where tenant_id = 'globex'`;
    for (const method of ["GET", "PATCH", "DELETE"]) {
      const r = await h.call(method, `${BASE}/${theirs!.windowId}`, { token: admin, body: method === "PATCH" ? { enabled: false } : undefined });
      expect(r.status, method).toBe(404);
    }
    const list = await h.call("GET", BASE, { token: viewer });
    expect(list.body.items.map((w: { name: string }) => w.name).sort()).toEqual(["Once", "Overhaul"]);
  });
});
