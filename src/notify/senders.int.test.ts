/** Every channel type against real loopback receivers: wire formats, signatures, results, secrets. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { startReceiver, type Receiver } from "../testing/receiver";
import { startSmtpSink, type SmtpSink } from "../testing/smtp-sink";
import { egressPolicy } from "./egress";
import { type AlertNotice, type ChannelConfig, maskChannelConfig, mergeChannelConfig, parseChannelConfig, postSignedJson, sendNotice } from "./senders";

const LOOPBACK = egressPolicy(["127.0.0.0/8"], { timeoutMs: 2_000 });
const STRICT = egressPolicy([], { timeoutMs: 2_000 });
const SECRET = "s3cret-signing-key-0123";
const ROUTING_KEY = "R0UT1NGKEY0123456789abcdefWXYZ";

const OPENED = "2026-03-01T10:00:00.000Z";
/** The facts of the default notice, in the order every human-readable format lists them. */
const FACTS = [["Severity", "CRITICAL (5)"], ["Status", "OPEN"], ["Type", "THRESHOLD"], ["Device", "boiler-7"], ["Site", "plant-1"], ["Opened", OPENED], ["Alert", "42"]];

const notice = (o: Partial<AlertNotice> = {}): AlertNotice => ({
  tenantId: "acme",
  alertId: 42,
  transition: "OPEN",
  level: 0,
  alertType: "THRESHOLD",
  severity: 5,
  status: "OPEN",
  summary: "Temperature 91 °C above 80",
  deviceId: "boiler-7",
  siteId: "plant-1",
  fingerprint: "RULE:r1:boiler-7",
  openedAt: OPENED,
  details: { metric: "temp_c", value: 91 },
  idempotencyKey: "alert-42:ch-1:OPEN:0",
  ...o,
});

let rec: Receiver;
beforeAll(async () => void (rec = await startReceiver()));
afterAll(() => rec.close());
beforeEach(() => {
  rec.requests.length = 0;
  rec.respondWith(200);
});

const send = (type: Parameters<typeof sendNotice>[0], config: unknown, n = notice(), egress = LOOPBACK) =>
  sendNotice(type, config as ChannelConfig, n, egress);

describe("webhook", () => {
  test("posts the notice (without recipients) with event, idempotency, timestamp and a verifiable signature", async () => {
    const n = notice({ recipients: ["oncall@example.com"], link: "https://pulse.example.com/alerts/42" });
    const config = { url: `${rec.url}/hooks/in?x=1`, headers: { Authorization: "Bearer abc123" }, secret: SECRET };
    expect(await send("webhook", config, n)).toEqual({ ok: true, status: 200, retryable: false });
    const [req] = await rec.waitFor(1);
    const { recipients: _, ...expected } = n;
    expect(req).toMatchObject({ method: "POST", path: "/hooks/in?x=1", json: expected });
    const h = req!.headers;
    expect(h).toMatchObject({ "content-type": "application/json", "x-pulse-event": "alert.open", "idempotency-key": n.idempotencyKey, authorization: "Bearer abc123" });
    expect(Math.abs(Number(h["x-pulse-timestamp"]) - Date.now() / 1000)).toBeLessThan(5);
    const mac = createHmac("sha256", SECRET).update(`${h["x-pulse-timestamp"]}.${req!.body}`).digest("hex");
    expect(h["x-pulse-signature"]).toBe(`sha256=${mac}`);
  });

  test("PUT, no secret: no signature header; event names follow the transition", async () => {
    await send("webhook", { url: rec.url, method: "PUT" }, notice({ transition: "ACKNOWLEDGED" }));
    const [req] = await rec.waitFor(1);
    expect(req).toMatchObject({ method: "PUT", headers: { "x-pulse-event": "alert.acknowledged" } });
    expect(Object.keys(req!.headers)).not.toContain("x-pulse-signature");
  });

  test("postSignedJson: channel headers cannot replace Pulse's own", async () => {
    const o = { headers: { "X-Pulse-Event": "forged", "x-extra": "1" }, idempotencyKey: "k-1", event: "message.test" };
    expect(await postSignedJson(rec.url, { a: 1 }, o, LOOPBACK)).toEqual({ ok: true, status: 200, retryable: false });
    expect((await rec.waitFor(1))[0]!.headers).toMatchObject({ "x-pulse-event": "message.test", "x-extra": "1", "idempotency-key": "k-1" });
  });
});

