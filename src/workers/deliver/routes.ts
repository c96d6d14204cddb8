/**
 * One ROUTES job: a stored device message forwarded to its route's webhook or republished on
 * MQTT. Failures are retried with backoff; after the last attempt, or a refusal that cannot
 * change (a 4xx, a private address), the job becomes a dead letter that can be replayed.
 */
import { asWorker, type Sql } from "../../platform/db";
import type { Logger } from "../../platform/log";
import type { RouteJob } from "../../platform/subjects";
import type { EgressPolicy } from "../../notify/egress";
import { backoffMs } from "../../notify/routing";
import { MqttRepublishConfig, renderTopic } from "../../notify/route-filters";
import { parseChannelConfig, postSignedJson, type SendResult } from "../../notify/senders";
import * as q from "../../notify/delivery-queries";
import type { DeliverSettings } from "./notify";

/** Publishes on the MQTT broker (the embedded one, or a client of --mqtt-url). */
export type Republish = (topic: string, payload: Uint8Array, o: { qos: 0 | 1; retain: boolean }) => Promise<void>;

export interface RouteDeps {
  sql: Sql;
  log: Logger;
  egress: EgressPolicy;
  settings: DeliverSettings;
  republish: Republish | null;
  sent(type: string, result: "sent" | "failed" | "dead"): void;
}

const ROUTE_TTL_MS = 5_000;
const cache = new Map<string, { at: number; route: Awaited<ReturnType<typeof q.messageRoute>> }>();

async function routeOf(deps: RouteDeps, job: RouteJob) {
  const key = `${job.tenant}/${job.routeId}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < ROUTE_TTL_MS) return hit.route;
  const route = await asWorker(deps.sql, (tx) => q.messageRoute(tx, job.tenant, job.routeId));
  cache.set(key, { at: Date.now(), route });
  return route;
}

export async function handleRoute(deps: RouteDeps, job: RouteJob, raw: Uint8Array, attempt: number): Promise<{ retryInMs: number | null }> {
  const route = await routeOf(deps, job);
  if (!route?.enabled) return { retryInMs: null };
  const result = await forward(deps, route, job);
  if (result.ok) {
    deps.sent(route.destinationType, "sent");
    return { retryInMs: null };
  }
  const dead = !result.retryable || attempt >= deps.settings.deliverAttempts;
  if (!dead) {
    deps.sent(route.destinationType, "failed");
    return { retryInMs: backoffMs(attempt, deps.settings.deliverBackoffMs, deps.settings.deliverMaxBackoffMs) };
  }
  await asWorker(deps.sql, (tx) =>
    q.insertDeadLetter(tx, {
      tenant: job.tenant, source: "route", sourceId: job.routeId, originalTopic: job.topic, payload: raw,
      destinationType: route.destinationType, destination: destinationOf(route), error: result.error ?? `HTTP ${result.status}`, attempts: attempt,
    }),
  );
  deps.log.warn("message route delivery given up: dead letter written", { tenant: job.tenant, route: job.routeId, attempts: attempt, error: result.error });
  deps.sent(route.destinationType, "dead");
  return { retryInMs: null };
}

function destinationOf(route: q.MessageRouteRow): string {
  const c = route.destinationConfig;
  if (route.destinationType === "mqtt_republish") return `mqtt:${String(c.topic)}`;
  try {
    return new URL(String(c.url)).origin;
  } catch {
    return "webhook";
  }
}

async function forward(deps: RouteDeps, route: q.MessageRouteRow, job: RouteJob): Promise<SendResult> {
  const body = { routeId: job.routeId, tenantId: job.tenant, deviceId: job.device, topic: job.topic, msgType: job.msgType, msgId: job.msgId, time: new Date(job.time).toISOString(), receivedAt: new Date(job.receivedAt).toISOString(), metrics: job.metrics };
  if (route.destinationType === "webhook") {
    const c = parseChannelConfig("webhook", route.destinationConfig) as { url: string; method?: string; headers?: Record<string, string>; secret?: string };
    return postSignedJson(c.url, body, { method: c.method, headers: c.headers, secret: c.secret, idempotencyKey: `${job.routeId}:${job.msgId}`, event: "message.routed" }, deps.egress);
  }
  if (!deps.republish) return { ok: false, retryable: true, error: "no MQTT broker to republish to (start pulse deliver with --mqtt-url)" };
  const c = MqttRepublishConfig.parse(route.destinationConfig);
  const topic = renderTopic(c.topic, { tenant: job.tenant, device: job.device });
  // A tenant republishes only into its own namespace, never onto another tenant's devices.
  if (!topic.startsWith(`tenant/${job.tenant}/`)) return { ok: false, retryable: false, error: `republish topic ${topic} is outside tenant/${job.tenant}/` };
  try {
    await deps.republish(topic, new TextEncoder().encode(JSON.stringify(body)), { qos: c.qos, retain: c.retain });
    return { ok: true, retryable: false };
  } catch (err) {
    return { ok: false, retryable: true, error: `republish failed: ${(err as Error).message}` };
  }
}
