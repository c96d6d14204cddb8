/**
 * The pipeline under faults. After each: every message the platform accepted is either stored
 * exactly once or in quarantine with its reason: count in equals count out, zero duplicates.
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { Bundler } from "../../platform/bus/bundler";
import { asWorker, connect, type Sql } from "../../platform/db";
import { loadMigrations, migrate } from "../../platform/migrate";
import { encodeIngress, messageId, type IngressMeta } from "../../platform/subjects";
import { describeNats, testBus, type TestBus } from "../../testing/bus";
import { describePg, quietLog, testDb } from "../../testing/db";
import { addDevice } from "../../testing/fixtures";
import { startBridge, startIngest, waitForOutcome } from "../../testing/ingest";
import { startMosquitto, startNats, startPostgres } from "../../testing/servers";

setDefaultTimeout(120_000);

const enc = new TextEncoder();

/** Stored rows, quarantined rows and rows stored more than once (same device and seq). */
async function tally(sql: Sql) {
  const [r] = await asWorker(sql, (tx) => tx<{ stored: number; quarantined: number; duplicates: number }[]>`
    select (select count(*)::int from telemetry) as stored,
           (select count(*)::int from quarantine_events) as quarantined,
           (select count(*)::int from telemetry) - (select count(*)::int from (select distinct device_id, seq from telemetry) d) as duplicates`);
  return { ...r! };
}

async function waitTally(sql: Sql, total: number, timeoutMs = 60_000) {
  await waitForOutcome(sql, total, timeoutMs);
  await Bun.sleep(500); // anything arriving late (a duplicate) shows up too
  return tally(sql);
}

/** Publishes `n` device messages straight onto the bus, as the edges would, in bundles. */
async function publishMessages(t: TestBus, o: { device: string; token: string; n: number; withTs: (i: number) => boolean }) {
  const bundler = new Bundler(t.bus, { maxMessages: 100, maxBytes: 256 * 1024, lingerMs: 0 });
  const at = Date.now();
  await Promise.all(
    Array.from({ length: o.n }, (_, i) => {
      const body: Record<string, unknown> = { seq: i, provision_token: o.token, metrics: { v: i } };
      if (o.withTs(i)) body.ts = new Date(at - 60_000 + i).toISOString();
      const payload = enc.encode(JSON.stringify(body));
      const meta: IngressMeta = { v: 1, src: "mqtt", tenant: "acme", device: o.device, type: "telemetry", at: at + i, id: messageId("acme", o.device, "telemetry", payload) };
      return bundler.add("TELEMETRY", "acme", encodeIngress(meta, payload));
    }),
  );
}

/** QoS1 publishes the broker acknowledged; returns how many it took. */
async function mqttLoad(url: string, messages: Array<[string, string | Uint8Array]>, perSecond: number): Promise<number> {
  const c = await mqtt.connectAsync(url, { clientId: `dev-${Math.random()}`, protocolVersion: 4 });
  const started = Date.now();
  let acked = 0;
  await Promise.all(
    messages.map(async ([topic, body], i) => {
      await Bun.sleep(Math.max(0, started + (i / perSecond) * 1000 - Date.now()));
      await c.publishAsync(topic, body as string, { qos: 1 });
      acked++;
    }),
  );
  await c.endAsync();
  return acked;
}

