/**
 * Telemetry to action, end to end: device messages through ingest, the evaluator and the
 * deliverer to real receivers (HTTP endpoints standing in for webhooks, Slack and PagerDuty,
 * and an SMTP sink), with alerts handled through the API.
 */
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { describePg } from "../testing/db";
import { describeNats } from "../testing/bus";
import { alerting } from "../testing/alerting";
import { startReceiver } from "../testing/receiver";
import { startSmtpSink } from "../testing/smtp-sink";
import type { ApiHarness } from "../testing/api";

const suite = describePg === describe && describeNats === describe ? describe : describe.skipIf(true);
const SECRET = "webhook-secret-0123456789";

async function post(h: ApiHarness, token: string, path: string, body: unknown) {
  const r = await h.call("post", path, { token, body });
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${r.text}`);
  return r.body;
}

async function channel(h: ApiHarness, token: string, name: string, channelType: string, config: unknown) {
  return (await post(h, token, "/api/v1/customer/notification-channels", { name, channelType, config, enabled: true })).channelId as string;
}

const hotRule = (extra: Record<string, unknown> = {}) => ({
  name: "Hot", type: "threshold", severity: 4, enabled: true, scope: {},
  definition: { conditions: [{ metric: "temp_c", op: "GT", value: 80 }], match: "all", holdSeconds: 0 }, ...extra,
});

suite("alerting pipeline", () => {
  test("a breach notifies each routed channel exactly once; clearing closes the alert and resolves the PagerDuty incident", async () => {
    const hook = await startReceiver();
    const pd = await startReceiver({ status: 202 });
    const slack = await startReceiver();
    await using a = await alerting({
      devices: ["d-1"],
      setup: async (h) => {
        const { admin } = await h.tokens("acme");
        const hookId = await channel(h, admin, "Hook", "webhook", { url: `${hook.url}/alerts`, secret: SECRET });
        const pdId = await channel(h, admin, "PD", "pagerduty", { routingKey: "R0123456789abcdefghij", eventsUrl: `${pd.url}/v2/enqueue` });
        const slackId = await channel(h, admin, "Slack", "slack", { webhookUrl: `${slack.url}/services/x` });
        await post(h, admin, "/api/v1/customer/notification-routes", { name: "hook", channelId: hookId, transitions: ["OPEN", "CLOSED"] });
        await post(h, admin, "/api/v1/customer/notification-routes", { name: "pd", channelId: pdId, transitions: ["OPEN"] });
        await post(h, admin, "/api/v1/customer/notification-routes", { name: "slack critical", channelId: slackId, minSeverity: 5 });
        await post(h, admin, "/api/v1/customer/alert-rules", hotRule());
      },
    });
    const t0 = Date.now();
    for (const [i, v] of [85, 86, 87].entries()) await a.send("d-1", { temp_c: v }, t0 + i);
    const [opened] = await hook.waitFor(1, 10_000);
    expect(opened!.json).toMatchObject({ transition: "OPEN", alertType: "THRESHOLD", deviceId: "d-1", severity: 4, status: "OPEN" });
    const ts = opened!.headers["x-pulse-timestamp"];
    expect(opened!.headers["x-pulse-signature"]).toBe(`sha256=${createHmac("sha256", SECRET).update(`${ts}.${opened!.body}`).digest("hex")}`);
    const [trigger] = await pd.waitFor(1);
    expect(trigger!.json).toMatchObject({ routing_key: "R0123456789abcdefghij", event_action: "trigger", dedup_key: `pulse-acme-${opened!.json.alertId}` });
    const alert = await a.until("three triggers", async () => (await a.q<{ triggerCount: number }>`select trigger_count from alerts where device_id = 'd-1' and trigger_count = 3`)[0]);
    expect(alert!.triggerCount).toBe(3);

    await a.send("d-1", { temp_c: 20 }, t0 + 10);
    const [, closed] = await hook.waitFor(2);
    expect(closed!.json).toMatchObject({ transition: "CLOSED", alertId: opened!.json.alertId });
    const [, resolve] = await pd.waitFor(2);
    expect(resolve!.json).toMatchObject({ event_action: "resolve", dedup_key: trigger!.json.dedup_key });
    await Bun.sleep(1_000);
    expect([hook.requests.length, pd.requests.length, slack.requests.length]).toEqual([2, 2, 0]);
    const [row] = await a.q<{ status: string; closedBy: string }>`select status, closed_by from alerts where device_id = 'd-1'`;
    expect(row).toEqual({ status: "CLOSED", closedBy: "evaluator" });
    await Promise.all([hook.close(), pd.close(), slack.close()]);
  }, 30_000);

  test("escalation fires level by level while unacknowledged, e-mails whoever is on call, and stops on acknowledge and while silenced", async () => {
    const esc = await startReceiver();
    const smtp = await startSmtpSink();
    await using a = await alerting({
      devices: ["d-1", "d-2", "d-3"],
      setup: async (h) => {
        const { admin } = await h.tokens("acme");
        const hookId = await channel(h, admin, "Escalation hook", "webhook", { url: `${esc.url}/esc` });
        const mailId = await channel(h, admin, "Mail", "email", { smtp: { host: "127.0.0.1", port: smtp.port, requireTls: false, from: "pulse@example.test" }, to: ["team@example.test"] });
        const schedule = await post(h, admin, "/api/v1/customer/oncall-schedules", { name: "Primary", timezone: "Europe/Amsterdam" });
        await post(h, admin, `/api/v1/customer/oncall-schedules/${schedule.scheduleId}/layers`, {
          name: "Daily", order: 0, rotation: "daily", shiftHours: 24, startsAt: new Date(Date.now() - 3_600_000).toISOString(),
          responders: [{ name: "Ann", email: "ann@example.test" }],
        });
        const policy = await post(h, admin, "/api/v1/customer/escalation-policies", {
          name: "Ops", isDefault: false,
          levels: [{ delayMinutes: 5, channelIds: [hookId] }, { delayMinutes: 10, channelIds: [mailId], scheduleId: schedule.scheduleId }],
        });
        await post(h, admin, "/api/v1/customer/alert-rules", hotRule({ escalationPolicyId: policy.policyId }));
      },
    });
    for (const d of ["d-1", "d-2", "d-3"]) await a.send(d, { temp_c: 90 });
    const alerts = await a.until("three open alerts", async () => {
      const rows = await a.q<{ alertId: string; deviceId: string; nextEscalationAt: Date | null }>`
        select alert_id, device_id, next_escalation_at from alerts where status = 'OPEN' order by device_id`;
      return rows.length === 3 ? rows : null;
    });
    const minutes = (alerts[0]!.nextEscalationAt!.getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(4.9);
    const id = (d: string) => Number(alerts.find((x) => x.deviceId === d)!.alertId);
    const escalateNow = () => a.q`update alerts set next_escalation_at = now() where status = 'OPEN' and next_escalation_at is not null`;

    await a.h.call("post", `/api/v1/customer/alerts/${id("d-3")}/silence`, { token: a.admin, body: { minutes: 60 } });
    await escalateNow();
    await esc.waitFor(2);
    expect(esc.requests.map((r) => [r.json.deviceId, r.json.transition, r.json.level]).sort()).toEqual([["d-1", "ESCALATED", 1], ["d-2", "ESCALATED", 1]]);

    const ack = await a.h.call("post", `/api/v1/customer/alerts/${id("d-1")}/acknowledge`, { token: a.admin });
    expect(ack.status).toBe(200);
    await escalateNow();
    const [mail] = await smtp.waitFor(1, 10_000);
    expect(mail!.to).toEqual(["ann@example.test"]);
    expect(mail!.subject).toContain("d-2");
    await Bun.sleep(1_000);
    // Whoever was paged hears the acknowledgement too; nothing escalates past it.
    expect(esc.requests.map((r) => [r.json.deviceId, r.json.transition, r.json.level]).sort()).toEqual([
      ["d-1", "ACKNOWLEDGED", 1], ["d-1", "ESCALATED", 1], ["d-2", "ESCALATED", 1],
    ]);
    expect(smtp.messages).toHaveLength(1);
    const rows = await a.q<{ deviceId: string; status: string; escalationLevel: number; nextEscalationAt: Date | null }>`
      select device_id, status, escalation_level, next_escalation_at from alerts order by device_id`;
    expect(rows.map((r) => [r.deviceId, r.status, r.escalationLevel, r.nextEscalationAt === null])).toEqual([
      ["d-1", "ACKNOWLEDGED", 1, true],
      ["d-2", "OPEN", 2, true],
      ["d-3", "OPEN", 0, false],
    ]);

    // Lifting the silence lets the overdue escalation fire.
    expect((await a.h.call("delete", `/api/v1/customer/alerts/${id("d-3")}/silence`, { token: a.admin })).status).toBe(200);
    await escalateNow();
    const [, , , third] = await esc.waitFor(4);
    expect([third!.json.deviceId, third!.json.transition, third!.json.level]).toEqual(["d-3", "ESCALATED", 1]);
    await Promise.all([esc.close(), smtp.close()]);
  }, 30_000);

  test("a receiver down for 30 s gets the notification afterwards, once", async () => {
    const hook = await startReceiver();
    await hook.down();
    await using a = await alerting({
      devices: ["d-1"],
      deliverBackoffMs: 1_000,
      deliverMaxBackoffMs: 8_000,
      setup: async (h) => {
        const { admin } = await h.tokens("acme");
        const hookId = await channel(h, admin, "Hook", "webhook", { url: `${hook.url}/alerts` });
        await post(h, admin, "/api/v1/customer/notification-routes", { name: "hook", channelId: hookId, transitions: ["OPEN"] });
        await post(h, admin, "/api/v1/customer/alert-rules", hotRule());
      },
    });
    await a.send("d-1", { temp_c: 99 });
    await a.until("a failed attempt", async () => (await a.q`select 1 from notification_deliveries where status = 'FAILED'`)[0]);
    await Bun.sleep(30_000);
    expect(hook.requests).toHaveLength(0);
    await hook.up();
    await hook.waitFor(1, 15_000);
    await Bun.sleep(2_000);
    expect(hook.requests).toHaveLength(1);
    const [d] = await a.q<{ status: string; attempts: number }>`select status, attempts from notification_deliveries`;
    expect(d!.status).toBe("SENT");
    expect(d!.attempts).toBeGreaterThan(2);
    await hook.close();
  }, 60_000);

  test("a receiver that keeps failing ends in the dead letters; replaying after it recovers delivers once", async () => {
    const hook = await startReceiver({ status: 503 });
    await using a = await alerting({
      devices: ["d-1"],
      deliverAttempts: 3,
      deliverBackoffMs: 50,
      setup: async (h) => {
        const { admin } = await h.tokens("acme");
        const hookId = await channel(h, admin, "Hook", "webhook", { url: `${hook.url}/alerts` });
        await post(h, admin, "/api/v1/customer/notification-routes", { name: "hook", channelId: hookId, transitions: ["OPEN"] });
        await post(h, admin, "/api/v1/customer/alert-rules", hotRule());
      },
    });
    await a.send("d-1", { temp_c: 99 });
    const dead = await a.until("a dead letter", async () => (await a.h.call("get", "/api/v1/customer/dead-letters?status=FAILED", { token: a.admin })).body.items?.[0]);
    expect(dead).toMatchObject({ source: "notification", destinationType: "webhook", attempts: 3, status: "FAILED" });
    expect(hook.requests).toHaveLength(3);
    hook.respondWith(200);
    const replay = await a.h.call("post", `/api/v1/customer/dead-letters/${dead.deadLetterId}/replay`, { token: a.admin });
    expect(replay.status).toBe(200);
    await hook.waitFor(4, 10_000);
    await Bun.sleep(1_000);
    expect(hook.requests).toHaveLength(4);
    const [d] = await a.q<{ status: string }>`select status from notification_deliveries`;
    expect(d!.status).toBe("SENT");
    await hook.close();
  }, 30_000);

  test("a private address is refused before any connection; a 404 is not retried", async () => {
    const local = await startReceiver();
    const gone = await startReceiver({ status: 404 });
    await using a = await alerting({
      devices: ["d-1"],
      egressAllow: [],
      setup: async (h) => {
        const { admin } = await h.tokens("acme");
        for (const [name, url] of [["Local", `${local.url}/x`], ["Metadata", "http://169.254.169.254/latest/meta-data"]] as const) {
          const id = await channel(h, admin, name, "webhook", { url });
          await post(h, admin, "/api/v1/customer/notification-routes", { name, channelId: id, transitions: ["OPEN"] });
        }
        await post(h, admin, "/api/v1/customer/alert-rules", hotRule());
      },
    });
    await a.send("d-1", { temp_c: 99 });
    const rows = await a.until("two dead deliveries", async () => {
      const r = await a.q<{ status: string; attempts: number; lastError: string }>`select status, attempts, last_error from notification_deliveries where status = 'DEAD'`;
      return r.length === 2 ? r : null;
    });
    for (const r of rows) {
      expect(r.attempts).toBe(1);
      expect(r.lastError).toContain("refused");
    }
    expect(local.connections).toBe(0);
    await Promise.all([local.close(), gone.close()]);
  }, 30_000);

  test("maintenance windows suppress opening but never closing", async () => {
    const hook = await startReceiver();
    let ruleId = "";
    await using a = await alerting({
      devices: ["d-1", "d-2", "d-3"],
      setup: async (h) => {
        const { admin } = await h.tokens("acme");
        const hookId = await channel(h, admin, "Hook", "webhook", { url: `${hook.url}/alerts` });
        await post(h, admin, "/api/v1/customer/notification-routes", { name: "hook", channelId: hookId, transitions: ["OPEN", "CLOSED"] });
        ruleId = (await post(h, admin, "/api/v1/customer/alert-rules", hotRule())).ruleId;
        await post(h, admin, "/api/v1/customer/maintenance-windows", {
          name: "Service", enabled: true, startsAt: new Date(Date.now() - 3_600_000).toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(),
          scope: { deviceIds: ["d-1", "d-3"] },
        });
        await h.db.sql`insert into alerts (tenant_id, device_id, rule_id, alert_type, fingerprint, severity, summary)
                       values ('acme', 'd-3', ${ruleId}, 'THRESHOLD', ${`RULE:${ruleId}:d-3`}, 4, 'd-3: hot before the window')`;
      },
    });
    await a.send("d-1", { temp_c: 99 });
    await a.send("d-2", { temp_c: 99 });
    await a.send("d-3", { temp_c: 20 });
    await hook.waitFor(2);
    await Bun.sleep(1_000);
    expect(hook.requests.map((r) => [r.json.deviceId, r.json.transition]).sort()).toEqual([["d-2", "OPEN"], ["d-3", "CLOSED"]]);
    const rows = await a.q<{ deviceId: string; status: string }>`select device_id, status from alerts order by device_id`;
    expect(rows).toEqual([{ deviceId: "d-2", status: "OPEN" }, { deviceId: "d-3", status: "CLOSED" }]);
    await hook.close();
  }, 30_000);

  test("message routes forward matching messages to a webhook and republish them on MQTT", async () => {
    const hook = await startReceiver();
    const republished: Array<{ topic: string; body: any }> = [];
    await using a = await alerting({
      devices: ["d-1", "d-2"],
      republish: async (topic, payload) => void republished.push({ topic, body: JSON.parse(new TextDecoder().decode(payload)) }),
      setup: async (h) => {
        const { admin } = await h.tokens("acme");
        await post(h, admin, "/api/v1/customer/message-routes", {
          name: "hot to hook", topicFilter: "tenant/acme/device/+/telemetry", payloadFilter: { temp_c: { $gt: 50 } },
          destinationType: "webhook", destinationConfig: { url: `${hook.url}/in`, secret: SECRET }, enabled: true,
        });
        await post(h, admin, "/api/v1/customer/message-routes", {
          name: "d-2 mirror", topicFilter: "tenant/acme/device/d-2/#", payloadFilter: {},
          destinationType: "mqtt_republish", destinationConfig: { topic: "tenant/{tenant}/mirror/{device}", qos: 1 }, enabled: true,
        });
      },
    });
    await a.send("d-1", { temp_c: 20 });
    await a.send("d-1", { temp_c: 60 });
    await a.send("d-2", { temp_c: 70 });
    await hook.waitFor(2);
    await a.until("republish", async () => republished.length === 1);
    await Bun.sleep(500);
    expect(hook.requests.map((r) => [r.json.deviceId, r.json.metrics.temp_c]).sort()).toEqual([["d-1", 60], ["d-2", 70]]);
    expect(republished).toEqual([{ topic: "tenant/acme/mirror/d-2", body: expect.objectContaining({ deviceId: "d-2", metrics: { temp_c: 70 } }) }]);
    await hook.close();
  }, 30_000);

  test("a silent device turns STALE with a NO_HEARTBEAT alert, then comes back ONLINE and the alert closes", async () => {
    await using a = await alerting({
      devices: ["d-1"],
      setup: async (h) => {
        const { admin } = await h.tokens("acme");
        const r = await h.call("put", "/api/v1/customer/device-status-policies/default", { token: admin, body: { staleAfterSeconds: 10, offlineAfterSeconds: 20, noHeartbeatAlert: true, noHeartbeatSeverity: 3 } });
        if (r.status !== 200) throw new Error(r.text);
      },
    });
    await a.send("d-1", { temp_c: 20 });
    await a.until("ONLINE", async () => (await a.q`select 1 from device_state where device_id = 'd-1' and status = 'ONLINE'`)[0]);
    const [alert] = await a.until("a NO_HEARTBEAT alert", async () => {
      const r = await a.q<{ severity: number; status: string }>`select severity, status from alerts where alert_type = 'NO_HEARTBEAT'`;
      return r.length ? r : null;
    }, 15_000);
    expect(alert).toEqual({ severity: 3, status: "OPEN" });
    await a.send("d-1", { temp_c: 21 });
    await a.until("closed", async () => (await a.q`select 1 from alerts where alert_type = 'NO_HEARTBEAT' and status = 'CLOSED'`)[0]);
    const events = await a.q<{ event: string; reason: string }>`select event, reason from device_connection_events order by event_id`;
    expect(events).toEqual([
      { event: "CONNECTED", reason: "first_seen" },
      { event: "DISCONNECTED", reason: "heartbeat_timeout" },
      { event: "CONNECTED", reason: "heartbeat_resumed" },
    ]);
  }, 30_000);
});
