/**
 * `pulse bridge`: the broker's uplink traffic onto the bus. A persistent QoS 1 session; each
 * message is acknowledged to the broker only after the bus stored it, so a crash or outage
 * anywhere leaves it with the broker for redelivery. Messages are handled concurrently within
 * the broker's in-flight window (see session.ts). More connections share the subscriptions
 * through an MQTT shared subscription.
 */
import { serveHealth } from "../../platform/health";
import type { Lifecycle } from "../../platform/lifecycle";
import type { Logger } from "../../platform/log";
import { LATENCY_BUCKETS, createMetrics, type Metrics } from "../../platform/metrics";
import type { Bus } from "../../platform/bus/bus";
import { openBus } from "../../platform/services";
import { UPLINK_TOPIC_FILTERS } from "../../platform/subjects";
import { Bundler } from "../../platform/bus/bundler";
import { toFrame } from "./handler";
import { MqttSession } from "./session";

export interface BridgeSettings {
  mqttUrl: string;
  mqttClientId: string;
  /** the broker authenticated the device that published (EMQX with Pulse's hooks): no token in the payload needed */
  mqttBrokerAuth: boolean;
  bridgeConnections: number;
  maxPayloadBytes: number;
}

export interface BridgeConfig extends BridgeSettings {
  natsUrl: string;
  natsPrefix: string;
  busStorageGib: number;
  healthHost: string;
  healthPort: number;
}

const SHARE_GROUP = "pulse-bridge";

export async function runBridge(config: BridgeConfig, log: Logger, lifecycle: Lifecycle): Promise<void> {
  const bus = await openBus({ url: config.natsUrl, prefix: config.natsPrefix, storageGib: config.busStorageGib, role: "bridge", log, lifecycle });
  const metrics = createMetrics("bridge");
  const bridge = startBridge({ bus, metrics }, config, log, lifecycle);
  const health = serveHealth({
    host: config.healthHost,
    port: config.healthPort,
    flag: "--health-port",
    metrics,
    checks: { mqtt: bridge.check, bus: () => bus.backlog("TELEMETRY") },
  });
  lifecycle.defer(() => health.stop());
  await new Promise<void>((resolve) => lifecycle.signal.addEventListener("abort", () => resolve(), { once: true }));
  log.info("bridge stopping");
}

/** Connects to the broker and forwards its uplink traffic until the lifecycle stops. */
export function startBridge(e: { bus: Bus; metrics: Metrics }, config: BridgeSettings, log: Logger, lifecycle: Lifecycle): { check: () => Promise<void> } {
  const bundler = new Bundler(e.bus);
  const messages = e.metrics.counter("pulse_bridge_messages_total", "MQTT messages put on the bus", ["result"]);
  const publishSeconds = e.metrics.histogram("pulse_bridge_publish_seconds", "MQTT message received to stored on the bus", LATENCY_BUCKETS);
  const sessions: MqttSession[] = [];
  e.metrics.gauge("pulse_bridge_connections", "MQTT connections up", [], (g) => g.set(sessions.filter((c) => c.connected).length));
  const shared = config.bridgeConnections > 1;
  const filters = UPLINK_TOPIC_FILTERS.map((f) => (shared ? `$share/${SHARE_GROUP}/${f}` : f));
  const onMessage = async (topic: string, payload: Buffer) => {
    const started = performance.now();
    const r = await putOnBus(bundler, toFrame(topic, payload, Date.now(), config.maxPayloadBytes, config.mqttBrokerAuth), lifecycle.signal, log);
    if (r === "stopped") throw new Error("stopping: left with the broker");
    messages.inc({ result: r });
    publishSeconds.observe((performance.now() - started) / 1000);
  };
  for (let i = 0; i < config.bridgeConnections; i++) {
    const clientId = shared ? `${config.mqttClientId}-${i}` : config.mqttClientId;
    const session = new MqttSession({ url: config.mqttUrl, clientId, filters, log, onMessage });
    session.start();
    sessions.push(session);
  }
  lifecycle.defer(() => Promise.all(sessions.map((s) => s.stop())));
  log.info("bridge started", { connections: config.bridgeConnections, filters });
  return {
    check: async () => {
      if (!sessions.some((c) => c.connected)) throw new Error("no broker connection");
    },
  };
}

/** Publishes until the bus confirms, backing off while it cannot; "stopped" on shutdown. */
async function putOnBus(bundler: Bundler, out: ReturnType<typeof toFrame>, signal: AbortSignal, log: Logger) {
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) return "stopped" as const;
    try {
      await bundler.add(out.stream, out.tenant, out.frame);
      return out.rejected ? ("rejected" as const) : ("forwarded" as const);
    } catch (err) {
      const wait = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
      if (attempt === 1 || attempt % 10 === 0) log.warn("bus publish failed, retrying", { attempt, waitMs: wait, err: (err as Error).message });
      await Bun.sleep(wait);
    }
  }
}
