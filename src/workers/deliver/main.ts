/**
 * `pulse deliver`: the NOTIFY and ROUTES consumers. Alert transitions go to their routed
 * channels (and escalation targets); matched device messages go to their route's webhook or
 * MQTT topic. Replicas share the durable consumers.
 */
import { connect as connectMqtt, type MqttClient } from "mqtt";
import type { Bus, BusMessage, StreamKey } from "../../platform/bus/bus";
import { serveHealth } from "../../platform/health";
import type { Lifecycle } from "../../platform/lifecycle";
import type { Logger } from "../../platform/log";
import { createMetrics, type Metrics } from "../../platform/metrics";
import type { Sql } from "../../platform/db";
import { openBus, openDatabase } from "../../platform/services";
import type { NotifyJob, RouteJob } from "../../platform/subjects";
import { egressPolicy } from "../../notify/egress";
import { handleNotify, type DeliverSettings } from "./notify";
import { handleRoute, type Republish } from "./routes";

export interface DeliverRoleSettings extends DeliverSettings {
  egressAllow: readonly string[];
  deliverConcurrency: number;
}

export interface DeliverConfig extends DeliverRoleSettings {
  databaseUrl: string;
  dbPoolMax: number;
  natsUrl: string;
  natsPrefix: string;
  busStorageGib: number;
  healthHost: string;
  healthPort: number;
  mqttUrl: string;
}

export async function runDeliver(config: DeliverConfig, log: Logger, lifecycle: Lifecycle): Promise<void> {
  const sql = await openDatabase({ url: config.databaseUrl, role: "deliver", log, lifecycle, max: config.dbPoolMax });
  const bus = await openBus({ url: config.natsUrl, prefix: config.natsPrefix, storageGib: config.busStorageGib, role: "deliver", log, lifecycle });
  const metrics = createMetrics("deliver");
  const republish = config.mqttUrl ? mqttRepublisher(config.mqttUrl, log, lifecycle) : null;
  const health = serveHealth({
    host: config.healthHost,
    port: config.healthPort,
    flag: "--health-port",
    metrics,
    checks: { database: () => sql`select 1`, bus: () => bus.backlog("NOTIFY") },
  });
  lifecycle.defer(() => health.stop());
  log.info("deliver started", { healthPort: health.port, republish: Boolean(republish) });
  await consumeDeliveries({ sql, bus, metrics, republish }, config, log, lifecycle);
  log.info("deliver stopped");
}

/** Works NOTIFY and ROUTES until the lifecycle stops; `pulse up` runs it beside the other roles. */
export async function consumeDeliveries(
  e: { sql: Sql; bus: Bus; metrics: Metrics; republish: Republish | null },
  config: DeliverRoleSettings,
  log: Logger,
  lifecycle: Lifecycle,
): Promise<void> {
  const sentTotal = e.metrics.counter("pulse_deliver_sends_total", "notification and route sends, by destination type and result", ["type", "result"]);
  const common = { sql: e.sql, log, egress: egressPolicy(config.egressAllow), settings: config, sent: (type: string, result: string) => sentTotal.inc({ type, result }) };
  const run = (stream: StreamKey, work: (m: BusMessage) => Promise<{ retryInMs: number | null }>) =>
    e.bus.consume({
      stream,
      maxBatch: 16,
      maxWaitMs: 5,
      concurrency: config.deliverConcurrency,
      signal: lifecycle.signal,
      handle: (batch) => Promise.all(batch.map((m) => settle(m, work, log))).then(() => undefined),
    });
  await Promise.all([
    run("NOTIFY", (m) => handleNotify(common, parse<NotifyJob>(m))),
    run("ROUTES", (m) => handleRoute({ ...common, republish: e.republish }, parse<RouteJob>(m), m.data, m.deliveryCount)),
  ]);
}

const decoder = new TextDecoder();
function parse<T>(m: BusMessage): T {
  return JSON.parse(decoder.decode(m.data)) as T;
}

async function settle(m: BusMessage, work: (m: BusMessage) => Promise<{ retryInMs: number | null }>, log: Logger): Promise<void> {
  try {
    const r = await work(m);
    if (r.retryInMs === null) m.ack();
    else m.nak(r.retryInMs);
  } catch (err) {
    if (err instanceof SyntaxError) {
      log.error("unreadable delivery job dropped", { subject: m.subject, err: err.message });
      return m.term("unreadable");
    }
    log.warn("delivery job failed, will retry", { subject: m.subject, attempt: m.deliveryCount, err: (err as Error).message });
    m.nak(Math.min(60_000, 500 * 2 ** m.deliveryCount));
  }
}

function mqttRepublisher(url: string, log: Logger, lifecycle: Lifecycle): Republish {
  const client: MqttClient = connectMqtt(url, { clientId: `pulse-deliver-${process.pid}`, clean: true, reconnectPeriod: 1_000 });
  client.on("error", (err) => log.warn("republish broker error", { err: err.message }));
  lifecycle.defer(() => client.endAsync());
  return async (topic, payload, o) => {
    await client.publishAsync(topic, Buffer.from(payload), { qos: o.qos, retain: o.retain });
  };
}
