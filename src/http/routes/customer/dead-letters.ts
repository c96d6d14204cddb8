/**
 * Dead letters: route messages and notifications given up on after their retries. A replay
 * queues exactly that one again (a route message through the ROUTES outbox; a notification by
 * resetting its delivery row and queueing its NOTIFY job); a discard just closes it.
 */
import { z } from "zod";
import { queueNotifyJobs } from "../../../alerts/events";
import * as q from "../../../notify/dead-letter-queries";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import type { NotifyTransition } from "../../../platform/subjects";
import type { Principal } from "../../../identity/principal";
import { DEAD_LETTER_SOURCES as SOURCES, DEAD_LETTER_STATUSES as STATUSES, DeadLetterPurge, DeadLetterReplay } from "../../api/bodies/notify";
import { route } from "../../api/route";
import { page, PageQuery, Timestamp, Uuid } from "../../api/schemas";

const DeadLetter = z.object({
  deadLetterId: Uuid,
  source: z.enum(SOURCES),
  sourceId: Uuid.nullable(),
  deliveryId: z.number().int().nullable(),
  originalTopic: z.string().nullable(),
  payload: z.unknown().describe("The message as JSON when it is JSON, else its bytes in base64"),
  payloadEncoding: z.enum(["json", "base64"]),
  destinationType: z.string(),
  destination: z.string(),
  errorMessage: z.string(),
  attempts: z.number().int(),
  status: z.enum(STATUSES),
  firstFailedAt: Timestamp,
  lastFailedAt: Timestamp,
  resolvedAt: Timestamp.nullable(),
  resolvedBy: z.string().nullable(),
});

const Params = z.object({ deadLetterId: Uuid });
const Skipped = z.object({ deadLetterId: Uuid, reason: z.string() });

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The payload as JSON when it is JSON, else undefined. */
function jsonOf(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(utf8.decode(bytes)) };
  } catch {
    return undefined;
  }
}

const present = ({ payload, ...d }: q.DeadLetterRow) => {
  const json = jsonOf(payload);
  return json ? { ...d, payload: json.value, payloadEncoding: "json" as const } : { ...d, payload: Buffer.from(payload).toString("base64"), payloadEncoding: "base64" as const };
};

const notFound = (id: string) => new PulseError("NOT_FOUND", `dead letter ${id} not found`);
const conflict = (id: string, why: string) => new PulseError("CONFLICT", `dead letter ${id} cannot be replayed: ${why}`);
const actor = (p: Principal | null) => p?.email ?? p?.subject ?? "unknown";

async function lockOne(tx: Tx, id: string, action: string): Promise<q.DeadLetterRow> {
  const [dl] = await q.lockDeadLetters(tx, [id]);
  if (!dl) throw notFound(id);
  if (dl.status !== "FAILED") throw new PulseError("CONFLICT", `dead letter ${id} is ${dl.status}; only FAILED ones can be ${action}`);
  return dl;
}

/** Queues the dead letter's message again and marks it REPLAYED; the caller checked it is FAILED. */
async function replay(tx: Tx, dl: q.DeadLetterRow, tenant: string, by: string): Promise<q.DeadLetterRow> {
  if (dl.source === "route") {
    const job = jsonOf(dl.payload)?.value as { routeId?: unknown; tenant?: unknown } | undefined;
    if (typeof job?.routeId !== "string" || job.routeId !== dl.sourceId || job.tenant !== tenant) throw conflict(dl.deadLetterId, "its payload is not a route job of this route");
    if (!(await q.routeEnabled(tx, job.routeId))) throw conflict(dl.deadLetterId, "its message route was deleted or disabled");
    await q.queueRouteReplay(tx, `replay-${dl.deadLetterId}-${Date.now()}`, job);
  } else {
    const d = dl.deliveryId === null ? undefined : await q.resetDelivery(tx, dl.deliveryId);
    if (!d) throw conflict(dl.deadLetterId, "its delivery, alert event or channel no longer exists, or the channel is disabled");
    const job = { v: 1 as const, tenant, alertId: d.alertId, eventId: d.eventId, transition: d.transition as NotifyTransition, level: d.level, replayDeliveryId: dl.deliveryId! };
    await queueNotifyJobs(tx, [job]);
  }
  return q.resolveDeadLetter(tx, dl.deadLetterId, "REPLAYED", by);
}

