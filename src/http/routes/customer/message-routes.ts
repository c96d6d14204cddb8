/**
 * Message routes: device messages forwarded as they arrive, picked by an MQTT-style topic
 * filter and a payload filter, to a webhook or an MQTT republish. A webhook destination has the
 * shape (and the secrets) of a webhook channel's config, so it is validated and masked the same way.
 */
import { z } from "zod";
import type { EgressPolicy } from "../../../notify/egress";
import * as q from "../../../notify/message-route-queries";
import { MqttRepublishConfig, PayloadFilter, payloadMatches, topicMatches, validTopicFilter } from "../../../notify/route-filters";
import { maskChannelConfig, postSignedJson } from "../../../notify/senders";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import { DESTINATIONS, MessageRouteShape, MessageRouteTest as TestBody } from "../../api/bodies/notify";
import { route } from "../../api/route";
import { Deleted, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";
import { badField, BoolQuery, checkedConfig, mergedConfig, SendResult } from "./notification-channels";

type Destination = (typeof DESTINATIONS)[number];

const MessageRoute = z.object({
  routeId: Uuid,
  name: z.string(),
  topicFilter: z.string(),
  payloadFilter: z.record(z.string(), z.unknown()),
  destinationType: z.enum(DESTINATIONS),
  destinationConfig: z.record(z.string(), z.unknown()).describe("Secrets masked as ***"),
  enabled: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const TopicFilter = z.string().superRefine((f, ctx) => {
  const reason = validTopicFilter(f);
  if (reason) ctx.addIssue({ code: "custom", message: reason });
});
// The shared shape with ingest's own topic and payload filter checks put in place.
const Shape = {
  ...MessageRouteShape,
  topicFilter: TopicFilter.describe(MessageRouteShape.topicFilter.description ?? ""),
  payloadFilter: PayloadFilter.describe(MessageRouteShape.payloadFilter.description ?? ""),
};
const RouteFields = z.object({ ...Shape, payloadFilter: Shape.payloadFilter.default({}), enabled: Shape.enabled.default(true) }).strict();
const RoutePatch = z.object(Shape).partial().strict();
const RouteParams = z.object({ routeId: Uuid });

const notFound = (routeId: string) => new PulseError("NOT_FOUND", `message route ${routeId} not found`);
const loadRoute = async (tx: Tx, routeId: string) => (await q.getMessageRoute(tx, routeId)) ?? Promise.reject(notFound(routeId));

const present = (r: q.MessageRouteRow) =>
  r.destinationType === "webhook" ? { ...r, destinationConfig: maskChannelConfig("webhook", r.destinationConfig) } : r;

function checkedDestination(type: Destination, raw: unknown): Record<string, unknown> {
  if (type === "webhook") return checkedConfig("webhook", raw, "destinationConfig");
  const r = MqttRepublishConfig.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw badField(["destinationConfig", ...issue.path.map(String)].join("."), issue.message);
}

async function patchRoute(tx: Tx, routeId: string, body: z.output<typeof RoutePatch>): Promise<q.MessageRouteRow> {
  const current = await q.lockMessageRoute(tx, routeId);
  if (!current) throw notFound(routeId);
  const type = body.destinationType ?? current.destinationType;
  const sameType = type === current.destinationType;
  if (!sameType && body.destinationConfig === undefined) throw badField("destinationConfig", `a route changing to ${type} needs its ${type} config`);
  const given = body.destinationConfig;
  const destinationConfig =
    given === undefined ? undefined : sameType && type === "webhook" ? mergedConfig("webhook", current.destinationConfig, given, "destinationConfig") : checkedDestination(type, given);
  return (await q.updateMessageRoute(tx, routeId, { ...body, destinationConfig }))!;
}

/** Both filters against a sample message, and (asked for, both matching, a webhook) one real delivery. */
async function testRoute(r: q.MessageRouteRow, body: z.output<typeof TestBody>, tenantId: string, egress: EgressPolicy) {
  const { metrics, ...root } = body.payload;
  const result = { topicMatches: topicMatches(r.topicFilter, body.topic), payloadMatches: payloadMatches(r.payloadFilter as PayloadFilter, metrics, root) };
  if (!body.deliver || !result.topicMatches || !result.payloadMatches || r.destinationType !== "webhook") return result;
  const hook = checkedDestination("webhook", r.destinationConfig) as { url: string; method?: string; headers?: Record<string, string>; secret?: string };
  const message = { test: true, tenant: tenantId, routeId: r.routeId, topic: body.topic, ...root, metrics, time: Date.now() };
  const idempotencyKey = `test-${crypto.randomUUID()}`;
  const delivery = await postSignedJson(hook.url, message, { ...hook, idempotencyKey, event: "message.test" }, egress);
  return { ...result, delivery };
}

export const messageRouteRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/message-routes",
    summary: "List message routes (destination secrets masked)",
    tag: "message-routes",
    access: "tenant-read",
    query: PageQuery.extend({ destinationType: z.enum(DESTINATIONS).optional(), enabled: BoolQuery.optional() }),
    response: page(MessageRoute),
    handler: async ({ tenant, query }) => {
      const { items, total } = await tenant((tx) => q.listMessageRoutes(tx, query));
      return { items: items.map(present), total, limit: query.limit, offset: query.offset };
    },
  }),
  route({
    method: "post",
    path: "/api/v1/customer/message-routes",
    summary: "Create a message route",
    tag: "message-routes",
    access: "tenant-write",
    body: RouteFields,
    example: { name: "Hot readings", topicFilter: "tenant/acme/device/+/telemetry", payloadFilter: { temp_c: { $gt: 80 } }, destinationType: "webhook", destinationConfig: { url: "https://hooks.example.com/in" } },
    response: MessageRoute,
    status: 201,
    handler: async ({ tenant, body, audit }) =>
      tenant(async (tx) => {
        const r = await q.insertMessageRoute(tx, { ...body, destinationConfig: checkedDestination(body.destinationType, body.destinationConfig) });
        await audit(tx, { action: "message_route.created", entityType: "message-route", entityId: r.routeId, details: { name: r.name } });
        return present(r);
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/message-routes/:routeId",
    summary: "Get a message route (destination secrets masked)",
    tag: "message-routes",
    access: "tenant-read",
    params: RouteParams,
    response: MessageRoute,
    handler: async ({ tenant, params }) => present(await tenant((tx) => loadRoute(tx, params.routeId))),
  }),
  route({
    method: "patch",
    path: "/api/v1/customer/message-routes/:routeId",
    summary: "Change a message route; masked destination values keep the stored secrets",
    tag: "message-routes",
    access: "tenant-write",
    params: RouteParams,
    body: RoutePatch,
    example: { enabled: false },
    response: MessageRoute,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        const r = await patchRoute(tx, params.routeId, body);
        await audit(tx, { action: "message_route.updated", entityType: "message-route", entityId: params.routeId, details: { fields: Object.keys(body) } });
        return present(r);
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/message-routes/:routeId",
    summary: "Delete a message route",
    tag: "message-routes",
    access: "tenant-write",
    params: RouteParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        if (!(await q.deleteMessageRoute(tx, params.routeId))) throw notFound(params.routeId);
        await audit(tx, { action: "message_route.deleted", entityType: "message-route", entityId: params.routeId });
        return { deleted: true as const };
      }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/message-routes/:routeId/test",
    summary: "Check a sample message against the route's filters; with deliver:true a match is also sent to its webhook",
    tag: "message-routes",
    access: "tenant-write",
    params: RouteParams,
    body: TestBody,
    example: { topic: "tenant/acme/device/pump-1/telemetry", payload: { metrics: { temp_c: 85 }, msgType: "telemetry" }, deliver: false },
    response: z.object({ topicMatches: z.boolean(), payloadMatches: z.boolean(), delivery: SendResult.optional() }),
    handler: async ({ tenant, tenantId, params, body, deps }) => testRoute(await tenant((tx) => loadRoute(tx, params.routeId)), body, tenantId, deps.egress),
  }),
];
