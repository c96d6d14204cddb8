/**
 * Notification channels: where alert notices go (webhook, Slack, Teams, PagerDuty, e-mail).
 * Configs hold secrets, so every response carries the masked config only, and a PATCH that
 * sends the masked values back keeps the stored secrets.
 */
import { z } from "zod";
import * as q from "../../../notify/channel-queries";
import { policiesUsing } from "../../../notify/escalation-queries";
import { CHANNEL_TYPES, maskChannelConfig, mergeChannelConfig, parseChannelConfig, sendNotice, type AlertNotice, type ChannelConfig, type ChannelType } from "../../../notify/senders";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import { ChannelFields, ChannelPatch } from "../../api/bodies/notify";
import { route } from "../../api/route";
import { Deleted, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";

/** `?enabled=true|false` (also 1/0). */
export const BoolQuery = z.preprocess((v) => (v === "true" || v === "1" ? true : v === "false" || v === "0" ? false : v), z.boolean());

/** A 400 naming one body field, in the same shape as a failed schema check. */
export const badField = (path: string, message: string) =>
  new PulseError("BAD_REQUEST", `invalid body: body.${path}: ${message}`, { errors: [{ path: `body.${path}`, message }] });

export const SendResult = z.object({ ok: z.boolean(), status: z.number().int().optional(), error: z.string().optional(), retryable: z.boolean() });

const Channel = z.object({
  channelId: Uuid,
  name: z.string(),
  channelType: z.enum(CHANNEL_TYPES),
  config: z.record(z.string(), z.unknown()).describe("Secrets masked as ***"),
  enabled: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const ChannelParams = z.object({ channelId: Uuid });

export const channelNotFound = (channelId: string) => new PulseError("NOT_FOUND", `notification channel ${channelId} not found`);

const loadChannel = async (tx: Tx, channelId: string) => (await q.getChannel(tx, channelId)) ?? Promise.reject(channelNotFound(channelId));
const present = (c: q.ChannelRow) => ({ ...c, channelType: c.channelType as ChannelType, config: maskChannelConfig(c.channelType as ChannelType, c.config) });

/** Runs a config check, reporting a bad field under `body.<field>` (the senders name it `config.…`). */
function underBody<T>(field: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof PulseError) || err.code !== "BAD_REQUEST") throw err;
    const given = Array.isArray(err.details?.errors) ? (err.details.errors as { path: string; message: string }[]) : [{ path: "", message: err.message }];
    const errors = given.map((e) => ({ path: [`body.${field}`, e.path.replace(/^(body\.)?config\.?/, "")].filter(Boolean).join("."), message: e.message }));
    throw new PulseError("BAD_REQUEST", `invalid body: ${errors[0]!.path}: ${errors[0]!.message}`, { errors });
  }
}

/** A config validated for its type (defaults applied). */
export const checkedConfig = (type: ChannelType, raw: unknown, field = "config") =>
  underBody(field, () => parseChannelConfig(type, raw) as Record<string, unknown>);

/** An update merged into the stored config (masked values keep the stored secrets), then validated. */
export const mergedConfig = (type: ChannelType, stored: unknown, update: unknown, field = "config") =>
  underBody(field, () => parseChannelConfig(type, mergeChannelConfig(type, stored, update)) as Record<string, unknown>);

async function patchChannel(tx: Tx, channelId: string, body: z.output<typeof ChannelPatch>): Promise<q.ChannelRow> {
  const current = await q.lockChannel(tx, channelId);
  if (!current) throw channelNotFound(channelId);
  const type = body.channelType ?? (current.channelType as ChannelType);
  const sameType = type === current.channelType;
  if (!sameType && body.config === undefined) throw badField("config", `a channel changing to ${type} needs its ${type} config`);
  const config = body.config === undefined ? undefined : sameType ? mergedConfig(type, current.config, body.config) : checkedConfig(type, body.config);
  return (await q.updateChannel(tx, channelId, { ...body, config }))!;
}