/** Replays each FAILED one of `ids`; the others are reported, not failed on. */
async function replayMany(tx: Tx, ids: string[], tenant: string, by: string) {
  const found = new Map((await q.lockDeadLetters(tx, ids)).map((d) => [d.deadLetterId, d]));
  const replayed: string[] = [];
  const skipped: z.input<typeof Skipped>[] = [];
  for (const id of ids) {
    const dl = found.get(id);
    if (!dl || dl.status !== "FAILED") {
      skipped.push({ deadLetterId: id, reason: dl ? `already ${dl.status}` : "not found" });
      continue;
    }
    const r = await replay(tx, dl, tenant, by).catch((err: unknown) => (err instanceof PulseError && err.code === "CONFLICT" ? err : Promise.reject(err)));
    if (r instanceof PulseError) skipped.push({ deadLetterId: id, reason: r.message });
    else replayed.push(id);
  }
  return { replayed, skipped };
}

const base = "/api/v1/customer/dead-letters";

export const deadLetterRoutes = [
  route({
    method: "get",
    path: base,
    summary: "List dead letters, last failed first",
    tag: "dead-letters",
    access: "tenant-read",
    query: PageQuery.extend({ status: z.enum(STATUSES).optional(), source: z.enum(SOURCES).optional() }),
    response: page(DeadLetter),
    handler: async ({ tenant, query }) => {
      const { items, total } = await tenant((tx) => q.listDeadLetters(tx, query));
      return { items: items.map(present), total, limit: query.limit, offset: query.offset };
    },
  }),
  route({
    method: "get",
    path: `${base}/:deadLetterId`,
    summary: "Get a dead letter with its payload",
    tag: "dead-letters",
    access: "tenant-read",
    params: Params,
    response: DeadLetter,
    handler: async ({ tenant, params }) => {
      const dl = await tenant((tx) => q.getDeadLetter(tx, params.deadLetterId));
      if (!dl) throw notFound(params.deadLetterId);
      return present(dl);
    },
  }),
  route({
    method: "post",
    path: `${base}/:deadLetterId/replay`,
    summary: "Send a FAILED dead letter again (409 when it is not FAILED)",
    tag: "dead-letters",
    access: "tenant-write",
    params: Params,
    response: DeadLetter,
    handler: async ({ tenant, tenantId, params, principal, audit }) =>
      tenant(async (tx) => {
        const dl = await replay(tx, await lockOne(tx, params.deadLetterId, "replayed"), tenantId, actor(principal));
        await audit(tx, { action: "dead_letter.replayed", entityType: "dead-letter", entityId: params.deadLetterId, details: { source: dl.source } });
        return present(dl);
      }),
  }),
  route({
    method: "post",
    path: `${base}/replay`,
    summary: "Send up to 100 FAILED dead letters again; the others are listed as skipped",
    tag: "dead-letters",
    access: "tenant-write",
    body: DeadLetterReplay,
    example: { ids: ["00000000-0000-4000-8000-000000000001"] },
    response: z.object({ replayed: z.array(Uuid), skipped: z.array(Skipped) }),
    handler: async ({ tenant, tenantId, body, principal, audit }) =>
      tenant(async (tx) => {
        const r = await replayMany(tx, body.ids, tenantId, actor(principal));
        for (const id of r.replayed) await audit(tx, { action: "dead_letter.replayed", entityType: "dead-letter", entityId: id });
        return r;
      }),
  }),
  route({
    method: "post",
    path: `${base}/:deadLetterId/discard`,
    summary: "Give up on a FAILED dead letter for good (409 when it is not FAILED)",
    tag: "dead-letters",
    access: "tenant-write",
    params: Params,
    response: DeadLetter,
    handler: async ({ tenant, params, principal, audit }) =>
      tenant(async (tx) => {
        await lockOne(tx, params.deadLetterId, "discarded");
        const dl = await q.resolveDeadLetter(tx, params.deadLetterId, "DISCARDED", actor(principal));
        await audit(tx, { action: "dead_letter.discarded", entityType: "dead-letter", entityId: params.deadLetterId });
        return present(dl);
      }),
  }),
  route({
    method: "delete",
    path: base,
    summary: "Purge FAILED dead letters last failing, and resolved ones resolved, more than olderThanDays ago",
    tag: "dead-letters",
    access: "tenant-write",
    query: DeadLetterPurge,
    exampleQuery: { olderThanDays: "30" },
    response: z.object({ purged: z.number().int() }),
    handler: async ({ tenant, query, audit }) =>
      tenant(async (tx) => {
        const purged = await q.purgeDeadLetters(tx, query.olderThanDays);
        await audit(tx, { action: "dead_letter.purged", entityType: "dead-letter", entityId: "*", details: { olderThanDays: query.olderThanDays, purged } });
        return { purged };
      }),
  }),
];
