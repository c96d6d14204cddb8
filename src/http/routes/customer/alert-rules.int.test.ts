import { afterAll, beforeAll, expect, test } from "bun:test";
import { asWorker } from "../../../platform/db";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

const BASE = "/api/v1/customer/alert-rules";
const ADMIN = "tenant-admin@acme.test";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Whole hours more than a day ago: the backtest reads rows from partitions made for it.
const base = Math.floor(Date.now() / HOUR) * HOUR - 30 * HOUR;
const at = (minutes: number) => new Date(base + minutes * MINUTE).toISOString();

const THRESHOLD = { type: "threshold", definition: { conditions: [{ metric: "temp_c", op: "GT", value: 80 }] } };
const met = (value: number) => ({ match: "all", holdSeconds: 0, conditions: [{ metric: "temp_c", op: "GT", threshold: 80, value, met: true }] });

describePg("alert rules API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;
  let hotRuleId: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    ({ admin, viewer } = await h.tokens("acme"));
    const sql = h.db.sql;
    hotRuleId = (await sql<{ ruleId: string }[]>`select rule_id from alert_rules where tenant_id = 'acme'`)[0]!.ruleId;
    await sql`select pulse_ensure_partitions('telemetry', ${at(-24 * 60)}::timestamptz, now())`;
    // probe-1 (tagged freezer) reads temp_c each minute for 40 minutes: above 80 in minutes 10-19 and 30-34.
    await sql`
      insert into telemetry (time, tenant_id, device_id, msg_type, metrics, msg_id)
      select ${at(0)}::timestamptz + i * interval '1 minute', 'acme', 'probe-1', 'telemetry',
             jsonb_build_object('temp_c', case when i between 10 and 19 then 90 when i between 30 and 34 then 95 else 20 end, 'rssi', -70), gen_random_uuid()
      from generate_series(0, 39) i`;
    await sql`insert into telemetry (time, tenant_id, device_id, msg_type, metrics, msg_id) values
      (${at(5)}, 'acme', 'probe-1', 'heartbeat', '{"rssi": -60}', gen_random_uuid()),
      (${at(12)}, 'acme', 'gw-1', 'telemetry', '{"temp_c": 99}', gen_random_uuid()),
      (${at(12)}, 'globex', 'probe-1', 'telemetry', '{"temp_c": 99}', gen_random_uuid())`;
    await sql`insert into device_tags (tenant_id, device_id, tag) values ('acme', 'probe-1', 'freezer')`;
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("create, read, list, change and delete a rule; each change is audited", async () => {
    const created = await h.call("POST", BASE, {
      token: admin,
      body: { name: "Freezer warm", type: "threshold", severity: 4, definition: { conditions: [{ metric: "temp_c", op: "GT", value: -15 }], holdSeconds: 300 }, scope: { tags: ["freezer"] } },
    });
    expect(created.status).toBe(201);
    const rule = {
      ruleId: expect.any(String),
      name: "Freezer warm",
      description: null,
      enabled: true,
      type: "threshold",
      severity: 4,
      severityName: "high",
      definition: { conditions: [{ metric: "temp_c", op: "GT", value: -15 }], match: "all", holdSeconds: 300 },
      scope: { tags: ["freezer"] },
      escalationPolicyId: null,
      createdBy: ADMIN,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    };
    expect(created.body).toEqual(rule);
    const id = created.body.ruleId;

    expect((await h.call("GET", `${BASE}/${id}`, { token: viewer })).body).toEqual(rule);
    const list = await h.call("GET", `${BASE}?enabled=true&type=threshold&search=freezer`, { token: viewer });
    expect(list.body).toEqual({ items: [rule], total: 1, limit: 100, offset: 0 });
    expect((await h.call("GET", `${BASE}?enabled=false`, { token: viewer })).body.total).toBe(0);

    const [policy] = await h.db.sql`select policy_id from escalation_policies where tenant_id = 'acme'`;
    const patched = await h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { description: "check the door", severity: 5, escalationPolicyId: policy!.policyId } });
    expect(patched.body).toEqual({ ...rule, description: "check the door", severity: 5, severityName: "critical", escalationPolicyId: policy!.policyId });
    const retyped = await h.call("PATCH", `${BASE}/${id}`, { token: admin, body: { type: "window", definition: { metric: "temp_c", aggregation: "avg", windowSeconds: 600, op: "GT", value: -15 } } });
    expect(retyped.body.definition).toEqual({ metric: "temp_c", aggregation: "avg", windowSeconds: 600, op: "GT", value: -15, minSamples: 2 });

    expect((await h.call("DELETE", `${BASE}/${id}`, { token: admin })).body).toEqual({ deleted: true, closedAlerts: 0 });
    expect((await h.call("GET", `${BASE}/${id}`, { token: viewer })).status).toBe(404);
    const audit = await h.db.sql`select action from audit_log where entity_type = 'alert-rule' and entity_id = ${id} order by audit_id`;
    expect(audit.map((a) => a.action)).toEqual(["alert_rule.created", "alert_rule.updated", "alert_rule.updated", "alert_rule.deleted"]);
  });

  test("invalid rules answer 400 naming the field; a taken name 409", async () => {
    const cases: Array<[object, string]> = [
      [{ ...THRESHOLD, definition: { conditions: [{ metric: "temp_c", op: "ABOVE", value: 80 }] } }, "body.definition.conditions.0.op"],
      [{ type: "window", definition: { metric: "temp_c", aggregation: "avg", windowSeconds: 30, op: "GT", value: 1 } }, "body.definition.windowSeconds"],
      [{ ...THRESHOLD, definition: { conditions: [{ metric: "temp_c", op: "GT", value: 80 }], holdSecond: 5 } }, "body.definition"],
      [{ ...THRESHOLD, escalationPolicyId: crypto.randomUUID() }, "body.escalationPolicyId"],
      [{ ...THRESHOLD, scope: { sites: ["site-1"] } }, "body.scope"],
      [{ ...THRESHOLD, severity: 6 }, "body.severity"],
    ];
    for (const [fields, path] of cases) {
      const r = await h.call("POST", BASE, { token: admin, body: { name: "Bad", severity: 3, ...fields } });
      expect(r.status, path).toBe(400);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(r.body.errors[0].path).toBe(path);
    }
    const unknownPolicy = await h.call("POST", BASE, { token: admin, body: { name: "Bad", severity: 3, ...THRESHOLD, escalationPolicyId: "00000000-0000-4000-8000-000000000000" } });
    expect(unknownPolicy.body.detail).toBe("body.escalationPolicyId: escalation policy 00000000-0000-4000-8000-000000000000 not found");

    const dup = await h.call("POST", BASE, { token: admin, body: { name: "Hot", severity: 3, ...THRESHOLD } });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toBe('an alert rule named "Hot" already exists');
    expect((await h.call("POST", BASE, { token: viewer, body: { name: "Mine", severity: 3, ...THRESHOLD } })).status).toBe(403);
  });

  test("another tenant's rule does not exist", async () => {
    const [theirs] = await h.db.sql`select rule_id from alert_rules where tenant_id = 'globex'`;
    for (const method of ["GET", "PATCH", "DELETE"]) {
      const r = await h.call(method, `${BASE}/${theirs!.ruleId}`, { token: admin, body: method === "PATCH" ? { enabled: false } : undefined });
      expect(r.status, method).toBe(404);
    }
    const [still] = await h.db.sql`select enabled from alert_rules where rule_id = ${theirs!.ruleId}`;
    expect(still!.enabled).toBe(true);
  });

  test("backtest replays stored telemetry through a draft or a stored rule", async () => {
    const expected = {
      alerts: [
        { deviceId: "probe-1", openedAt: at(10), closedAt: at(20), triggerCount: 10, summary: "temp_c 90 > 80", details: met(90) },
        { deviceId: "probe-1", openedAt: at(30), closedAt: at(35), triggerCount: 5, summary: "temp_c 95 > 80", details: met(95) },
      ],
      samples: 40,
      devices: 1,
      truncated: false,
      notes: ["maintenance windows, acknowledgements and silences are not replayed"],
    };
    const range = { from: at(-60), to: at(120) };
    const draft = await h.call("POST", `${BASE}/backtest`, { token: viewer, body: { rule: { ...THRESHOLD, scope: { tags: ["freezer"] } }, ...range } });
    expect(draft.status).toBe(200);
    expect(draft.body).toEqual(expected);

    const created = await h.call("POST", BASE, { token: admin, body: { name: "Freezer", severity: 4, ...THRESHOLD, scope: { tags: ["freezer"] } } });
    const stored = await h.call("POST", `${BASE}/backtest`, { token: viewer, body: { ruleId: created.body.ruleId, ...range } });
    expect(stored.body).toEqual(expected);

    const everyDevice = await h.call("POST", `${BASE}/backtest`, { token: viewer, body: { rule: THRESHOLD, from: at(11), to: at(13) } });
    expect(everyDevice.body).toMatchObject({ devices: 2, samples: 3, alerts: [{ deviceId: "probe-1", openedAt: at(11), closedAt: null }, { deviceId: "gw-1", openedAt: at(12), closedAt: null }] });
    const named = await h.call("POST", `${BASE}/backtest`, { token: viewer, body: { rule: THRESHOLD, from: at(11), to: at(13), deviceIds: ["gw-1"] } });
    expect(named.body).toMatchObject({ devices: 1, samples: 1 });
  });

  test("backtest refuses long or backward ranges and bad rules", async () => {
    const cases: Array<[object, string]> = [
      [{ rule: THRESHOLD, from: "2025-01-01T00:00:00Z", to: "2025-02-02T00:00:00Z" }, "body.to"],
      [{ rule: THRESHOLD, from: "2025-01-02T00:00:00Z", to: "2025-01-01T00:00:00Z" }, "body.from"],
      [{ from: "2025-01-01T00:00:00Z", to: "2025-01-02T00:00:00Z" }, "body.ruleId"],
      [{ rule: { ...THRESHOLD, definition: { conditions: [] } }, from: "2025-01-01T00:00:00Z", to: "2025-01-02T00:00:00Z" }, "body.rule.definition.conditions"],
      [{ ruleId: crypto.randomUUID(), from: "2025-01-01T00:00:00Z", to: "2025-01-02T00:00:00Z" }, "body.ruleId"],
      [{ rule: THRESHOLD, from: "2025-01-01T00:00:00Z", to: "2025-01-02T00:00:00Z", deviceIds: Array.from({ length: 101 }, (_, i) => `d-${i}`) }, "body.deviceIds"],
    ];
    for (const [body, path] of cases) {
      const r = await h.call("POST", `${BASE}/backtest`, { token: viewer, body });
      expect(r.status, path).toBe(400);
      expect(r.body.errors[0].path).toBe(path);
    }
  });

  test("disabling a rule closes its live alerts, with CLOSED events and notifications", async () => {
    const [alert] = await h.db.sql`select alert_id from alerts where rule_id = ${hotRuleId} and status = 'OPEN'`;
    const r = await h.call("PATCH", `${BASE}/${hotRuleId}`, { token: admin, body: { enabled: false } });
    expect(r.status).toBe(200);
    expect(r.body.enabled).toBe(false);
    const [closed] = await h.db.sql`select status, closed_by, close_reason from alerts where alert_id = ${alert!.alertId}`;
    expect(closed).toEqual({ status: "CLOSED", closedBy: ADMIN, closeReason: "rule disabled" });
    const events = await h.db.sql`select event_id, transition, actor, details from alert_events where alert_id = ${alert!.alertId} order by event_id`;
    expect(events.map((e) => [e.transition, e.actor, e.details])).toEqual([["OPEN", "evaluator", {}], ["CLOSED", ADMIN, { reason: "rule disabled" }]]);
    const [outbox] = await h.db.sql`select payload from bus_outbox where msg_id = ${`alert-event-${events[1]!.eventId}`}`;
    expect(outbox!.payload).toEqual({ v: 1, tenant: "acme", alertId: Number(alert!.alertId), eventId: Number(events[1]!.eventId), transition: "CLOSED", level: 0 });

    // Enabled again, a new alert of it is closed when the rule is deleted.
    await h.call("PATCH", `${BASE}/${hotRuleId}`, { token: admin, body: { enabled: true } });
    await asWorker(h.db.sql, (tx) => tx`
      insert into alerts (tenant_id, device_id, rule_id, alert_type, fingerprint, severity, summary)
      values ('acme', 'gw-1', ${hotRuleId}, 'THRESHOLD', ${`RULE:${hotRuleId}:gw-1`}, 4, 'again')`);
    const deleted = await h.call("DELETE", `${BASE}/${hotRuleId}`, { token: admin });
    expect(deleted.body).toEqual({ deleted: true, closedAlerts: 1 });
    const reasons = await h.db.sql`select close_reason from alerts where tenant_id = 'acme' and fingerprint = ${`RULE:${hotRuleId}:gw-1`} order by alert_id`;
    expect(reasons.map((a) => a.closeReason)).toEqual(["rule disabled", "rule deleted"]);
  });
});