/** A notice no alert stands behind, so a receiver can be checked end to end. */
const testNotice = (tenantId: string): AlertNotice => ({
  tenantId,
  alertId: 0,
  transition: "OPEN",
  level: 0,
  alertType: "TEST",
  severity: 1,
  status: "OPEN",
  summary: "Test notification from Pulse",
  deviceId: null,
  siteId: null,
  fingerprint: "TEST",
  openedAt: new Date().toISOString(),
  details: { test: true },
  idempotencyKey: `test-${crypto.randomUUID()}`,
});

export const notificationChannelRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/notification-channels",
    summary: "List notification channels (configs masked)",
    tag: "notifications",
    access: "tenant-read",
    query: PageQuery.extend({ channelType: z.enum(CHANNEL_TYPES).optional(), enabled: BoolQuery.optional() }),
    response: page(Channel),
    handler: async ({ tenant, query }) => {
      const { items, total } = await tenant((tx) => q.listChannels(tx, query));
      return { items: items.map(present), total, limit: query.limit, offset: query.offset };
    },
  }),
  route({
    method: "post",
    path: "/api/v1/customer/notification-channels",
    summary: "Create a notification channel",
    tag: "notifications",
    access: "tenant-write",
    body: ChannelFields,
    example: { name: "Ops webhook", channelType: "webhook", config: { url: "https://hooks.example.com/pulse", secret: "0123456789abcdef0123" } },
    response: Channel,
    status: 201,
    handler: async ({ tenant, body, audit }) =>
      tenant(async (tx) => {
        const channel = await q.insertChannel(tx, { ...body, config: checkedConfig(body.channelType, body.config) });
        await audit(tx, { action: "notification_channel.created", entityType: "notification-channel", entityId: channel.channelId, details: { name: channel.name } });
        return present(channel);
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/notification-channels/:channelId",
    summary: "Get a notification channel (config masked)",
    tag: "notifications",
    access: "tenant-read",
    params: ChannelParams,
    response: Channel,
    handler: async ({ tenant, params }) => present(await tenant((tx) => loadChannel(tx, params.channelId))),
  }),
  route({
    method: "patch",
    path: "/api/v1/customer/notification-channels/:channelId",
    summary: "Change a notification channel; masked config values keep the stored secrets",
    tag: "notifications",
    access: "tenant-write",
    params: ChannelParams,
    body: ChannelPatch,
    example: { name: "Ops webhook (primary)", enabled: false },
    response: Channel,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        const channel = await patchChannel(tx, params.channelId, body);
        await audit(tx, { action: "notification_channel.updated", entityType: "notification-channel", entityId: params.channelId, details: { fields: Object.keys(body) } });
        return present(channel);
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/notification-channels/:channelId",
    summary: "Delete a notification channel and its routing rules (refused while an escalation policy names it)",
    tag: "notifications",
    access: "tenant-write",
    params: ChannelParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        await loadChannel(tx, params.channelId);
        const users = await policiesUsing(tx, { channelId: params.channelId });
        if (users.length > 0) throw new PulseError("CONFLICT", `escalation policies still name this channel: ${users.join(", ")}`);
        await q.deleteChannel(tx, params.channelId);
        await audit(tx, { action: "notification_channel.deleted", entityType: "notification-channel", entityId: params.channelId });
        return { deleted: true as const };
      }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/notification-channels/:channelId/test",
    summary: "Send a test notice through the channel; 200 with ok:false when the receiver failed",
    tag: "notifications",
    access: "tenant-write",
    params: ChannelParams,
    response: SendResult,
    handler: async ({ tenant, tenantId, params, deps }) => {
      const channel = await tenant((tx) => loadChannel(tx, params.channelId));
      const config = channel.config as ChannelConfig; // sendNotice validates it again and never throws
      return sendNotice(channel.channelType as ChannelType, config, testNotice(tenantId), deps.egress);
    },
  }),
];
