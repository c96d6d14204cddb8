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

/**
 * Most characters of row JSON in one EVALUATE message. A batch of one tenant can hold tens of
 * thousands of rows, and NATS refuses a message over its max_payload (1 MiB by default), which
 * would hold the batch forever. Counted in UTF-16 units: even all-3-byte UTF-8 stays under 1 MiB.
 */
export const EVALUATE_JOB_CHARS = 256 * 1024;

/** The tenant's rows as EVALUATE messages of at most `limit` characters of rows each, each with its own id. */
export function evaluateJobs(tenant: string, rows: ReadonlyArray<Extract<Item, { kind: "row" }>>, limit = EVALUATE_JOB_CHARS): Array<{ body: string; msgId: string }> {
  const jobs: Array<{ body: string; msgId: string }> = [];
  const head = `{"v":1,"tenant":${JSON.stringify(tenant)},"rows":[`;
  let parts: string[] = [];
  let chars = 0;
  let id = createHash("sha256");
  const flush = () => {
    jobs.push({ body: `${head}${parts.join(",")}]}`, msgId: `eval-${id.digest("hex").slice(0, 32)}` });
    parts = [];
    chars = 0;
    id = createHash("sha256");
  };
  for (const it of rows) {
    const row: EvaluateJob["rows"][number] = [it.row.device, it.row.time.getTime(), it.row.msgType, it.row.metrics];
    const text = JSON.stringify(row);
    if (parts.length > 0 && chars + text.length + 1 > limit) flush();
    parts.push(text);
    chars += text.length + 1;
    id.update(it.row.msgId);
  }
  if (parts.length > 0) flush();
  return jobs;
}

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
    for (const job of evaluateJobs(tenant, rows)) publishes.push(bus.publish("EVALUATE", tenant, enc.encode(job.body), { msgId: job.msgId }));
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
