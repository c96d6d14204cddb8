import { afterAll, beforeAll, expect, test } from "bun:test";
import { asWorker } from "../../../platform/db";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";

describePg("operator alert views", () => {
  let h: ApiHarness;
  let reader: string;
  const READER_ID = crypto.randomUUID();

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    reader = await h.token({ roles: ["operator"], subject: READER_ID });
    await asWorker(h.db.sql, (tx) => tx`
      insert into alerts (tenant_id, device_id, alert_type, fingerprint, status, severity, summary, opened_at, closed_at) values
        ('globex', 'probe-1', 'NO_HEARTBEAT', 'NO_HEARTBEAT:probe-1', 'OPEN', 5, 'probe-1 silent', now() - interval '1 minute', null),
        ('globex', 'gw-1', 'NO_HEARTBEAT', 'NO_HEARTBEAT:gw-1', 'CLOSED', 2, 'gw-1 silent', now() - interval '1 day', now())`);
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("alerts of every tenant, filtered and paged; each view is audited", async () => {
    const all = await h.call("GET", "/api/v1/operator/alerts", { token: reader });
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(4);
    expect(all.body.items.map((a: { tenantId: string; summary: string }) => `${a.tenantId}: ${a.summary}`).sort()).toEqual([
      "acme: gw-1: temp_c above 80",
      "globex: gw-1 silent",
      "globex: gw-1: temp_c above 80",
      "globex: probe-1 silent",
    ]);
    const live = await h.call("GET", "/api/v1/operator/alerts?tenantId=globex&status=OPEN,ACKNOWLEDGED&minSeverity=5&type=NO_HEARTBEAT", { token: reader });
    expect(live.body).toEqual({
      items: [{
        tenantId: "globex",
        alertId: expect.any(Number),
        deviceId: "probe-1",
        siteId: null,
        ruleId: null,
        alertType: "NO_HEARTBEAT",
        fingerprint: "NO_HEARTBEAT:probe-1",
        status: "OPEN",
        severity: 5,
        severityName: "critical",
        summary: "probe-1 silent",
        details: {},
        triggerCount: 1,
        openedAt: expect.any(String),
        lastTriggeredAt: expect.any(String),
        acknowledgedAt: null,
        acknowledgedBy: null,
        closedAt: null,
        closedBy: null,
        closeReason: null,
        silencedUntil: null,
        silenced: false,
        escalationLevel: 0,
        nextEscalationAt: null,
      }],
      total: 1,
      limit: 100,
      offset: 0,
    });
    const audit = await h.db.sql`select actor_id, action, target_tenant_id from operator_audit_log where action = 'alert.list' order by audit_id`;
    expect(audit.map((a) => [a.actorId, a.targetTenantId])).toEqual([[READER_ID, null], [READER_ID, "globex"]]);
  });

  test("live alert counts per tenant, by severity", async () => {
    const r = await h.call("GET", "/api/v1/operator/alerts/summary", { token: reader });
    expect(r.body).toEqual({
      items: [
        { tenantId: "acme", total: 1, bySeverity: { info: 0, low: 0, medium: 0, high: 1, critical: 0 } },
        { tenantId: "globex", total: 2, bySeverity: { info: 0, low: 0, medium: 0, high: 1, critical: 1 } },
      ],
    });
  });

  test("alert rules of one tenant or all", async () => {
    const one = await h.call("GET", "/api/v1/operator/alert-rules?tenantId=acme", { token: reader });
    expect(one.body).toMatchObject({ total: 1, items: [{ tenantId: "acme", name: "Hot", type: "threshold", severity: 4, severityName: "high", enabled: true }] });
    const all = await h.call("GET", "/api/v1/operator/alert-rules?type=threshold&enabled=true&limit=1&offset=1", { token: reader });
    expect(all.body).toMatchObject({ total: 2, limit: 1, offset: 1, items: [{ tenantId: "globex" }] });
    const [row] = await h.db.sql`select target_tenant_id from operator_audit_log where action = 'alert_rule.list' order by audit_id limit 1`;
    expect(row!.targetTenantId).toBe("acme");
  });

  test("tenant users are refused", async () => {
    const { admin } = await h.tokens("acme");
    for (const path of ["/api/v1/operator/alerts", "/api/v1/operator/alerts/summary", "/api/v1/operator/alert-rules"]) {
      expect((await h.call("GET", path, { token: admin })).status).toBe(403);
    }
  });
});
