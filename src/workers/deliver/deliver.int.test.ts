/**
 * `pulse deliver` as its own role: a ROUTES job republished on a real MQTT broker (a private
 * Mosquitto), and one whose broker is unreachable retried, then given up as a dead letter.
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import mqtt from "mqtt";
import { asWorker } from "../../platform/db";
import { createLifecycle } from "../../platform/lifecycle";
import type { RouteJob } from "../../platform/subjects";
import { describeNats, testBus } from "../../testing/bus";
import { describePg, quietLog, testDb } from "../../testing/db";
import { addDevice } from "../../testing/fixtures";
import { freePort, startMosquitto } from "../../testing/servers";
import { runDeliver, type DeliverConfig } from "./main";

setDefaultTimeout(60_000);

const settings = { deliverAttempts: 2, deliverBackoffMs: 50, deliverMaxBackoffMs: 100, deliverConcurrency: 2, egressAllow: [] };

async function routeJob(sql: Parameters<typeof asWorker>[0]): Promise<RouteJob> {
  await addDevice(sql, { tenant: "acme", device: "d-1" });
  const [route] = await asWorker(sql, (tx) => tx<{ routeId: string }[]>`
    insert into message_routes (tenant_id, name, topic_filter, destination_type, destination_config)
    values ('acme', 'mirror', 'tenant/acme/device/+/telemetry', 'mqtt_republish', ${tx.json({ topic: "tenant/{tenant}/device/panel-1/mirror", qos: 1 })})
    returning route_id`);
  return { v: 1, tenant: "acme", routeId: route!.routeId, device: "d-1", topic: "tenant/acme/device/d-1/telemetry", msgType: "telemetry", msgId: crypto.randomUUID(), receivedAt: Date.now(), time: Date.now(), metrics: { temp_c: 71 } };
}

describePg("pulse deliver", () => {
  describeNats("with NATS, PostgreSQL and Mosquitto", () => {
    test("a message route republishes on the broker", async () => {
      await using broker = await startMosquitto();
      await using db = await testDb();
      await using t = await testBus();
      const job = await routeJob(db.sql);
      const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
      const got: Array<{ topic: string; body: any }> = [];
      watcher.on("message", (topic, payload) => got.push({ topic, body: JSON.parse(payload.toString()) }));
      await watcher.subscribeAsync("tenant/acme/device/panel-1/mirror", { qos: 1 });
      const lifecycle = createLifecycle(quietLog);
      const config: DeliverConfig = { ...settings, databaseUrl: db.url, dbPoolMax: 2, natsUrl: t.url, natsPrefix: t.prefix, busStorageGib: 0.05, healthHost: "127.0.0.1", healthPort: 0, mqttUrl: broker.url };
      const running = runDeliver(config, quietLog, lifecycle);
      try {
        await t.bus.publish("ROUTES", "acme", new TextEncoder().encode(JSON.stringify(job)));
        const deadline = Date.now() + 10_000;
        while (got.length === 0 && Date.now() < deadline) await Bun.sleep(50);
        expect(got).toEqual([{ topic: "tenant/acme/device/panel-1/mirror", body: expect.objectContaining({ deviceId: "d-1", routeId: job.routeId, metrics: { temp_c: 71 } }) }]);
      } finally {
        lifecycle.stop("test");
        await running;
        await lifecycle[Symbol.asyncDispose]();
        await watcher.endAsync();
      }
    });

    test("an unreachable broker is retried, then the job is a dead letter that keeps the message", async () => {
      await using db = await testDb();
      await using t = await testBus();
      const job = await routeJob(db.sql);
      const lifecycle = createLifecycle(quietLog);
      const config: DeliverConfig = { ...settings, databaseUrl: db.url, dbPoolMax: 2, natsUrl: t.url, natsPrefix: t.prefix, busStorageGib: 0.05, healthHost: "127.0.0.1", healthPort: 0, mqttUrl: `mqtt://127.0.0.1:${await freePort()}` };
      const running = runDeliver(config, quietLog, lifecycle);
      try {
        const raw = JSON.stringify(job);
        await t.bus.publish("ROUTES", "acme", new TextEncoder().encode(raw));
        let rows: Array<{ source: string; attempts: number; destination: string; payload: Buffer; originalTopic: string }> = [];
        const deadline = Date.now() + 40_000;
        while (rows.length === 0 && Date.now() < deadline) {
          await Bun.sleep(200);
          rows = await asWorker(db.sql, (tx) => tx<typeof rows>`select source, attempts, destination, payload, original_topic from dead_letter_messages`);
        }
        expect(rows.map((r) => ({ ...r, payload: r.payload.toString() }))).toEqual([
          { source: "route", attempts: 2, destination: "mqtt:tenant/{tenant}/device/panel-1/mirror", payload: raw, originalTopic: job.topic },
        ]);
      } finally {
        lifecycle.stop("test");
        await running;
        await lifecycle[Symbol.asyncDispose]();
      }
    });
  });
});
