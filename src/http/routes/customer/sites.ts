/** Sites: where a tenant's devices are. */
import { z } from "zod";
import { PulseError } from "../../../platform/errors";
import { NewSite, SitePatch } from "../../api/bodies/devices";
import { route } from "../../api/route";
import { Deleted, page, PageQuery, SiteId, Timestamp } from "../../api/schemas";
import * as q from "../../../sites/queries";

export const Site = z.object({
  siteId: SiteId,
  name: z.string(),
  address: z.string().nullable(),
  lat: z.number().nullable(),
  lng: z.number().nullable(),
  timezone: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  deviceCount: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const SiteParams = z.object({ siteId: SiteId });
const notFound = (siteId: string) => new PulseError("NOT_FOUND", `site ${siteId} not found`);

export const siteRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/sites",
    summary: "List sites, with how many devices each has",
    tag: "sites",
    access: "tenant-read",
    query: PageQuery.extend({ search: z.string().max(200).optional() }),
    response: page(Site),
    handler: async ({ tenant, query }) => ({ ...(await tenant((tx) => q.listSites(tx, query))), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/sites",
    summary: "Create a site",
    tag: "sites",
    access: "tenant-write",
    body: NewSite,
    example: { siteId: "plant-1", name: "Plant 1", lat: 52.1, lng: 4.3, timezone: "Europe/Amsterdam" },
    response: Site,
    status: 201,
    handler: async ({ tenant, body, audit }) =>
      tenant(async (tx) => {
        const site = await q.insertSite(tx, body);
        await audit(tx, { action: "site.created", entityType: "site", entityId: site.siteId });
        return site;
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/sites/:siteId",
    summary: "Get a site",
    tag: "sites",
    access: "tenant-read",
    params: SiteParams,
    response: Site,
    handler: async ({ tenant, params }) => (await tenant((tx) => q.getSite(tx, params.siteId))) ?? Promise.reject(notFound(params.siteId)),
  }),
  route({
    method: "patch",
    path: "/api/v1/customer/sites/:siteId",
    summary: "Change a site",
    tag: "sites",
    access: "tenant-write",
    params: SiteParams,
    body: SitePatch,
    example: { name: "Plant 1 (north)" },
    response: Site,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        const site = await q.updateSite(tx, params.siteId, body);
        if (!site) throw notFound(params.siteId);
        await audit(tx, { action: "site.updated", entityType: "site", entityId: params.siteId, details: { fields: Object.keys(body) } });
        return site;
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/sites/:siteId",
    summary: "Delete a site that has no devices",
    tag: "sites",
    access: "tenant-write",
    params: SiteParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        const r = await q.deleteSite(tx, params.siteId);
        if (r === "missing") throw notFound(params.siteId);
        if (r === "in-use") throw new PulseError("CONFLICT", `site ${params.siteId} still has devices; move or delete them first`);
        await audit(tx, { action: "site.deleted", entityType: "site", entityId: params.siteId });
        return { deleted: true as const };
      }),
  }),
];
