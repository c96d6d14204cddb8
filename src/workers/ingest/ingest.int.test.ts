import { expect, test } from "bun:test";
import { Bundler } from "../../platform/bus/bundler";
import { asWorker } from "../../platform/db";
import { encodeIngress, messageId, type IngressMeta } from "../../platform/subjects";
import { describePg, testDb } from "../../testing/db";
import { describeNats, testBus } from "../../testing/bus";
import { addDevice } from "../../testing/fixtures";
import { sendDevice, startIngest, waitForOutcome } from "../../testing/ingest";

const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

describePg("pulse ingest", () => {
  describeNats("against PostgreSQL and NATS", () => {
    test("one tenant's batch bigger than NATS's max_payload is announced in parts and acknowledged", async () => {
      await using db = await testDb();
      await using t = await testBus();
      const token = await addDevice(db.sql, { tenant: "acme", device: "gw-1" });
      // 20,000 rows of ~150 characters in bundles of 256: a batch of 500 bus messages holds far more than 1 MiB of rows.
      const bundler = new Bundler(t.bus, { maxMessages: 256, maxBytes: 512 * 1024, lingerMs: 0 });
      const note = "n".repeat(80);
      await Promise.all(Array.from({ length: 20_000 }, (_, i) => {
        const payload = new TextEncoder().encode(JSON.stringify({ ts: iso(NOW - 60_000 + i), seq: i, provision_token: token, metrics: { v: i, note } }));
        const meta: IngressMeta = { v: 1, src: "http", tenant: "acme", device: "gw-1", type: "telemetry", at: NOW, id: messageId("acme", "gw-1", "telemetry", payload) };
        return bundler.add("TELEMETRY", "acme", encodeIngress(meta, payload));
      }));
      const worker = startIngest({ databaseUrl: db.url, natsUrl: t.url, natsPrefix: t.prefix, ingestBatch: 500 });
      try {
        expect(await waitForOutcome(db.sql, 20_000, 60_000)).toEqual({ stored: 20_000, quarantined: 0 });
        let telemetry = await t.bus.backlog("TELEMETRY");
        for (let i = 0; i < 100 && telemetry.inFlight + telemetry.pending > 0; i++) {
          await Bun.sleep(100);
          telemetry = await t.bus.backlog("TELEMETRY");
        }
        expect(telemetry).toEqual({ pending: 0, inFlight: 0 });
        expect((await t.bus.backlog("EVALUATE")).pending).toBeGreaterThanOrEqual(8); // ~2.8 M characters of rows in parts of 256 K
      } finally {
        await worker.stop();
      }
    }, 90_000);

    test("valid messages are stored once, with device state, discovered sensors, key maps and position", async () => {
      await using db = await testDb();
      await using t = await testBus();
      const token = await addDevice(db.sql, { tenant: "acme", device: "gw-1", siteId: "site-1" });
      await asWorker(db.sql, (tx) => tx`
        insert into device_modules (tenant_id, device_id, slot_key, metric_key_map) values ('acme', 'gw-1', 'analog_1', ${tx.json({ t1: "temp_c" })})`);
      const worker = startIngest({ databaseUrl: db.url, natsUrl: t.url, natsPrefix: t.prefix });
      try {
        const base = { tenant: "acme", device: "gw-1" };
        const first = await sendDevice(t.bus, { ...base, payload: { ts: iso(NOW - 2000), site_id: "site-1", seq: 1, metrics: { t1: 20.5, door: false }, provision_token: token, lat: 52, lng: 4 } });
        await sendDevice(t.bus, { ...base, payload: { ts: iso(NOW - 1000), site_id: "site-1", seq: 2, metrics: { t1: 21.5, mode: "cool" }, provision_token: token } });
        await sendDevice(t.bus, { ...base, type: "heartbeat", payload: { site_id: "site-1", provision_token: token }, at: NOW });
        // The same message handed over again (another bus id, same message id) is stored once.
        await sendDevice(t.bus, { ...base, id: first, payload: { ts: iso(NOW - 2000), site_id: "site-1", seq: 1, metrics: { t1: 20.5, door: false }, provision_token: token, lat: 52, lng: 4 } });
        expect(await waitForOutcome(db.sql, 3)).toEqual({ stored: 3, quarantined: 0 });
        await Bun.sleep(300); // let the duplicate arrive too
      } finally {
        await worker.stop();
      }
      const rows = await asWorker(db.sql, (tx) => tx`select msg_type, seq, metrics, site_id from telemetry order by time`);
      expect(rows.map((r) => ({ ...r }))).toEqual([
        { msgType: "telemetry", seq: "1", metrics: { temp_c: 20.5, door: false }, siteId: "site-1" },
        { msgType: "telemetry", seq: "2", metrics: { temp_c: 21.5, mode: "cool" }, siteId: "site-1" },
        { msgType: "heartbeat", seq: null, metrics: {}, siteId: "site-1" },
      ]);
      const [state] = await asWorker(db.sql, (tx) => tx`select last_telemetry_at, last_heartbeat_at, last_seen_at, latest_metrics from device_state`);
      expect(state!.lastTelemetryAt.toISOString()).toBe(iso(NOW - 1000));
      expect(state!.lastHeartbeatAt.toISOString()).toBe(iso(NOW));
      expect(state!.latestMetrics).toEqual({
        temp_c: { v: 21.5, t: iso(NOW - 1000) },
        door: { v: false, t: iso(NOW - 2000) },
        mode: { v: "cool", t: iso(NOW - 1000) },
      });
      const sensors = await asWorker(db.sql, (tx) => tx`select metric_key, source from device_sensors order by metric_key`);
      expect(sensors.map((s) => `${s.metricKey}:${s.source}`)).toEqual(["door:unmodeled", "mode:unmodeled", "temp_c:unmodeled"]);
      const [loc] = await asWorker(db.sql, (tx) => tx`select lat, lng from device_registry`);
      expect({ ...loc }).toEqual({ lat: 52, lng: 4 });
    });

    test("every rejected message is quarantined byte for byte with its reason", async () => {
      await using db = await testDb();
      await using t = await testBus();
      const token = await addDevice(db.sql, { tenant: "acme", device: "gw-1", siteId: "site-1" });
      await addDevice(db.sql, { tenant: "acme", device: "old-1", status: "SUSPENDED" });
      const worker = startIngest({ databaseUrl: db.url, natsUrl: t.url, natsPrefix: t.prefix, maxPayloadBytes: 1024 });
      const cases: Array<[string, { device?: string; payload: unknown }]> = [
        ["INVALID_JSON", { payload: "{nope" }],
        ["PAYLOAD_TOO_LARGE", { payload: { site_id: "site-1", provision_token: token, metrics: { s: "x".repeat(2000) } } }],
        ["TOKEN_INVALID", { payload: { site_id: "site-1", provision_token: "wrong" } }],
        ["TOKEN_MISSING", { payload: { site_id: "site-1" } }],
        ["UNREGISTERED_DEVICE", { device: "ghost", payload: { site_id: "site-1", provision_token: token } }],
        ["DEVICE_NOT_ACTIVE", { device: "old-1", payload: { provision_token: token } }],
        ["TENANT_MISMATCH_TOPIC_VS_PAYLOAD", { payload: { tenant_id: "globex", site_id: "site-1", provision_token: token } }],
        ["MISSING_SITE_ID", { payload: { provision_token: token } }],
        ["SITE_MISMATCH_REGISTRY_VS_PAYLOAD", { payload: { site_id: "site-2", provision_token: token } }],
        ["METRIC_VALUE_INVALID", { payload: '{"site_id":"site-1","provision_token":"' + token + '","metrics":{"x":1e999}}' }],
        ["TS_IN_FUTURE", { payload: { ts: iso(NOW + 3_600_000), site_id: "site-1", provision_token: token } }],
      ];
      try {
        for (const [, c] of cases) await sendDevice(t.bus, { tenant: "acme", device: c.device ?? "gw-1", payload: c.payload });
        expect(await waitForOutcome(db.sql, cases.length)).toEqual({ stored: 0, quarantined: cases.length });
      } finally {
        await worker.stop();
      }
      const rows = await asWorker(db.sql, (tx) => tx`select reason, tenant_id, device_id, source, topic, payload, payload_size from quarantine_events order by event_id`);
      expect(rows.map((r) => r.reason)).toEqual(cases.map(([reason]) => reason));
      const invalidJson = rows[0]!;
      expect({ ...invalidJson, payload: Buffer.from(invalidJson.payload).toString() } as Record<string, unknown>).toEqual({
        reason: "INVALID_JSON", tenantId: "acme", deviceId: "gw-1", source: "mqtt", topic: "tenant/acme/device/gw-1/telemetry", payload: "{nope", payloadSize: 5,
      });
      const counters = await asWorker(db.sql, (tx) => tx`select reason, count from quarantine_counters_minute order by reason`);
      expect(counters.reduce((n, c) => n + Number(c.count), 0)).toBe(cases.length);
    });

    test("a device over its rate is quarantined as RATE_LIMITED; messages checked at the HTTP edge are not charged twice", async () => {
      await using db = await testDb();
      await using t = await testBus();
      const token = await addDevice(db.sql, { tenant: "acme", device: "gw-1" });
      const worker = startIngest({ databaseUrl: db.url, natsUrl: t.url, natsPrefix: t.prefix, deviceRate: 1, deviceBurst: 3 });
      try {
        for (let i = 0; i < 5; i++) await sendDevice(t.bus, { tenant: "acme", device: "gw-1", payload: { seq: i, provision_token: token } });
        for (let i = 0; i < 5; i++) await sendDevice(t.bus, { tenant: "acme", device: "gw-1", src: "http", checked: true, payload: { seq: 100 + i } });
        expect(await waitForOutcome(db.sql, 10)).toEqual({ stored: 8, quarantined: 2 });
      } finally {
        await worker.stop();
      }
      const reasons = await asWorker(db.sql, (tx) => tx`select distinct reason, detail from quarantine_events`);
      expect(reasons.map((r) => ({ ...r }))).toEqual([{ reason: "RATE_LIMITED", detail: "device rate limit" }]);
    });
  });
});
