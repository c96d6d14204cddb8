/** Notification routing rules: which alert transitions reach which channel. */
import { z } from "zod";
import * as q from "../../../notify/channel-queries";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import { NotificationRouteFields as RouteFields, NotificationRoutePatch as RoutePatch } from "../../api/bodies/notify";
import { route } from "../../api/route";
import { Deleted, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";
import { badField, BoolQuery } from "./notification-channels";

const RouteRule = z.object({
  routeId: Uuid,
  name: z.string(),
  channelId: Uuid,
  enabled: z.boolean(),
  priority: z.number().int(),
  minSeverity: z.number().int(),
  alertTypes: z.array(z.string()),
  siteIds: z.array(z.string()),
  tags: z.array(z.string()),
  devicePrefixes: z.array(z.string()),
  transitions: z.array(z.string()),
  throttleMinutes: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const RouteParams = z.object({ routeId: Uuid });

const notFound = (routeId: string) => new PulseError("NOT_FOUND", `notification route ${routeId} not found`);

async function checkChannel(tx: Tx, channelId: string | undefined): Promise<void> {
  if (channelId && !(await q.existingChannels(tx, [channelId])).has(channelId)) throw badField("channelId", `notification channel ${channelId} not found`);
}

export const notificationRouteRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/notification-routes",
    summary: "List notification routing rules, in priority order",
    tag: "notifications",
    access: "tenant-read",
    query: PageQuery.extend({ channelId: Uuid.optional(), enabled: BoolQuery.optional() }),
    response: page(RouteRule),
    handler: async ({ tenant, query }) => ({ ...(await tenant((tx) => q.listNotificationRoutes(tx, query))), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/notification-routes",
    summary: "Create a notification routing rule",
    tag: "notifications",
    access: "tenant-write",
    body: RouteFields,
    example: { name: "Critical to ops", channelId: "00000000-0000-4000-8000-000000000001", minSeverity: 4, transitions: ["OPEN", "CLOSED"] },
    response: RouteRule,
    status: 201,
    handler: async ({ tenant, body, audit }) =>
      tenant(async (tx) => {
        await checkChannel(tx, body.channelId);
        const rule = await q.insertNotificationRoute(tx, body);
        await audit(tx, { action: "notification_route.created", entityType: "notification-route", entityId: rule.routeId, details: { name: rule.name } });
        return rule;
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/notification-routes/:routeId",
    summary: "Get a notification routing rule",
    tag: "notifications",
    access: "tenant-read",
    params: RouteParams,
    response: RouteRule,
    handler: async ({ tenant, params }) => (await tenant((tx) => q.getNotificationRoute(tx, params.routeId))) ?? Promise.reject(notFound(params.routeId)),
  }),
  route({
    method: "patch",
    path: "/api/v1/customer/notification-routes/:routeId",
    summary: "Change a notification routing rule",
    tag: "notifications",
    access: "tenant-write",
    params: RouteParams,
    body: RoutePatch,
    example: { minSeverity: 5, throttleMinutes: 30 },
    response: RouteRule,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        if (!(await q.getNotificationRoute(tx, params.routeId))) throw notFound(params.routeId);
        await checkChannel(tx, body.channelId);
        const rule = await q.updateNotificationRoute(tx, params.routeId, body);
        await audit(tx, { action: "notification_route.updated", entityType: "notification-route", entityId: params.routeId, details: { fields: Object.keys(body) } });
        return rule!;
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/notification-routes/:routeId",
    summary: "Delete a notification routing rule",
    tag: "notifications",
    access: "tenant-write",
    params: RouteParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        if (!(await q.deleteNotificationRoute(tx, params.routeId))) throw notFound(params.routeId);
        await audit(tx, { action: "notification_route.deleted", entityType: "notification-route", entityId: params.routeId });
        return { deleted: true as const };
      }),
  }),
];
