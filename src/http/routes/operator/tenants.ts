/** Tenants, managed by operators: create, list, change, suspend, soft-delete, and their numbers. */
import { z } from "zod";
import { PulseError } from "../../../platform/errors";
import { route } from "../../api/route";
import { Deleted, listParam, page, PageQuery, TenantId, Timestamp } from "../../api/schemas";
import { CreateTenantBody, TENANT_STATUSES as STATUSES, UpdateTenantBody } from "../../api/bodies/tenants";
import * as q from "../../../tenants/queries";

const counts = z.record(z.string(), z.number().int());

export const Tenant = z.object({
  tenantId: TenantId,
  name: z.string(),
  status: z.enum(STATUSES),
  contactEmail: z.string().nullable(),
  legalName: z.string().nullable(),
  industry: z.string().nullable(),
  country: z.string().nullable(),
  dataRegion: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Timestamp.nullable(),
});

export const TenantWithStats = Tenant.extend({ stats: z.object({ devices: z.number().int(), sites: z.number().int(), users: z.number().int() }) });

const bool = z.preprocess((v) => (v === "true" || v === "1" ? true : v === "false" || v === "0" ? false : v), z.boolean());
const TenantParams = z.object({ tenantId: TenantId });
const notFound = (tenantId: string) => new PulseError("NOT_FOUND", `tenant ${tenantId} not found`);

export const tenantRoutes = [
  route({
    method: "get",
    path: "/api/v1/operator/tenants",
    summary: "List tenants with their device, site and user counts (DELETED ones only when asked for)",
    tag: "operator",
    access: "operator-read",
    query: PageQuery.extend({
      status: listParam(z.enum(STATUSES)),
      includeDeleted: bool.optional(),
      search: z.string().trim().min(1).max(200).optional(),
    }),
    response: page(TenantWithStats),
    handler: async ({ operator, query }) => ({ ...(await operator("tenant.list", null, (tx) => q.listTenants(tx, query))), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "post",
    path: "/api/v1/operator/tenants",
    summary: "Create a tenant",
    tag: "operator",
    access: "operator-write",
    body: CreateTenantBody,
    example: { tenantId: "acme", name: "Acme Corp", contactEmail: "ops@acme.example", country: "NL", dataRegion: "eu-west" },
    response: TenantWithStats,
    status: 201,
    handler: async ({ operator, body }) =>
      operator("tenant.create", body.tenantId, (tx) => q.insertTenant(tx, body)).catch((err: unknown) => {
        throw err instanceof PulseError && err.code === "CONFLICT" ? new PulseError("CONFLICT", `tenant ${body.tenantId} already exists`) : err;
      }),
  }),
  // Before /tenants/:tenantId, which would otherwise take "stats" for a tenant id.
  route({
    method: "get",
    path: "/api/v1/operator/tenants/stats/summary",
    summary: "Platform numbers: tenants by status, devices and their connectivity",
    tag: "operator",
    access: "operator-read",
    response: z.object({ tenantsByStatus: counts, devices: z.number().int(), devicesByConnectivity: counts }),
    handler: async ({ operator }) => operator("tenant.summary", null, (tx) => q.platformSummary(tx)),
  }),
  route({
    method: "get",
    path: "/api/v1/operator/tenants/:tenantId",
    summary: "Get a tenant",
    tag: "operator",
    access: "operator-read",
    params: TenantParams,
    response: TenantWithStats,
    handler: async ({ operator, params }) => (await operator("tenant.read", params.tenantId, (tx) => q.getTenant(tx, params.tenantId))) ?? Promise.reject(notFound(params.tenantId)),
  }),
  route({
    method: "patch",
    path: "/api/v1/operator/tenants/:tenantId",
    summary: "Change a tenant, or suspend (status SUSPENDED) and reactivate (ACTIVE) it",
    tag: "operator",
    access: "operator-write",
    params: TenantParams,
    body: UpdateTenantBody,
    example: { status: "SUSPENDED" },
    response: TenantWithStats,
    handler: async ({ operator, params, body }) => {
      const action = body.status === "SUSPENDED" ? "tenant.suspend" : body.status === "ACTIVE" ? "tenant.activate" : "tenant.update";
      return operator(action, params.tenantId, async (tx) => {
        const current = await q.getTenant(tx, params.tenantId);
        if (!current) throw notFound(params.tenantId);
        if (current.status === "DELETED") throw new PulseError("CONFLICT", `tenant ${params.tenantId} is deleted`);
        return (await q.updateTenant(tx, params.tenantId, body))!;
      });
    },
  }),
  route({
    method: "delete",
    path: "/api/v1/operator/tenants/:tenantId",
    summary: "Delete a tenant (soft: it stops working at once, its data stays until purged)",
    tag: "operator",
    access: "operator-write",
    params: TenantParams,
    response: Deleted,
    handler: async ({ operator, params }) => {
      const r = await operator("tenant.delete", params.tenantId, (tx) => q.softDeleteTenant(tx, params.tenantId));
      if (r === "missing") throw notFound(params.tenantId);
      if (r === "already") throw new PulseError("CONFLICT", `tenant ${params.tenantId} is already deleted`);
      return { deleted: true as const };
    },
  }),
  route({
    method: "get",
    path: "/api/v1/operator/tenants/:tenantId/stats",
    summary: "A tenant's numbers: devices by status and connectivity, sites, users, the last day's telemetry and rejections",
    tag: "operator",
    access: "operator-read",
    params: TenantParams,
    response: z.object({
      devicesByStatus: counts,
      devicesByConnectivity: counts,
      sites: z.number().int(),
      users: z.number().int(),
      telemetryRows24h: z.number().int(),
      quarantineEvents24h: z.number().int(),
      lastTelemetryAt: Timestamp.nullable(),
    }),
    handler: async ({ operator, params }) =>
      operator("tenant.stats", params.tenantId, async (tx) => {
        if (!(await q.getTenant(tx, params.tenantId))) throw notFound(params.tenantId);
        return q.tenantStats(tx, params.tenantId);
      }),
  }),
];