describe("results", () => {
  test.each([[500, true], [503, true], [429, true], [408, true], [404, false], [400, false]])("HTTP %d: retryable %p", async (status, retryable) => {
    rec.respondWith(status, { body: "nope" });
    expect(await send("webhook", { url: rec.url })).toEqual({ ok: false, status, error: `HTTP ${status}: nope`, retryable });
  });

  test("a redirect is not followed and not retried", async () => {
    rec.respondWith(301, { headers: { location: "http://169.254.169.254/" }, body: "" });
    expect(await send("webhook", { url: rec.url })).toEqual({ ok: false, status: 301, error: "HTTP 301: redirects are not followed", retryable: false });
  });

  test("connection refused is retryable", async () => {
    await rec.down();
    try {
      expect(await send("slack", { webhookUrl: `${rec.url}/services/T0/B0/XYZ` })).toEqual({ ok: false, error: "cannot reach 127.0.0.1: ECONNREFUSED", retryable: true });
    } finally {
      await rec.up();
    }
  });

  test("a private destination is refused before connecting, permanently", async () => {
    const before = rec.connections;
    const refused = { ok: false, error: "refused: localhost resolves to 127.0.0.1, a loopback address", retryable: false };
    expect(await send("webhook", { url: `http://localhost:${rec.port}/` }, notice(), STRICT)).toEqual(refused);
    expect(rec.connections).toBe(before);
  });

  test("errors never carry secrets, even when the receiver echoes them", async () => {
    rec.respondWith(400, { body: `{"message":"bad key ${ROUTING_KEY}"}` });
    expect(await send("pagerduty", { routingKey: ROUTING_KEY, eventsUrl: rec.url })).toEqual({ ok: false, status: 400, error: 'HTTP 400: {"message":"bad key ***"}', retryable: false });
    rec.respondWith(404, { body: "no such hook: /services/T0/B0/XYZ" });
    expect((await send("slack", { webhookUrl: `${rec.url}/services/T0/B0/XYZ` })).error).toBe("HTTP 404: no such hook: ***");
    rec.respondWith(500, { body: "x".repeat(2_000) });
    expect((await send("webhook", { url: rec.url })).error).toHaveLength(500);
  });

  test("an invalid stored config fails permanently instead of throwing", async () => {
    expect(await send("webhook", { url: "ftp://x" })).toEqual({ ok: false, error: "invalid webhook channel config: config.url: expected an http(s) URL", retryable: false });
  });
});

describe("slack and teams", () => {
  test("slack: a headline and an attachment coloured by severity, device text escaped", async () => {
    const n = notice({ summary: "<!channel> hot", link: "https://pulse.example.com/alerts/42" });
    await send("slack", { webhookUrl: `${rec.url}/services/T0/B0/XYZ` }, n);
    const [req] = await rec.waitFor(1);
    expect(req!.path).toBe("/services/T0/B0/XYZ");
    expect(req!.json).toEqual({
      text: "[CRITICAL] OPEN THRESHOLD: boiler-7 — &lt;!channel&gt; hot",
      attachments: [
        {
          color: "#d1242f",
          title: "&lt;!channel&gt; hot",
          title_link: "https://pulse.example.com/alerts/42",
          fields: FACTS.map(([title, value]) => ({ title, value, short: true })),
          footer: "Pulse",
        },
      ],
    });
  });

  test("teams: a MessageCard; a closed alert is green; escalations show their level", async () => {
    await send("teams", { webhookUrl: rec.url }, notice({ transition: "CLOSED", status: "CLOSED", severity: 3, level: 2, deviceId: null }));
    expect((await rec.waitFor(1))[0]!.json).toEqual({
      "@type": "MessageCard",
      "@context": "https://schema.org/extensions",
      summary: "[MEDIUM] CLOSED THRESHOLD: site plant-1 — Temperature 91 °C above 80",
      themeColor: "2eb67d",
      title: "[MEDIUM] CLOSED THRESHOLD: site plant-1 — Temperature 91 °C above 80",
      sections: [
        {
          activityTitle: "Temperature 91 °C above 80",
          facts: [["Severity", "MEDIUM (3)"], ["Status", "CLOSED"], ["Type", "THRESHOLD"], ["Site", "plant-1"], ["Opened", OPENED], ["Escalation level", "2"], ["Alert", "42"]]
            .map(([name, value]) => ({ name, value })),
          markdown: false,
        },
      ],
    });
  });
});

