import { afterAll, beforeAll, expect, test } from "bun:test";
import { DeviceDirectory } from "../../devices/service";
import { createMetrics } from "../../platform/metrics";
import { DEFAULT_LIMITS } from "../../telemetry/envelope";
import { createRateLimits } from "../../telemetry/rate-limit";
import { describeNats, testBus, type TestBus } from "../../testing/bus";
import { describePg, quietLog, testDb, type TestDb } from "../../testing/db";
import { addDevice } from "../../testing/fixtures";
import { startIngest, waitForOutcome } from "../../testing/ingest";
import { asWorker } from "../../platform/db";
import { createApp } from "../app";
import { Bundler } from "../../platform/bus/bundler";

describePg("HTTP ingest", () => {
  describeNats("with PostgreSQL and NATS", () => {
    let db: TestDb;
    let t: TestBus;
    let token: string;
    let app: ReturnType<typeof createApp>;

    beforeAll(async () => {
      db = await testDb();
      t = await testBus();
      token = await addDevice(db.sql, { tenant: "acme", device: "gw-1", siteId: "site-1" });
      await addDevice(db.sql, { tenant: "acme", device: "spent", status: "SUSPENDED", token: "pt_spent" });
      await addDevice(db.sql, { tenant: "acme", device: "chatty", token: "pt_chatty" });
      app = createApp({
        log: quietLog,
        metrics: createMetrics("serve"),
        edge: {
          bundler: new Bundler(t.bus),
          directory: new DeviceDirectory(db.sql, { ttlMs: 60_000, missTtlMs: 1_000, maxEntries: 1_000 }),
          limits: createRateLimits({ deviceRate: 1, deviceBurst: 5, tenantRate: 0, tenantBurst: 1 }),
          envelope: { ...DEFAULT_LIMITS, maxBytes: 1024 },
        },
        checks: { database: () => db.sql`select 1`, bus: () => t.bus.backlog("TELEMETRY") },
      });
    });
    afterAll(async () => {
      await t?.[Symbol.asyncDispose]();
      await db?.[Symbol.asyncDispose]();
    });

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      app.request(path, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
    const single = (body: unknown, headers: Record<string, string> = {}, device = "gw-1", type = "telemetry") =>
      post(`/ingest/v1/tenant/acme/device/${device}/${type}`, body, { "x-provision-token": token, ...headers });

    test("a valid message is answered 202 only after the bus stored it", async () => {
      const before = (await t.bus.backlog("TELEMETRY")).pending;
      const res = await single({ site_id: "site-1", seq: 1, metrics: { temp_c: 20 } }, { "x-request-id": "req-1" });
      expect(res.status).toBe(202);
      expect(res.headers.get("x-request-id")).toBe("req-1");
      const body = (await res.json()) as { status: string; messageId: string };
      expect(body.status).toBe("accepted");
      expect(body.messageId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await t.bus.backlog("TELEMETRY")).pending).toBe(before + 1);
    });

    test("bad input gets problem+json with a reason, and nothing is published", async () => {
      const before = (await t.bus.backlog("TELEMETRY")).pending;
      const invalid = await single("{nope");
      expect(invalid.status).toBe(400);
      expect(invalid.headers.get("content-type")).toBe("application/problem+json");
      expect(await invalid.json()).toMatchObject({ type: "urn:pulse:problem:invalid-json", status: 400, code: "INVALID_JSON", title: "Invalid json" });
      const cases: Array<[Response, number, string]> = [
        [await single({ site_id: "site-1", metrics: { s: "x".repeat(2000) } }), 413, "PAYLOAD_TOO_LARGE"],
        [await single({ site_id: "site-1" }, { "x-provision-token": "wrong" }), 401, "INVALID_CREDENTIAL"],
        [await single({ site_id: "site-1" }, {}, "ghost"), 401, "INVALID_CREDENTIAL"],
        [await single({}, { "x-provision-token": "pt_spent" }, "spent"), 403, "DEVICE_NOT_ACTIVE"],
        [await single({ site_id: "site-1" }, {}, "gw-1", "ota"), 404, "UNSUPPORTED_MESSAGE_TYPE"],
        [await single({ site_id: "site-2" }), 400, "SITE_MISMATCH_REGISTRY_VS_PAYLOAD"],
        [await single({ site_id: "site-1", ts: "2099-01-01T00:00:00Z" }), 400, "TS_IN_FUTURE"],
        [await single({ site_id: "site-1", metrics: { x: [1] } }), 400, "METRIC_VALUE_INVALID"],
        [await post("/ingest/v1/tenant/Bad!/device/gw-1/telemetry", {}), 400, "BAD_TENANT_ID"],
      ];
      expect(cases.map(([r, , code]) => [r.status, code])).toEqual(cases.map(([, s, code]) => [s, code]));
      for (const [r, , code] of cases) expect(((await r.json()) as { code: string }).code).toBe(code);
      expect((await t.bus.backlog("TELEMETRY")).pending).toBe(before);
    });

    test("a device over its rate gets 429 with Retry-After", async () => {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 7; i++) {
        last = await post("/ingest/v1/tenant/acme/device/chatty/telemetry", { seq: i }, { "x-provision-token": "pt_chatty" });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429]);
      expect(last!.headers.get("retry-after")).toBe("1");
    });

    test("the same message sent twice gets the same id (and is stored once, see below)", async () => {
      const body = { site_id: "site-1", seq: 77, ts: new Date().toISOString() };
      const a = (await (await single(body)).json()) as { messageId: string };
      const b = (await (await single(body)).json()) as { messageId: string };
      expect(b.messageId).toBe(a.messageId);
    });

    test("a batch answers per item; 202 when any is accepted, 400 when none is", async () => {
      const mixed = await post("/ingest/v1/batch", {
        messages: [
          { tenant_id: "acme", device_id: "gw-1", provision_token: token, site_id: "site-1", metrics: { a: 1 } },
          { tenant_id: "acme", device_id: "gw-1", provision_token: "nope", site_id: "site-1" },
          { tenant_id: "acme", device_id: "gw-1", msg_type: "heartbeat", provision_token: token, site_id: "site-1" },
          "not an object",
        ],
      });
      expect(mixed.status).toBe(202);
      const body = (await mixed.json()) as { accepted: number; rejected: number; results: Array<Record<string, unknown>> };
      expect([body.accepted, body.rejected]).toEqual([2, 2]);
      expect(body.results.map((r) => [r.index, r.status, r.code])).toEqual([
        [0, "accepted", undefined],
        [1, "rejected", "INVALID_CREDENTIAL"],
        [2, "accepted", undefined],
        [3, "rejected", "INVALID_ENVELOPE"],
      ]);
      const none = await post("/ingest/v1/batch", { messages: [{ tenant_id: "acme", device_id: "gw-1" }] });
      expect(none.status).toBe(400);
      expect((await post("/ingest/v1/batch", { messages: [] })).status).toBe(400);
      expect((await post("/ingest/v1/batch", "[")).status).toBe(400);
    });

    test("accepted messages end up stored by pulse ingest, exactly once", async () => {
      const worker = startIngest({ databaseUrl: db.url, natsUrl: t.url, natsPrefix: t.prefix });
      try {
        // Accepted above: 1 + 5 (rate test) + 2 identical (stored once) + 2 (batch) = 9 distinct.
        expect(await waitForOutcome(db.sql, 9)).toEqual({ stored: 9, quarantined: 0 });
        await Bun.sleep(300);
        expect(await waitForOutcome(db.sql, 9)).toEqual({ stored: 9, quarantined: 0 });
      } finally {
        await worker.stop();
      }
      const [dups] = await asWorker(db.sql, (tx) => tx`select count(*)::int as n from (select msg_id from telemetry group by msg_id having count(*) > 1) d`);
      expect(dups!.n).toBe(0);
    });

    test("health, readiness and metrics", async () => {
      expect(await (await app.request("/health")).json()).toEqual({ status: "ok" });
      expect(await (await app.request("/ready")).json()).toEqual({ status: "ready", checks: { database: "ok", bus: "ok" } });
      const metrics = await (await app.request("/metrics")).text();
      expect(metrics).toContain('pulse_ingest_edge_total{result="rejected",reason="INVALID_CREDENTIAL",role="serve"}');
      expect(metrics).toContain("pulse_http_request_seconds_bucket");
      const missing = await app.request("/nope");
      expect(missing.status).toBe(404);
      expect(missing.headers.get("content-type")).toBe("application/problem+json");
    });
  });
});
