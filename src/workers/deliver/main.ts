/**
 * `pulse deliver`: the NOTIFY and ROUTES consumers. Alert transitions go to their routed
 * channels (and escalation targets); matched device messages go to their route's webhook or
 * MQTT topic. Replicas share the durable consumers.
 */
import { connect as connectMqtt, type MqttClient } from "mqtt";
import type { Bus, BusMessage, StreamKey } from "../../platform/bus/bus";
import type { Lifecycle } from "../../platform/lifecycle";
import type { Logger } from "../../platform/log";
import type { Metrics } from "../../platform/metrics";
import type { Sql } from "../../platform/db";
import { openWorkerEngines, type WorkerEngineConfig } from "../../platform/services";
import type { NotifyJob, RouteJob } from "../../platform/subjects";
import { egressPolicy } from "../../notify/egress";
import { handleNotify, type DeliverSettings } from "./notify";
import { handleRoute, type Republish } from "./routes";

export interface DeliverRoleSettings extends DeliverSettings {
  egressAllow: readonly string[];
  deliverConcurrency: number;
}

export interface DeliverConfig extends DeliverRoleSettings, WorkerEngineConfig {
  mqttUrl: string;
}

export async function runDeliver(config: DeliverConfig, log: Logger, lifecycle: Lifecycle): Promise<void> {
  const { sql, bus, metrics, healthPort } = await openWorkerEngines(config, "deliver", log, lifecycle, "NOTIFY");
  const republish = mqttRepublisher(config.mqttUrl, log, lifecycle);
  log.info("deliver started", { healthPort });
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
      handle: async (batch) => {
        // A slow receiver (timeouts, DNS, SMTP) must not get the job redelivered while it is still being sent.
        const alive = setInterval(() => batch.forEach((m) => m.working()), 1_000);
        try {
          await Promise.all(inOrder(batch).map(async (group) => {
            for (const m of group) await settle(m, work, log);
          }));
        } finally {
          clearInterval(alive);
        }
      },
    });
  await Promise.all([
    run("NOTIFY", (m) => handleNotify(common, parse<NotifyJob>(m), m.deliveryCount)),
    run("ROUTES", (m) => handleRoute({ ...common, republish: e.republish }, parse<RouteJob>(m), m.data, m.deliveryCount)),
  ]);
}

const decoder = new TextDecoder();
function parse<T>(m: BusMessage): T {
  return JSON.parse(decoder.decode(m.data)) as T;
}

/** Jobs of one alert one after another, by event (an alert opened and closed in one round keeps its order); the rest side by side. */
function inOrder(batch: readonly BusMessage[]): BusMessage[][] {
  const groups = new Map<string, Array<{ m: BusMessage; eventId: number }>>();
  batch.forEach((m, i) => {
    let key = `#${i}`;
    let eventId = 0;
    try {
      const job = parse<Partial<NotifyJob>>(m);
      if (typeof job.alertId === "number" && typeof job.eventId === "number") [key, eventId] = [`${job.tenant}/${job.alertId}`, job.eventId];
    } catch {
      // settle() reports it
    }
    groups.set(key, [...(groups.get(key) ?? []), { m, eventId }]);
  });
  return [...groups.values()].map((g) => g.sort((a, b) => a.eventId - b.eventId).map((x) => x.m));
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

/** Connects to the broker on the first republish: an install without MQTT routes never dials it. */
function mqttRepublisher(url: string, log: Logger, lifecycle: Lifecycle): Republish {
  let client: MqttClient | null = null;
  return async (topic, payload, o) => {
    if (!client) {
      client = connectMqtt(url, { clientId: `pulse-deliver-${process.pid}`, clean: true, reconnectPeriod: 1_000, connectTimeout: 5_000 });
      client.on("error", (err) => log.warn("republish broker error", { err: err.message }));
      const c = client;
      lifecycle.defer(() => c.endAsync(true));
    }
    // Offline, mqtt.js queues a publish and waits: fail fast instead and let the job retry with backoff.
    if (!client.connected) await connected(client, url, 3_000);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`broker at ${new URL(url).host} did not acknowledge within 10 s`)), 10_000)));
    try {
      await Promise.race([client.publishAsync(topic, Buffer.from(payload), { qos: o.qos, retain: o.retain }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

function connected(client: MqttClient, url: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off("connect", ok);
      if (err) reject(err);
      else resolve();
    };
    const ok = () => done();
    const timer = setTimeout(() => done(new Error(`broker at ${new URL(url).host} is not reachable`)), ms);
    client.on("connect", ok);
  });
}