describe("pagerduty", () => {
  test("trigger carries the payload; one dedup key per alert", async () => {
    rec.respondWith(202);
    expect(await send("pagerduty", { routingKey: ROUTING_KEY, eventsUrl: `${rec.url}/v2/enqueue` }, notice({ severity: 4 }))).toEqual({ ok: true, status: 202, retryable: false });
    expect((await rec.waitFor(1))[0]!.json).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: "pulse-acme-42",
      payload: {
        summary: "[HIGH] OPEN THRESHOLD: boiler-7 — Temperature 91 °C above 80",
        source: "boiler-7",
        severity: "error",
        timestamp: OPENED,
        component: "temp_c",
        group: "plant-1",
        class: "THRESHOLD",
        custom_details: { metric: "temp_c", value: 91, alertId: 42, tenantId: "acme", status: "OPEN", level: 0, fingerprint: "RULE:r1:boiler-7" },
      },
    });
  });

  test.each([
    ["OPEN", "trigger"],
    ["ESCALATED", "trigger"],
    ["ACKNOWLEDGED", "acknowledge"],
    ["CLOSED", "resolve"],
  ] as const)("%s → %s", async (transition, action) => {
    await send("pagerduty", { routingKey: ROUTING_KEY, eventsUrl: rec.url }, notice({ transition, severity: 2, deviceId: null, siteId: null }));
    const body = (await rec.waitFor(1))[0]!.json;
    expect(body).toMatchObject({ routing_key: ROUTING_KEY, event_action: action, dedup_key: "pulse-acme-42" });
    if (action === "trigger") expect(body.payload).toMatchObject({ source: "acme", severity: "info" });
    else expect(Object.keys(body)).toEqual(["routing_key", "event_action", "dedup_key"]);
  });
});

describe("email", () => {
  let sink: SmtpSink;
  beforeAll(async () => void (sink = await startSmtpSink()));
  afterAll(() => sink.close());
  beforeEach(() => void (sink.messages.length = 0));
  const smtp = () => ({ host: "localhost", port: sink.port, requireTls: false, username: "pulse", password: "smtp-pass-1", from: "alerts@pulse.example.com" });

  test("subject, sender, recipients and both bodies; the on-call responder replaces `to`", async () => {
    const config = { smtp: smtp(), to: ["team@example.com"], cc: ["boss@example.com"] };
    expect(await send("email", config, notice({ recipients: ["ann@example.com"] }))).toEqual({ ok: true, status: 250, retryable: false });
    const [m] = await sink.waitFor(1);
    expect(m).toMatchObject({ from: "alerts@pulse.example.com", to: ["ann@example.com", "boss@example.com"], subject: "[CRITICAL] OPEN THRESHOLD: boiler-7 — Temperature 91 °C above 80" });
    expect(m!.data).toContain("To: ann@example.com");
    expect(m!.data).toContain("Content-Type: text/html");
    expect(m!.data).toContain("X-Pulse-Idempotency-Key: alert-42:ch-1:OPEN:0");
    expect(sink.logins.at(-1)).toEqual({ username: "pulse", password: "smtp-pass-1" });

    await send("email", { smtp: smtp(), to: ["team@example.com"] });
    expect((await sink.waitFor(2))[1]!.to).toEqual(["team@example.com"]);
    const ids = sink.messages.map((x) => /^Message-ID: (.*)$/m.exec(x.data)?.[1]);
    expect(ids[0]).toBe(ids[1]!); // the same notice, the same Message-ID
  });

  test("STARTTLS required but not offered: permanent failure, nothing sent", async () => {
    const r = await send("email", { smtp: { ...smtp(), requireTls: true }, to: ["team@example.com"] });
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(r.error).not.toContain("smtp-pass-1");
    expect(sink.messages).toEqual([]);
  });

  test("a private SMTP host is refused before connecting; an unreachable one is retried", async () => {
    const before = sink.connections;
    const refused = { ok: false, error: "refused: localhost resolves to 127.0.0.1, a loopback address", retryable: false };
    expect(await send("email", { smtp: smtp(), to: ["team@example.com"] }, notice(), STRICT)).toEqual(refused);
    expect(sink.connections).toBe(before);
    await rec.down();
    try {
      expect(await send("email", { smtp: { ...smtp(), port: rec.port }, to: ["team@example.com"] })).toMatchObject({ ok: false, retryable: true });
    } finally {
      await rec.up();
    }
  });
});

