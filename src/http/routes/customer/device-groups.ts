/** Device groups: static (listed members) and dynamic (a saved device filter). */
import { z } from "zod";
import * as q from "../../../devices/groups";
import { PulseError } from "../../../platform/errors";
import { GroupMembers, GroupPatch, NewGroup } from "../../api/bodies/devices";
import { route, type Call } from "../../api/route";
import type { Tx } from "../../../platform/db";

type AuditFn = Call<unknown, unknown, unknown>["audit"];
import { Deleted, DeviceId, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";

const Group = z.object({
  groupId: Uuid,
  name: z.string(),
  description: z.string().nullable(),
  kind: z.enum(["static", "dynamic"]),
  filter: z.record(z.string(), z.unknown()).nullable(),
  memberCount: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
const Member = z.object({ deviceId: DeviceId, displayName: z.string().nullable(), siteId: z.string().nullable(), status: z.string(), connectivity: z.string() });

const GroupParams = z.object({ groupId: Uuid });
const MemberParams = GroupParams.extend({ deviceId: DeviceId });

const notFound = (id: string) => new PulseError("NOT_FOUND", `device group ${id} not found`);

async function staticGroup(db: Parameters<typeof q.getGroup>[0], groupId: string) {
  const g = await q.getGroup(db, groupId);
  if (!g) throw notFound(groupId);
  if (g.kind !== "static") throw new PulseError("CONFLICT", "the members of a dynamic group follow its filter; change the filter instead");
  return g;
}

/** Adds devices to a static group, all or none, and records it; returns the group as it now is. */
async function addToGroup(tx: Tx, groupId: string, deviceIds: string[], audit: AuditFn) {
  const g = await staticGroup(tx, groupId);
  const unknown = await q.addMembers(tx, g.groupId, deviceIds);
  if (unknown.length) throw unknownDevices(unknown);
  await audit(tx, { action: "group.members_added", entityType: "device-group", entityId: g.groupId, details: { deviceIds } });
  return (await q.getGroup(tx, g.groupId))!;
}

function unknownDevices(ids: string[]): PulseError {
  return new PulseError("NOT_FOUND", `no such device: ${ids.slice(0, 10).join(", ")}${ids.length > 10 ? ", …" : ""}`, {
    errors: ids.slice(0, 100).map((id) => ({ path: `body.deviceIds`, message: `device ${id} not found` })),
  });
}

export const deviceGroupRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/device-groups",
    summary: "List device groups with their member counts",
    tag: "device groups",
    access: "tenant-read",
    query: PageQuery.extend({ kind: z.enum(["static", "dynamic"]).optional() }),
    response: page(Group),
    handler: async ({ tenant, query }) => ({ ...(await tenant((tx) => q.listGroups(tx, query))), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/device-groups",
    summary: "Create a static group (optionally with members) or a dynamic group (with a device filter)",
    tag: "device groups",
    access: "tenant-write",
    body: NewGroup,
    example: { kind: "dynamic", name: "Cold rooms", filter: { tag: ["cold-room"], connectivity: ["ONLINE", "STALE"] } },
    response: Group,
    status: 201,
    handler: async ({ tenant, body, audit }) =>
      tenant(async (tx) => {
        const g = await q.insertGroup(tx, { ...body, deviceIds: undefined });
        if (body.kind === "static" && body.deviceIds?.length) {
          const unknown = await q.addMembers(tx, g.groupId, body.deviceIds);
          if (unknown.length) throw unknownDevices(unknown);
        }
        await audit(tx, { action: "group.created", entityType: "device-group", entityId: g.groupId, details: { name: g.name, kind: g.kind } });
        return (await q.getGroup(tx, g.groupId))!;
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/device-groups/:groupId",
    summary: "Get a device group",
    tag: "device groups",
    access: "tenant-read",
    params: GroupParams,
    response: Group,
    handler: async ({ tenant, params }) => (await tenant((tx) => q.getGroup(tx, params.groupId))) ?? Promise.reject(notFound(params.groupId)),
  }),
  route({
    method: "patch",
    path: "/api/v1/customer/device-groups/:groupId",
    summary: "Rename a group, or change a dynamic group's filter",
    tag: "device groups",
    access: "tenant-write",
    params: GroupParams,
    body: GroupPatch,
    example: { name: "Cold rooms (all)" },
    response: Group,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        const g = await q.getGroup(tx, params.groupId);
        if (!g) throw notFound(params.groupId);
        if (body.filter && g.kind !== "dynamic") throw new PulseError("BAD_REQUEST", "only a dynamic group has a filter", { errors: [{ path: "body.filter", message: "static groups have no filter" }] });
        await audit(tx, { action: "group.updated", entityType: "device-group", entityId: g.groupId, details: { fields: Object.keys(body) } });
        return (await q.updateGroup(tx, g.groupId, body))!;
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/device-groups/:groupId",
    summary: "Delete a group (its devices stay)",
    tag: "device groups",
    access: "tenant-write",
    params: GroupParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        if (!(await q.deleteGroup(tx, params.groupId))) throw notFound(params.groupId);
        await audit(tx, { action: "group.deleted", entityType: "device-group", entityId: params.groupId });
        return { deleted: true as const };
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/device-groups/:groupId/devices",
    summary: "The group's devices (a dynamic group's as of now)",
    tag: "device groups",
    access: "tenant-read",
    params: GroupParams,
    query: PageQuery,
    response: page(Member),
    handler: async ({ tenant, params, query }) =>
      tenant(async (tx) => {
        const g = await q.getGroup(tx, params.groupId);
        if (!g) throw notFound(params.groupId);
        return { ...(await q.listMembers(tx, g, query)), limit: query.limit, offset: query.offset };
      }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/device-groups/:groupId/devices",
    summary: "Add devices to a static group (all or none)",
    tag: "device groups",
    access: "tenant-write",
    params: GroupParams,
    body: GroupMembers,
    example: { deviceIds: ["pump-17", "pump-18"] },
    response: Group,
    handler: async ({ tenant, params, body, audit }) => tenant((tx) => addToGroup(tx, params.groupId, body.deviceIds, audit)),
  }),
  route({
    method: "put",
    path: "/api/v1/customer/device-groups/:groupId/devices/:deviceId",
    summary: "Add one device to a static group",
    tag: "device groups",
    access: "tenant-write",
    params: MemberParams,
    response: Group,
    handler: async ({ tenant, params, audit }) => tenant((tx) => addToGroup(tx, params.groupId, [params.deviceId], audit)),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/device-groups/:groupId/devices/:deviceId",
    summary: "Remove one device from a static group",
    tag: "device groups",
    access: "tenant-write",
    params: MemberParams,
    response: Group,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        const g = await staticGroup(tx, params.groupId);
        if (!(await q.removeMember(tx, g.groupId, params.deviceId))) throw new PulseError("NOT_FOUND", `device ${params.deviceId} is not in this group`);
        await audit(tx, { action: "group.member_removed", entityType: "device-group", entityId: g.groupId, details: { deviceId: params.deviceId } });
        return (await q.getGroup(tx, g.groupId))!;
      }),
  }),
];
