import { expect, setDefaultTimeout, test } from "bun:test";
import mqtt from "mqtt";
import { asWorker } from "../../platform/db";
import { describeNats, testBus } from "../../testing/bus";
import { describePg, testDb } from "../../testing/db";
import { addDevice } from "../../testing/fixtures";
import { startBridge, startIngest, waitForOutcome } from "../../testing/ingest";
import { startMosquitto } from "../../testing/servers";

setDefaultTimeout(60_000);

const publish = async (url: string, messages: Array<[string, unknown]>) => {
  const c = await mqtt.connectAsync(url, { clientId: `dev-${Math.random()}`, protocolVersion: 4 });
  for (const [topic, body] of messages) await c.publishAsync(topic, typeof body === "string" ? body : JSON.stringify(body), { qos: 1 });
  await c.endAsync();
};

describePg("pulse bridge", () => {
  describeNats("with Mosquitto, NATS and PostgreSQL", () => {
    test("uplinks are forwarded, downlinks are not, and a topic naming no valid tenant is quarantined", async () => {
      await using broker = await startMosquitto();
      await using db = await testDb();
      await using t = await testBus();
      const token = await addDevice(db.sql, { tenant: "acme", device: "gw-1" });
      const bridge = startBridge({ mqttUrl: broker.url, natsUrl: t.url, natsPrefix: t.prefix });
      const ingest = startIngest({ databaseUrl: db.url, natsUrl: t.url, natsPrefix: t.prefix });
      try {
        await Bun.sleep(500); // subscriptions in place
        await publish(broker.url, [
          ["tenant/acme/device/gw-1/telemetry", { seq: 1, provision_token: token, metrics: { a: 1 } }],
          ["tenant/acme/device/gw-1/heartbeat", { provision_token: token }],
          ["tenant/acme/device/gw-1/commands", { command_id: "c1", type: "reboot" }],
          ["tenant/acme/device/gw-1/shadow/desired", { desired: {} }],
          ["tenant/ACME!/device/gw-1/telemetry", { seq: 2 }],
        ]);
        expect(await waitForOutcome(db.sql, 3)).toEqual({ stored: 2, quarantined: 1 });
        await Bun.sleep(300);
        expect(await waitForOutcome(db.sql, 3)).toEqual({ stored: 2, quarantined: 1 });
      } finally {
        await bridge.stop();
        await ingest.stop();
      }
      const [q] = await asWorker(db.sql, (tx) => tx`select reason, tenant_id, topic from quarantine_events`);
      expect({ ...q }).toEqual({ reason: "BAD_TOPIC_FORMAT", tenantId: null, topic: "tenant/ACME!/device/gw-1/telemetry" });
    });

    test("--mqtt-broker-auth: behind a broker that authenticates devices, payloads need no token; otherwise a missing one is quarantined", async () => {
      await using broker = await startMosquitto();
      await using db = await testDb();
      await using t = await testBus();
      await addDevice(db.sql, { tenant: "acme", device: "gw-1" });
      const ingest = startIngest({ databaseUrl: db.url, natsUrl: t.url, natsPrefix: t.prefix });
      try {
        for (const brokerAuth of [false, true]) {
          const bridge = startBridge({ mqttUrl: broker.url, natsUrl: t.url, natsPrefix: t.prefix, brokerAuth });
          try {
            await Bun.sleep(500); // subscriptions in place
            await publish(broker.url, [["tenant/acme/device/gw-1/telemetry", { seq: brokerAuth ? 2 : 1, metrics: { a: 1 } }]]);
            await waitForOutcome(db.sql, brokerAuth ? 2 : 1);
          } finally {
            await bridge.stop();
          }
        }
      } finally {
        await ingest.stop();
      }
      const rows = await asWorker(db.sql, (tx) => tx`select 'stored' as kind, seq::text as what from telemetry union all select 'quarantined', reason from quarantine_events order by 1`);
      expect(rows.map((r) => `${r.kind} ${r.what}`)).toEqual(["quarantined TOKEN_MISSING", "stored 2"]);
    });

    test("what devices send while the bridge is down is waiting in its session and arrives once it is back", async () => {
      await using broker = await startMosquitto();
      await using db = await testDb();
      await using t = await testBus();
      const token = await addDevice(db.sql, { tenant: "acme", device: "gw-1" });
      const ids = { clientId: "bridge-session", connections: 1 };
      const first = startBridge({ mqttUrl: broker.url, natsUrl: t.url, natsPrefix: t.prefix, ...ids });
      await Bun.sleep(500);
      await first.stop(); // the persistent session and its subscriptions stay with the broker
      await publish(broker.url, Array.from({ length: 50 }, (_, i) => [`tenant/acme/device/gw-1/telemetry`, { seq: i, ts: new Date(Date.now() - 1000 + i).toISOString(), provision_token: token }] as [string, unknown]));
      const again = startBridge({ mqttUrl: broker.url, natsUrl: t.url, natsPrefix: t.prefix, ...ids });
      const ingest = startIngest({ databaseUrl: db.url, natsUrl: t.url, natsPrefix: t.prefix });
      try {
        expect(await waitForOutcome(db.sql, 50)).toEqual({ stored: 50, quarantined: 0 });
      } finally {
        await again.stop();
        await ingest.stop();
      }
    });

    test("the broker restarting is ridden out: the bridge reconnects to its session by itself", async () => {
      await using broker = await startMosquitto();
      await using db = await testDb();
      await using t = await testBus();
      const token = await addDevice(db.sql, { tenant: "acme", device: "gw-1" });
      const bridge = startBridge({ mqttUrl: broker.url, natsUrl: t.url, natsPrefix: t.prefix, clientId: "bridge-restart", connections: 1 });
      const ingest = startIngest({ databaseUrl: db.url, natsUrl: t.url, natsPrefix: t.prefix });
      const batch = (from: number) =>
        Array.from({ length: 100 }, (_, i) => [`tenant/acme/device/gw-1/telemetry`, { seq: from + i, ts: new Date(Date.now() - 10_000 + from + i).toISOString(), provision_token: token }] as [string, unknown]);
      try {
        await Bun.sleep(500);
        await publish(broker.url, batch(0));
        await Bun.sleep(1_500); // the broker saves its sessions every second
        await broker.stop();
        await Bun.sleep(500);
        await broker.start();
        await publish(broker.url, batch(100));
        expect(await waitForOutcome(db.sql, 200)).toEqual({ stored: 200, quarantined: 0 });
      } finally {
        await bridge.stop();
        await ingest.stop();
      }
    });
  });
});
