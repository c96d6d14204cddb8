/**
 * When a silent device turns STALE, then OFFLINE (the tenant default and per-template
 * policies), and each device's connection history as the evaluator recorded it.
 */
import { z } from "zod";
import * as q from "../../../alerts/status-queries";
import { PulseError } from "../../../platform/errors";
import { route } from "../../api/route";
import { Deleted, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";
import { DeviceParams, deviceNotFound } from "./devices";

const PolicyFields = z.object({
  staleAfterSeconds: z.number().int().min(10).max(604_800).describe("Silent this long: STALE"),
  offlineAfterSeconds: z.number().int().min(20).max(2_592_000).describe("Silent this long: OFFLINE; more than staleAfterSeconds"),
  noHeartbeatAlert: z.boolean().default(true).describe("Open a NO_HEARTBEAT alert when the device turns STALE"),
  noHeartbeatSeverity: z.number().int().min(1).max(5).default(4),
}).strict()
  .refine((p) => p.offlineAfterSeconds > p.staleAfterSeconds, { error: "offlineAfterSeconds must be more than staleAfterSeconds", path: ["offlineAfterSeconds"] });

const Policy = z.object({ staleAfterSeconds: z.number().int(), offlineAfterSeconds: z.number().int(), noHeartbeatAlert: z.boolean(), noHeartbeatSeverity: z.number().int() });
const DefaultPolicy = Policy.extend({ builtIn: z.boolean().describe("Nothing stored: the evaluator's built-in values apply"), updatedAt: Timestamp.nullable() });
const TemplatePolicy = Policy.extend({ templateId: Uuid, templateName: z.string(), updatedAt: Timestamp });

const ConnectionEvent = z.object({
  eventId: z.number().int(),
  event: z.enum(["CONNECTED", "DISCONNECTED", "OFFLINE"]),
  reason: z.string(),
  statusFrom: z.enum(["ONLINE", "STALE", "OFFLINE"]).nullable(),
  statusTo: z.enum(["ONLINE", "STALE", "OFFLINE"]),
  at: Timestamp,
});

const TemplateParams = z.object({ templateId: Uuid });
const templateNotFound = (id: string) => new PulseError("NOT_FOUND", `template ${id} not found`);
const EXAMPLE = { staleAfterSeconds: 120, offlineAfterSeconds: 900, noHeartbeatAlert: true, noHeartbeatSeverity: 4 };

const defaultOf = (row: Awaited<ReturnType<typeof q.defaultPolicy>>) => (row ? { ...row, builtIn: false } : { ...q.BUILT_IN_POLICY, builtIn: true, updatedAt: null });

export const deviceStatusRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/device-status-policies",
    summary: "The tenant's default status policy (built-in values when none is stored) and per-template policies",
    tag: "device status",
    access: "tenant-read",
    response: z.object({ default: DefaultPolicy, templates: z.array(TemplatePolicy) }),
    handler: async ({ tenant }) => tenant(async (tx) => ({ default: defaultOf(await q.defaultPolicy(tx)), templates: await q.templatePolicies(tx) })),
  }),
  route({
    method: "put",
    path: "/api/v1/customer/device-status-policies/default",
    summary: "Set the tenant's default status policy",
    tag: "device status",
    access: "tenant-write",
    body: PolicyFields,
    example: EXAMPLE,
    response: DefaultPolicy,
    handler: async ({ tenant, body, audit }) =>
      tenant(async (tx) => {
        await q.putPolicy(tx, null, body);
        await audit(tx, { action: "device_status_policy.updated", entityType: "device-status-policy", entityId: "default", details: body });
        return defaultOf(await q.defaultPolicy(tx));
      }),
  }),
  route({
    method: "put",
    path: "/api/v1/customer/device-status-policies/templates/:templateId",
    summary: "Set the status policy of the devices of one template",
    tag: "device status",
    access: "tenant-write",
    params: TemplateParams,
    body: PolicyFields,
    example: EXAMPLE,
    response: TemplatePolicy,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        if (!(await q.templateName(tx, params.templateId))) throw templateNotFound(params.templateId);
        await q.putPolicy(tx, params.templateId, body);
        await audit(tx, { action: "device_status_policy.updated", entityType: "device-status-policy", entityId: params.templateId, details: body });
        return (await q.templatePolicies(tx)).find((p) => p.templateId === params.templateId)!;
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/device-status-policies/templates/:templateId",
    summary: "Remove a template's status policy; its devices follow the tenant default again",
    tag: "device status",
    access: "tenant-write",
    params: TemplateParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        if (!(await q.deleteTemplatePolicy(tx, params.templateId))) throw new PulseError("NOT_FOUND", `no status policy for template ${params.templateId}`);
        await audit(tx, { action: "device_status_policy.deleted", entityType: "device-status-policy", entityId: params.templateId });
        return { deleted: true as const };
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/connection-events",
    summary: "A device's connection history (CONNECTED, DISCONNECTED, OFFLINE), newest first",
    tag: "device status",
    access: "tenant-read",
    params: DeviceParams,
    query: PageQuery,
    response: page(ConnectionEvent),
    handler: async ({ tenant, params, query }) =>
      tenant(async (tx) => {
        if (!(await q.deviceExists(tx, params.deviceId))) throw deviceNotFound(params.deviceId);
        return { ...(await q.listConnectionEvents(tx, params.deviceId, query)), limit: query.limit, offset: query.offset };
      }),
  }),
];
