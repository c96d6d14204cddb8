/**
 * Escalation policies: while an alert stays unacknowledged, level n notifies its channels (and
 * the on-call responder of its schedule) delayMinutes after level n-1. One policy per tenant
 * may be the default, used by rules that name none.
 */
import { z } from "zod";
import { existingChannels } from "../../../notify/channel-queries";
import * as q from "../../../notify/escalation-queries";
import { existingSchedules } from "../../../notify/oncall-queries";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import { EscalationLevel, EscalationPolicyFields as PolicyFields, EscalationPolicyPatch as PolicyPatch } from "../../api/bodies/notify";
import { route } from "../../api/route";
import { Deleted, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";
import { badField } from "./notification-channels";

const Policy = z.object({
  policyId: Uuid,
  name: z.string(),
  description: z.string().nullable(),
  isDefault: z.boolean(),
  levels: z.array(z.object({ delayMinutes: z.number().int(), channelIds: z.array(Uuid), scheduleId: Uuid.optional() })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const PolicyParams = z.object({ policyId: Uuid });
type Level = z.output<typeof EscalationLevel>;

const notFound = (policyId: string) => new PulseError("NOT_FOUND", `escalation policy ${policyId} not found`);

/** Every channel and schedule a level names must be the tenant's. */
async function checkLevels(tx: Tx, levels: Level[] | undefined): Promise<void> {
  if (!levels) return;
  const channels = await existingChannels(tx, levels.flatMap((l) => l.channelIds));
  const schedules = await existingSchedules(tx, levels.flatMap((l) => (l.scheduleId ? [l.scheduleId] : [])));
  levels.forEach((l, i) => {
    l.channelIds.forEach((id, j) => {
      if (!channels.has(id)) throw badField(`levels.${i}.channelIds.${j}`, `notification channel ${id} not found`);
    });
    if (l.scheduleId && !schedules.has(l.scheduleId)) throw badField(`levels.${i}.scheduleId`, `on-call schedule ${l.scheduleId} not found`);
  });
}

export const escalationPolicyRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/escalation-policies",
    summary: "List escalation policies, the default first",
    tag: "notifications",
    access: "tenant-read",
    query: PageQuery,
    response: page(Policy),
    handler: async ({ tenant, query }) => ({ ...(await tenant((tx) => q.listPolicies(tx, query))), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/escalation-policies",
    summary: "Create an escalation policy",
    tag: "notifications",
    access: "tenant-write",
    body: PolicyFields,
    example: { name: "Night shift", isDefault: false, levels: [{ delayMinutes: 15, channelIds: [] }] },
    response: Policy,
    status: 201,
    handler: async ({ tenant, body, audit }) =>
      tenant(async (tx) => {
        await checkLevels(tx, body.levels);
        const policy = await q.insertPolicy(tx, body);
        await audit(tx, { action: "escalation_policy.created", entityType: "escalation-policy", entityId: policy.policyId, details: { name: policy.name } });
        return policy;
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/escalation-policies/:policyId",
    summary: "Get an escalation policy",
    tag: "notifications",
    access: "tenant-read",
    params: PolicyParams,
    response: Policy,
    handler: async ({ tenant, params }) => (await tenant((tx) => q.getPolicy(tx, params.policyId))) ?? Promise.reject(notFound(params.policyId)),
  }),
  route({
    method: "patch",
    path: "/api/v1/customer/escalation-policies/:policyId",
    summary: "Change an escalation policy (levels are replaced as a whole)",
    tag: "notifications",
    access: "tenant-write",
    params: PolicyParams,
    body: PolicyPatch,
    example: { isDefault: true },
    response: Policy,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        if (!(await q.getPolicy(tx, params.policyId))) throw notFound(params.policyId);
        await checkLevels(tx, body.levels);
        const policy = await q.updatePolicy(tx, params.policyId, body);
        await audit(tx, { action: "escalation_policy.updated", entityType: "escalation-policy", entityId: params.policyId, details: { fields: Object.keys(body) } });
        return policy!;
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/escalation-policies/:policyId",
    summary: "Delete an escalation policy (rules and alerts using it fall back to the default)",
    tag: "notifications",
    access: "tenant-write",
    params: PolicyParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        if (!(await q.deletePolicy(tx, params.policyId))) throw notFound(params.policyId);
        await audit(tx, { action: "escalation_policy.deleted", entityType: "escalation-policy", entityId: params.policyId });
        return { deleted: true as const };
      }),
  }),
];
