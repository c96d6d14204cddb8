import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

const BASE = "/api/v1/customer/escalation-policies";
const ANY_TIME = expect.any(String);

describePg("escalation policies API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;
  let channelId: string;
  let scheduleId: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    ({ admin, viewer } = await h.tokens("acme"));
    [{ channelId }] = (await h.db.sql`select channel_id from notification_channels where tenant_id = 'acme'`) as unknown as [{ channelId: string }];
    [{ scheduleId }] = (await h.db.sql`select schedule_id from oncall_schedules where tenant_id = 'acme'`) as unknown as [{ scheduleId: string }];
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const defaults = async () =>
    (await h.db.sql<{ name: string }[]>`select name from escalation_policies where tenant_id = 'acme' and is_default order by name`).map((r) => r.name);

  test("create, read, list, change and delete a policy", async () => {
    const levels = [{ delayMinutes: 10, channelIds: [channelId, channelId] }, { delayMinutes: 30, channelIds: [], scheduleId }];
    const created = await h.call("POST", BASE, { token: admin, body: { name: "Nights", levels } });
    expect(created.status).toBe(201);
    const policyId = created.body.policyId;
    const policy = {
      policyId,
      name: "Nights",
      description: null,
      isDefault: false,
      levels: [{ delayMinutes: 10, channelIds: [channelId] }, { delayMinutes: 30, channelIds: [], scheduleId }],
      createdAt: ANY_TIME,
      updatedAt: ANY_TIME,
    };
    expect(created.body).toEqual(policy);
    expect((await h.call("GET", `${BASE}/${policyId}`, { token: viewer })).body).toEqual(policy);

    const patched = await h.call("PATCH", `${BASE}/${policyId}`, { token: admin, body: { description: "after hours", levels: [{ delayMinutes: 5, channelIds: [channelId] }] } });
    expect(patched.body).toEqual({ ...policy, description: "after hours", levels: [{ delayMinutes: 5, channelIds: [channelId] }] });

    const list = await h.call("GET", BASE, { token: viewer });
    expect(list.body.items.map((p: { name: string }) => p.name)).toEqual(["Default", "Nights"]);

    expect((await h.call("DELETE", `${BASE}/${policyId}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("GET", `${BASE}/${policyId}`, { token: viewer })).status).toBe(404);
    const audit = await h.db.sql`select action from audit_log where tenant_id = 'acme' and entity_id = ${policyId} order by audit_id`;
    expect(audit.map((a) => a.action)).toEqual(["escalation_policy.created", "escalation_policy.updated", "escalation_policy.deleted"]);
  });

  test("one default per tenant: making one the default clears the other", async () => {
    const a = await h.call("POST", BASE, { token: admin, body: { name: "A", isDefault: true, levels: [{ delayMinutes: 1, channelIds: [channelId] }] } });
    expect(a.body.isDefault).toBe(true);
    const b = await h.call("POST", BASE, { token: admin, body: { name: "B", isDefault: true, levels: [{ delayMinutes: 1, channelIds: [channelId] }] } });
    expect(b.body.isDefault).toBe(true);
    expect(await defaults()).toEqual(["B"]);
    const again = await h.call("PATCH", `${BASE}/${a.body.policyId}`, { token: admin, body: { isDefault: true } });
    expect(again.body.isDefault).toBe(true);
    expect(await defaults()).toEqual(["A"]);
    expect((await h.call("GET", BASE, { token: viewer })).body.items[0].name).toBe("A");
    const [globex] = await h.db.sql`select count(*)::int as n from escalation_policies where tenant_id = 'globex'`;
    expect(globex!.n).toBe(1);
  });

  test("levels: unknown channels and schedules, delays and counts name the field", async () => {
    const [theirs] = await h.db.sql`select channel_id from notification_channels where tenant_id = 'globex'`;
    const cases: Array<[unknown, string]> = [
      [[{ delayMinutes: 5, channelIds: [channelId, crypto.randomUUID()] }], "body.levels.0.channelIds.1"],
      [[{ delayMinutes: 5, channelIds: [] }, { delayMinutes: 5, channelIds: [theirs!.channelId] }], "body.levels.1.channelIds.0"],
      [[{ delayMinutes: 5, channelIds: [], scheduleId: crypto.randomUUID() }], "body.levels.0.scheduleId"],
      [[{ delayMinutes: 0, channelIds: [] }], "body.levels.0.delayMinutes"],
      [[{ delayMinutes: 1441, channelIds: [] }], "body.levels.0.delayMinutes"],
      [[], "body.levels"],
      [Array.from({ length: 6 }, () => ({ delayMinutes: 5, channelIds: [] })), "body.levels"],
    ];
    for (const [levels, path] of cases) {
      const r = await h.call("POST", BASE, { token: admin, body: { name: "Bad", levels } });
      expect(r.status, path).toBe(400);
      expect(r.body.errors[0].path).toBe(path);
    }
  });

  test("viewers cannot write; another tenant's policy is not found", async () => {
    expect((await h.call("POST", BASE, { token: viewer, body: { name: "V", levels: [{ delayMinutes: 5, channelIds: [] }] } })).status).toBe(403);
    const [theirs] = await h.db.sql`select policy_id from escalation_policies where tenant_id = 'globex'`;
    expect((await h.call("GET", `${BASE}/${theirs!.policyId}`, { token: admin })).status).toBe(404);
    expect((await h.call("PATCH", `${BASE}/${theirs!.policyId}`, { token: admin, body: { isDefault: true } })).status).toBe(404);
    expect((await h.call("DELETE", `${BASE}/${theirs!.policyId}`, { token: admin })).status).toBe(404);
    const [after] = await h.db.sql`select is_default from escalation_policies where policy_id = ${theirs!.policyId}`;
    expect(after!.isDefault).toBe(false);
  });

  test("deleting a policy moves the open alerts it escalated to the default policy", async () => {
    const mk = async (name: string, isDefault: boolean) =>
      (await h.call("POST", BASE, { token: admin, body: { name, isDefault, levels: [{ delayMinutes: 5, channelIds: [channelId] }] } })).body.policyId as string;
    const fallback = await mk("Fallback", true);
    const doomed = await mk("Doomed", false);
    const [a] = await h.db.sql<{ alertId: string }[]>`
      insert into alerts (tenant_id, device_id, alert_type, fingerprint, severity, summary, escalation_policy_id, next_escalation_at)
      values ('acme', 'gw-1', 'NO_HEARTBEAT', 'NO_HEARTBEAT:gw-1-doomed', 4, 'silent', ${doomed}, now() + interval '5 minutes')
      returning alert_id`;
    expect((await h.call("DELETE", `${BASE}/${doomed}`, { token: admin })).status).toBe(200);
    const [after] = await h.db.sql<{ escalationPolicyId: string; pending: boolean }[]>`
      select escalation_policy_id, next_escalation_at is not null as pending from alerts where alert_id = ${a!.alertId}`;
    expect(after).toEqual({ escalationPolicyId: fallback, pending: true });
  });
});
