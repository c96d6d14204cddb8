/**
 * Device tags: free-form labels the device list filters on (`?tag=`). Adding a tag a device
 * has, or removing one it lacks, changes nothing and answers the current set.
 */
import { z } from "zod";
import * as q from "../../../devices/registry";
import type { Tx } from "../../../platform/db";
import { route, type Call } from "../../api/route";
import { page, PageQuery } from "../../api/schemas";
import { DeviceTags, Tag } from "../../api/bodies/devices";
import { DeviceParams, deviceNotFound } from "./devices";

const Tags = z.object({ tags: z.array(z.string()) });
const TagParams = DeviceParams.extend({ tag: Tag });

type Audit = Call<unknown, unknown, unknown>["audit"];

/** Applies a change to a device's tags, audits it when something changed, and answers the new set. */
async function changeTags(tx: Tx, audit: Audit, deviceId: string, change: () => Promise<{ added: string[]; removed: string[] }>) {
  if (!(await q.deviceStatus(tx, deviceId, { lock: true }))) throw deviceNotFound(deviceId);
  const { added, removed } = await change();
  if (added.length > 0 || removed.length > 0) {
    await audit(tx, { action: "device.tags_changed", entityType: "device", entityId: deviceId, details: { added, removed } });
  }
  return { tags: (await q.deviceTags(tx, deviceId))! };
}

export const deviceTagRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/tags",
    summary: "List the tenant's tags with how many devices carry each",
    tag: "devices",
    access: "tenant-read",
    query: PageQuery.extend({ search: z.string().trim().min(1).max(64).optional() }),
    response: page(z.object({ tag: z.string(), deviceCount: z.number().int() })),
    handler: async ({ tenant, query }) => ({ ...(await tenant((tx) => q.listTags(tx, query))), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/tags",
    summary: "A device's tags",
    tag: "devices",
    access: "tenant-read",
    params: DeviceParams,
    response: Tags,
    handler: async ({ tenant, params }) => {
      const tags = await tenant((tx) => q.deviceTags(tx, params.deviceId));
      if (!tags) throw deviceNotFound(params.deviceId);
      return { tags };
    },
  }),
  route({
    method: "put",
    path: "/api/v1/customer/devices/:deviceId/tags",
    summary: "Replace a device's tags",
    tag: "devices",
    access: "tenant-write",
    params: DeviceParams,
    body: DeviceTags,
    example: { tags: ["north", "cold-chain"] },
    response: Tags,
    handler: async ({ tenant, params, body, audit }) =>
      tenant((tx) =>
        changeTags(tx, audit, params.deviceId, async () => {
          const tags = [...new Set(body.tags)];
          const removed = await q.removeTags(tx, params.deviceId, { except: tags });
          return { added: await q.addTags(tx, params.deviceId, tags), removed };
        }),
      ),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/devices/:deviceId/tags/:tag",
    summary: "Add one tag to a device",
    tag: "devices",
    access: "tenant-write",
    params: TagParams,
    response: Tags,
    handler: async ({ tenant, params, audit }) =>
      tenant((tx) => changeTags(tx, audit, params.deviceId, async () => ({ added: await q.addTags(tx, params.deviceId, [params.tag]), removed: [] }))),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/devices/:deviceId/tags/:tag",
    summary: "Remove one tag from a device",
    tag: "devices",
    access: "tenant-write",
    params: TagParams,
    response: Tags,
    handler: async ({ tenant, params, audit }) =>
      tenant((tx) => changeTags(tx, audit, params.deviceId, async () => ({ added: [], removed: await q.removeTags(tx, params.deviceId, { only: [params.tag] }) }))),
  }),
];