describePg("ingest under faults", () => {
  describeNats("with real servers", () => {
    test("the ingest process killed mid-batch and restarted: every message stored exactly once", async () => {
      await using db = await testDb();
      await using t = await testBus();
      const token = await addDevice(db.sql, { tenant: "acme", device: "gw-1" });
      await publishMessages(t, { device: "gw-1", token, n: 20_000, withTs: (i) => i % 2 === 0 });
      const env = { PATH: "/usr/bin:/bin", PULSE_DATABASE_URL: db.url, PULSE_NATS_URL: t.url, PULSE_NATS_PREFIX: t.prefix, PULSE_BUS_STORAGE_GIB: "0.0625", PULSE_HEALTH_PORT: "0", PULSE_DEVICE_RATE: "0", PULSE_INGEST_BATCH: "50", PULSE_INGEST_CONCURRENCY: "1", PULSE_LOG_LEVEL: "error" };
      const spawn = () => Bun.spawn([process.execPath, join(import.meta.dir, "../../../cmd/pulse.ts"), "ingest"], { env, stdout: "ignore", stderr: "inherit" });
      const first = spawn();
      const stored = async () => (await asWorker(db.sql, (tx) => tx<{ n: number }[]>`select count(*)::int as n from telemetry`))[0]!.n;
      while ((await stored()) < 500) await Bun.sleep(2);
      first.kill("SIGKILL");
      await first.exited;
      const killedAt = await stored();
      const second = spawn();
      try {
        expect(await waitTally(db.sql, 20_000)).toEqual({ stored: 20_000, quarantined: 0, duplicates: 0 });
      } finally {
        second.kill("SIGTERM");
        await second.exited;
      }
      expect(killedAt).toBeLessThan(20_000); // it really died mid-stream
    });

    test("PostgreSQL stopped for 10 s under load: ingest waits it out, nothing lost, nothing twice", async () => {
      await using pg = await startPostgres();
      await using t = await testBus();
      const sql = connect({ url: pg.url, appName: "test", log: quietLog, max: 2 });
      try {
        await migrate(sql, loadMigrations(), { log: quietLog });
        const token = await addDevice(sql, { tenant: "acme", device: "gw-1" });
        const ingest = startIngest({ databaseUrl: pg.url, natsUrl: t.url, natsPrefix: t.prefix, ingestBatch: 100 });
        try {
          const load = (async () => {
            for (let k = 0; k < 10; k++) {
              await publishMessages(t, { device: "gw-1", token, n: 500, withTs: () => true });
              await Bun.sleep(300);
            }
          })();
          await Bun.sleep(800);
          await pg.stop();
          await Bun.sleep(10_000);
          await pg.start();
          await load;
          // seqs repeat per publishMessages round: count distinct (device, seq, time) through msg ids instead
          await waitForOutcome(sql, 5_000, 60_000);
          await Bun.sleep(500);
          const [r] = await asWorker(sql, (tx) => tx<{ n: number; distinct: number; q: number }[]>`
            select count(*)::int as n, count(distinct msg_id)::int as distinct, (select count(*)::int from quarantine_events) as q from telemetry`);
          expect({ ...r! }).toEqual({ n: 5_000, distinct: 5_000, q: 0 });
        } finally {
          await ingest.stop();
        }
      } finally {
        await sql.end();
      }
    });

    test("the worker role missing a privilege: messages wait on the bus, none quarantined, all stored once it is granted", async () => {
      await using db = await testDb();
      await using t = await testBus();
      const name = new URL(db.url).pathname.slice(1);
      // As a hand-made database behind `revoke all … from public` leaves it: no TEMPORARY for the staging table.
      await db.sql.unsafe(`revoke temporary on database "${name}" from public`);
      const token = await addDevice(db.sql, { tenant: "acme", device: "gw-1" });
      const ingest = startIngest({ databaseUrl: db.url, natsUrl: t.url, natsPrefix: t.prefix, ingestBatch: 50 });
      try {
        await publishMessages(t, { device: "gw-1", token, n: 200, withTs: () => true });
        await Bun.sleep(2_000);
        expect(await tally(db.sql)).toEqual({ stored: 0, quarantined: 0, duplicates: 0 });
        await db.sql.unsafe(`grant temporary on database "${name}" to pulse_worker`);
        expect(await waitTally(db.sql, 200, 30_000)).toEqual({ stored: 200, quarantined: 0, duplicates: 0 });
      } finally {
        await ingest.stop();
      }
    });

    test("NATS restarted while devices publish over MQTT: everything the broker acknowledged is stored once", async () => {
      await using nats = await startNats();
      await using broker = await startMosquitto();
      await using db = await testDb();
      await using t = await testBus({ url: nats.url });
      const token = await addDevice(db.sql, { tenant: "acme", device: "gw-1" });
      const bridge = startBridge({ mqttUrl: broker.url, natsUrl: nats.url, natsPrefix: t.prefix });
      const ingest = startIngest({ databaseUrl: db.url, natsUrl: nats.url, natsPrefix: t.prefix });
      try {
        await Bun.sleep(500);
        const at = Date.now();
        const messages = Array.from({ length: 3_000 }, (_, i) => [
          "tenant/acme/device/gw-1/telemetry",
          JSON.stringify({ seq: i, ts: new Date(at - 60_000 + i).toISOString(), provision_token: token, metrics: { v: i } }),
        ] as [string, string]);
        const load = mqttLoad(broker.url, messages, 1_000);
        await Bun.sleep(1_000);
        await nats.stop();
        await Bun.sleep(2_000);
        await nats.start();
        expect(await load).toBe(3_000);
        expect(await waitTally(db.sql, 3_000)).toEqual({ stored: 3_000, quarantined: 0, duplicates: 0 });
      } finally {
        await bridge.stop();
        await ingest.stop();
      }
    });

    test("duplicates and every kind of bad message over MQTT: stored once, or quarantined with the reason", async () => {
      await using broker = await startMosquitto();
      await using db = await testDb();
      await using t = await testBus();
      const token = await addDevice(db.sql, { tenant: "acme", device: "gw-1", siteId: "site-1" });
      const bridge = startBridge({ mqttUrl: broker.url, natsUrl: t.url, natsPrefix: t.prefix });
      const ingest = startIngest({ databaseUrl: db.url, natsUrl: t.url, natsPrefix: t.prefix });
      const topic = "tenant/acme/device/gw-1/telemetry";
      const good = (i: number) => JSON.stringify({ seq: i, ts: new Date(Date.now() - 5_000).toISOString(), site_id: "site-1", provision_token: token });
      const bad: Array<[string, string, string | Uint8Array]> = [
        ["INVALID_JSON", topic, "{oops"],
        ["PAYLOAD_TOO_LARGE", topic, new Uint8Array(1024 * 1024).fill(0x41)],
        ["TOKEN_INVALID", topic, JSON.stringify({ site_id: "site-1", provision_token: "nope" })],
        ["UNREGISTERED_DEVICE", "tenant/acme/device/ghost/telemetry", JSON.stringify({ site_id: "site-1", provision_token: token })],
        ["TENANT_MISMATCH_TOPIC_VS_PAYLOAD", topic, JSON.stringify({ tenant_id: "globex", site_id: "site-1", provision_token: token })],
        ["METRIC_VALUE_INVALID", topic, `{"site_id":"site-1","provision_token":"${token}","metrics":{"x":-1e999}}`],
        ["TS_IN_FUTURE", topic, JSON.stringify({ ts: "2099-01-01T00:00:00Z", site_id: "site-1", provision_token: token })],
      ];
      try {
        await Bun.sleep(500);
        const goods = Array.from({ length: 200 }, (_, i) => [topic, good(i)] as [string, string]);
        const acked = await mqttLoad(broker.url, [...goods, ...goods, ...bad.map(([, tp, body]) => [tp, body] as [string, string | Uint8Array])], 2_000);
        expect(acked).toBe(400 + bad.length);
        expect(await waitTally(db.sql, 200 + bad.length)).toEqual({ stored: 200, quarantined: bad.length, duplicates: 0 });
      } finally {
        await bridge.stop();
        await ingest.stop();
      }
      const reasons = await asWorker(db.sql, (tx) => tx`select reason, payload_size, length(payload) as kept from quarantine_events order by reason`);
      expect(reasons.map((r) => r.reason)).toEqual(bad.map(([reason]) => reason).sort());
      const big = reasons.find((r) => r.reason === "PAYLOAD_TOO_LARGE")!;
      expect([big.payloadSize, big.kept]).toEqual([1024 * 1024, 65_536]);
    });
  });
});
