import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

const BASE = "/api/v1/customer/oncall-schedules";
const ANY_TIME = expect.any(String);
const ann = { name: "Ann", email: "ann@example.com" };
const bob = { name: "Bob" };
const cid = { name: "Cid", phone: "+31 6 1234 5678" };
const dan = { name: "Dan", email: "dan@example.com" };
const iso = (s: string) => new Date(s).toISOString();

describePg("on-call schedules API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    ({ admin, viewer } = await h.tokens("acme"));
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("a daily rotation with an override: detail, who is on call, and the timeline", async () => {
    const s = await h.call("POST", BASE, { token: admin, body: { name: "Support" } });
    expect(s.status).toBe(201);
    const id = s.body.scheduleId;
    expect(s.body).toEqual({ scheduleId: id, name: "Support", description: null, timezone: "UTC", createdAt: ANY_TIME, updatedAt: ANY_TIME });

    const layer = await h.call("POST", `${BASE}/${id}/layers`, { token: admin, body: { name: "Days", rotation: "daily", startsAt: "2026-01-05T09:00:00Z", responders: [ann, bob, cid] } });
    expect(layer.status).toBe(201);
    const layerId = layer.body.layerId;
    expect(layer.body).toEqual({ layerId, name: "Days", order: 0, rotation: "daily", shiftHours: 24, startsAt: iso("2026-01-05T09:00:00Z"), responders: [ann, bob, cid], createdAt: ANY_TIME });
    const o = await h.call("POST", `${BASE}/${id}/overrides`, { token: admin, body: { responder: dan, startsAt: "2026-01-05T12:00:00Z", endsAt: "2026-01-05T14:00:00Z", reason: "dentist" } });
    expect(o.status).toBe(201);
    const overrideId = o.body.overrideId;
    expect(o.body).toEqual({ overrideId, responder: dan, startsAt: iso("2026-01-05T12:00:00Z"), endsAt: iso("2026-01-05T14:00:00Z"), reason: "dentist", createdAt: ANY_TIME });

    const detail = await h.call("GET", `${BASE}/${id}`, { token: viewer });
    expect(detail.body).toEqual({ ...s.body, updatedAt: ANY_TIME, layers: [layer.body], overrides: [o.body] });

    const at = async (t: string) => (await h.call("GET", `${BASE}/${id}/current?at=${encodeURIComponent(t)}`, { token: viewer })).body;
    expect(await at("2026-01-05T10:00:00Z")).toEqual({ start: iso("2026-01-05T09:00:00Z"), end: iso("2026-01-06T09:00:00Z"), responder: ann, source: "layer", layerId });
    expect(await at("2026-01-06T10:00:00Z")).toMatchObject({ responder: bob, start: iso("2026-01-06T09:00:00Z") });
    expect(await at("2026-01-08T09:00:00Z")).toMatchObject({ responder: ann });
    expect(await at("2026-01-05T13:00:00Z")).toEqual({ start: iso("2026-01-05T12:00:00Z"), end: iso("2026-01-05T14:00:00Z"), responder: dan, source: "override", overrideId });
    expect(await at("2026-01-01T00:00:00Z")).toEqual({ onCall: null });

    const tl = await h.call("GET", `${BASE}/${id}/timeline?from=2026-01-05T09:00:00Z&to=2026-01-07T09:00:00Z`, { token: viewer });
    expect(tl.body).toEqual({
      from: iso("2026-01-05T09:00:00Z"),
      to: iso("2026-01-07T09:00:00Z"),
      shifts: [
        { start: iso("2026-01-05T09:00:00Z"), end: iso("2026-01-05T12:00:00Z"), responder: ann, source: "layer", layerId },
        { start: iso("2026-01-05T12:00:00Z"), end: iso("2026-01-05T14:00:00Z"), responder: dan, source: "override", overrideId },
        { start: iso("2026-01-05T14:00:00Z"), end: iso("2026-01-06T09:00:00Z"), responder: ann, source: "layer", layerId },
        { start: iso("2026-01-06T09:00:00Z"), end: iso("2026-01-07T09:00:00Z"), responder: bob, source: "layer", layerId },
      ],
    });

    expect((await h.call("DELETE", `${BASE}/${id}/overrides/${overrideId}`, { token: admin })).body).toEqual({ deleted: true });
    expect(await at("2026-01-05T13:00:00Z")).toMatchObject({ responder: ann, source: "layer" });
    expect((await h.call("DELETE", `${BASE}/${id}/layers/${layerId}`, { token: admin })).body).toEqual({ deleted: true });
    expect(await at("2026-01-05T13:00:00Z")).toEqual({ onCall: null });
  });

  test("the default timeline window is the next 14 days; at most 90 days", async () => {
    const s = await h.call("POST", BASE, { token: admin, body: { name: "Window", timezone: "Europe/Amsterdam" } });
    const id = s.body.scheduleId;
    await h.call("POST", `${BASE}/${id}/layers`, { token: admin, body: { name: "Week", rotation: "weekly", startsAt: new Date(Date.now() - 86_400_000).toISOString(), responders: [ann] } });
    const tl = await h.call("GET", `${BASE}/${id}/timeline`, { token: viewer });
    expect(new Date(tl.body.to).getTime() - new Date(tl.body.from).getTime()).toBe(14 * 86_400_000);
    expect(tl.body.shifts.length).toBeGreaterThan(0);
    expect(tl.body.shifts.every((x: { responder: { name: string } }) => x.responder.name === "Ann")).toBe(true);

    const long = await h.call("GET", `${BASE}/${id}/timeline?from=2026-01-01T00:00:00Z&to=2026-04-02T00:00:00Z`, { token: viewer });
    expect(long.status).toBe(400);
    expect(long.body.errors).toEqual([{ path: "query.to", message: "at most 90 days at a time" }]);
    const backwards = await h.call("GET", `${BASE}/${id}/timeline?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`, { token: viewer });
    expect(backwards.body.errors[0]).toEqual({ path: "query.to", message: "to must be after from" });
  });

  test("rotations fix or require the shift length; the schedule changes and is deleted", async () => {
    const s = await h.call("POST", BASE, { token: admin, body: { name: "Shifts", description: "12-hour shifts" } });
    const id = s.body.scheduleId;
    const layer = (body: object) => h.call("POST", `${BASE}/${id}/layers`, { token: admin, body: { name: "L", startsAt: "2026-01-05T08:00:00Z", responders: [ann], ...body } });
    expect((await layer({ rotation: "daily", shiftHours: 12 })).body.errors).toEqual([{ path: "body.shiftHours", message: "a daily rotation has 24-hour shifts" }]);
    expect((await layer({ rotation: "custom" })).body.errors[0].path).toBe("body.shiftHours");
    expect((await layer({ rotation: "weekly", shiftHours: 168 })).body.shiftHours).toBe(168);
    expect((await layer({ rotation: "daily", responders: [] })).body.errors[0].path).toBe("body.responders");
    expect((await layer({ rotation: "daily", responders: [{ name: "X", email: "not-mail" }] })).body.errors[0].path).toBe("body.responders.0.email");
    const custom = await layer({ rotation: "custom", shiftHours: 12, order: 2 });
    expect(custom.body).toMatchObject({ rotation: "custom", shiftHours: 12, order: 2 });

    const toDaily = await h.call("PATCH", `${BASE}/${id}/layers/${custom.body.layerId}`, { token: admin, body: { rotation: "daily" } });
    expect(toDaily.body).toMatchObject({ rotation: "daily", shiftHours: 24, order: 2 });
    const toCustom = await h.call("PATCH", `${BASE}/${id}/layers/${custom.body.layerId}`, { token: admin, body: { rotation: "custom", shiftHours: 8, name: "Eights" } });
    expect(toCustom.body).toMatchObject({ rotation: "custom", shiftHours: 8, name: "Eights" });

    const renamed = await h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { name: "Shifts 2", timezone: "America/New_York" } });
    expect(renamed.body).toMatchObject({ name: "Shifts 2", timezone: "America/New_York", description: "12-hour shifts" });
    expect((await h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { timezone: "Mars/Olympus" } })).body.errors[0].path).toBe("body.timezone");
    expect((await h.call("POST", BASE, { token: admin, body: { name: "Offset", timezone: "+01:00" } })).status).toBe(400);

    const badOverride = await h.call("POST", `${BASE}/${id}/overrides`, { token: admin, body: { responder: bob, startsAt: "2026-01-05T12:00:00Z", endsAt: "2026-01-05T12:00:00Z" } });
    expect(badOverride.body.errors).toEqual([{ path: "body.endsAt", message: "endsAt must be after startsAt" }]);

    await h.call("POST", "/api/v1/customer/escalation-policies", { token: admin, body: { name: "Pages Shifts", levels: [{ delayMinutes: 5, channelIds: [], scheduleId: id }] } });
    const refused = await h.call("DELETE", `${BASE}/${id}`, { token: admin });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toBe("escalation policies still name this schedule: Pages Shifts");
    await h.db.sql`delete from escalation_policies where name = 'Pages Shifts'`;
    expect((await h.call("DELETE", `${BASE}/${id}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("GET", `${BASE}/${id}`, { token: viewer })).status).toBe(404);
    const audit = await h.db.sql`select action from audit_log where tenant_id = 'acme' and entity_id = ${id} order by audit_id`;
    expect(audit.map((a) => a.action)).toEqual([
      "oncall_schedule.created", "oncall_layer.created", "oncall_layer.created", "oncall_layer.updated", "oncall_layer.updated", "oncall_schedule.updated", "oncall_schedule.deleted",
    ]);
  });

  test("viewers cannot write; another tenant's schedule, layers and overrides are not found", async () => {
    expect((await h.call("POST", BASE, { token: viewer, body: { name: "V" } })).status).toBe(403);
    const [theirs] = await h.db.sql`
      select s.schedule_id, l.layer_id, o.override_id from oncall_schedules s
      join oncall_layers l using (schedule_id) join oncall_overrides o using (schedule_id) where s.tenant_id = 'globex'`;
    const s = `${BASE}/${theirs!.scheduleId}`;
    for (const [method, path, body] of [
      ["GET", s], ["GET", `${s}/current`], ["GET", `${s}/timeline`], ["PATCH", s, { name: "Mine" }], ["DELETE", s],
      ["POST", `${s}/layers`, { name: "L", rotation: "daily", startsAt: "2026-01-05T08:00:00Z", responders: [ann] }],
      ["PATCH", `${s}/layers/${theirs!.layerId}`, { name: "Mine" }], ["DELETE", `${s}/layers/${theirs!.layerId}`],
      ["POST", `${s}/overrides`, { responder: ann, startsAt: "2026-01-05T08:00:00Z", endsAt: "2026-01-05T09:00:00Z" }],
      ["DELETE", `${s}/overrides/${theirs!.overrideId}`],
    ] as const) {
      expect((await h.call(method, path, { token: admin, body })).status, `${method} ${path}`).toBe(404);
    }
    const [counts] = await h.db.sql`
      select (select count(*)::int from oncall_layers where tenant_id = 'globex') as l, (select count(*)::int from oncall_overrides where tenant_id = 'globex') as o`;
    expect(counts).toEqual({ l: 1, o: 1 });
  });
});