describe("channel configs", () => {
  test("defaults are applied", () => {
    expect(parseChannelConfig("webhook", { url: "https://h.example.com/x" })).toEqual({ url: "https://h.example.com/x", method: "POST", headers: {} });
    expect(parseChannelConfig("pagerduty", { routingKey: ROUTING_KEY })).toEqual({ routingKey: ROUTING_KEY, eventsUrl: "https://events.pagerduty.com/v2/enqueue" });
    expect(parseChannelConfig("email", { smtp: { host: "mail.example.com", from: "a@example.com" }, to: ["b@example.com"] })).toEqual({
      smtp: { host: "mail.example.com", port: 587, secure: false, requireTls: true, from: "a@example.com" },
      to: ["b@example.com"],
    });
  });

  test.each([
    ["webhook", { url: "https://user:pw@h.example.com/" }, "config.url: credentials do not belong in the URL: send them as a header"],
    ["webhook", { url: "https://h.example.com/", headers: { "Content-Type": "text/plain" } }, "config.headers.Content-Type: Pulse sets this header itself"],
    ["webhook", { url: "https://h.example.com/", headers: { "X-A": "a\r\nX-B: b" } }, "config.headers.X-A: header values may not contain line breaks"],
    ["webhook", { url: "https://h.example.com/", secret: "short" }, "config.secret: Too small: expected string to have >=16 characters"],
    ["slack", { webhookUrl: "https://hooks.slack.com/x", extra: 1 }, 'config: Unrecognized key: "extra"'],
    ["pagerduty", { routingKey: "abc" }, "config.routingKey: Too small: expected string to have >=20 characters"],
    ["email", { smtp: { host: "mail.example.com", port: 70000, from: "a@example.com" }, to: ["b@example.com"] }, "config.smtp.port: Too big: expected number to be <=65535"],
    ["email", { smtp: { host: "mail.example.com", from: "a@example.com" }, to: [] }, "config.to: Too small: expected array to have >=1 items"],
    ["email", { smtp: { host: "bad host!", from: "nobody" }, to: ["b@example.com"] }, "config.smtp.host: expected a host name or IP address"],
  ] as const)("%s %j", (type, raw, message) => {
    expect(() => parseChannelConfig(type, raw)).toThrow(expect.objectContaining({ code: "BAD_REQUEST", message: `invalid ${type} channel config: ${message}` }));
  });

  const stored = {
    webhook: { url: "https://h.example.com/in", method: "POST", headers: { Authorization: "Bearer abc123" }, secret: SECRET },
    slack: { webhookUrl: "https://hooks.slack.com/services/T0/B0/XYZ" },
    teams: { webhookUrl: "https://acme.webhook.office.com/webhookb2/abc/IncomingWebhook/def" },
    pagerduty: { routingKey: ROUTING_KEY, eventsUrl: "https://events.pagerduty.com/v2/enqueue" },
    email: { smtp: { host: "mail.example.com", port: 587, secure: false, requireTls: true, username: "u", password: "smtp-pass-1", from: "a@example.com" }, to: ["b@example.com"] },
  } as const;

  test("masking hides every secret, and sending the masked copy back keeps them", () => {
    const masked = Object.fromEntries(Object.entries(stored).map(([t, c]) => [t, maskChannelConfig(t as keyof typeof stored, c)]));
    expect(masked).toEqual({
      webhook: { url: "https://h.example.com/in", method: "POST", headers: { Authorization: "***" }, secret: "***" },
      slack: { webhookUrl: "https://hooks.slack.com/***" },
      teams: { webhookUrl: "https://acme.webhook.office.com/***" },
      pagerduty: { routingKey: "***WXYZ", eventsUrl: "https://events.pagerduty.com/v2/enqueue" },
      email: { smtp: { ...stored.email.smtp, password: "***" }, to: ["b@example.com"] },
    });
    for (const [type, config] of Object.entries(stored) as [keyof typeof stored, unknown][]) {
      expect(parseChannelConfig(type, mergeChannelConfig(type, config, masked[type]))).toEqual(config as never);
    }
  });

  test("omitted secrets are kept, new ones replace, null removes", () => {
    expect(mergeChannelConfig("webhook", stored.webhook, { url: "https://h.example.com/v2" })).toEqual({ url: "https://h.example.com/v2", headers: stored.webhook.headers, secret: SECRET });
    expect(mergeChannelConfig("webhook", stored.webhook, { url: stored.webhook.url, secret: null, headers: { Authorization: "Bearer new" } })).toEqual({
      url: stored.webhook.url,
      headers: { Authorization: "Bearer new" },
    });
    expect(mergeChannelConfig("email", stored.email, { to: ["c@example.com"] })).toEqual({ smtp: stored.email.smtp, to: ["c@example.com"] });
  });

  test("a secret is not carried over to a new destination, nor invented", () => {
    const refused = (type: keyof typeof stored, update: unknown, path: string) =>
      expect(() => mergeChannelConfig(type, stored[type], update)).toThrow(expect.objectContaining({ code: "BAD_REQUEST", details: { errors: [expect.objectContaining({ path })] } }));
    refused("webhook", { url: "https://evil.example.net/in", headers: { Authorization: "***" } }, "config.headers.Authorization");
    refused("webhook", { url: "https://evil.example.net/in" }, "config.headers");
    refused("pagerduty", { routingKey: "***WXYZ", eventsUrl: "https://evil.example.net/" }, "config.routingKey");
    refused("email", { smtp: { ...stored.email.smtp, host: "evil.example.net", password: "***" }, to: ["b@example.com"] }, "config.smtp.password");
    refused("webhook", { url: stored.webhook.url, headers: { "X-New": "***" } }, "config.headers.X-New"); // nothing stored to keep
  });
});
