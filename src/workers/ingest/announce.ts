/**
 * After a batch commits, ingest tells the rest of the platform: the evaluator gets the stored
 * rows of each tenant (EVALUATE), each message that matches a message route becomes a ROUTES
 * job. Both are published before the batch is acknowledged, so a crash in between redelivers
 * the batch (stored once) and announces it again; the evaluator and the deliverer treat
 * repeats as repeats.
 */
import { createHash } from "node:crypto";
import type { Bus } from "../../platform/bus/bus";
import { MESSAGE_TYPES, type EvaluateJob, type MessageType } from "../../platform/subjects";
import type { RouteMatcher, StoredMessage } from "../../notify/fanout";
import type { Item } from "../../telemetry/service";

const enc = new TextEncoder();

export async function announce(bus: Bus, routes: RouteMatcher | null, items: readonly Item[]): Promise<void> {
  const byTenant = new Map<string, Array<Extract<Item, { kind: "row" }>>>();
  for (const it of items) {
    if (it.kind !== "row") continue;
    const list = byTenant.get(it.row.tenant) ?? [];
    list.push(it);
    byTenant.set(it.row.tenant, list);
  }
  if (byTenant.size === 0) return;
  const publishes: Promise<unknown>[] = [];
  for (const [tenant, rows] of byTenant) {
    const job: EvaluateJob = { v: 1, tenant, rows: rows.map((it) => [it.row.device, it.row.time.getTime(), it.row.msgType, it.row.metrics]) };
    const id = createHash("sha256");
    for (const it of rows) id.update(it.row.msgId);
    publishes.push(bus.publish("EVALUATE", tenant, enc.encode(JSON.stringify(job)), { msgId: `eval-${id.digest("hex").slice(0, 32)}` }));
  }
  if (routes) {
    const messages: StoredMessage[] = [];
    for (const rows of byTenant.values()) for (const it of rows) messages.push(storedMessage(it));
    for (const job of await routes.match(messages)) {
      publishes.push(bus.publish("ROUTES", job.tenant, enc.encode(JSON.stringify(job)), { msgId: `route-${job.routeId}-${job.msgId}` }));
    }
  }
  await Promise.all(publishes);
}

function storedMessage(it: Extract<Item, { kind: "row" }>): StoredMessage {
  const r = it.row;
  const suffix = MESSAGE_TYPES[r.msgType as MessageType]?.suffix ?? r.msgType;
  return {
    tenant: r.tenant, device: r.device, siteId: r.siteId, topic: it.topic ?? `tenant/${r.tenant}/device/${r.device}/${suffix}`,
    msgType: r.msgType, msgId: r.msgId, receivedAt: it.receivedAt, time: r.time.getTime(), metrics: r.metrics,
  };
}
