/**
 * Request bodies of the notification routes (channels, routing rules, escalation policies,
 * on-call schedules, message routes, dead letters). Pure zod, so the console validates its
 * forms with the very schemas the API applies; the route files import them from here.
 * Nothing here may import server code at run time.
 */
import { z } from "zod";
// notify/oncall is pure (zod, Intl and PulseError); its zone check is the API's own.
import { isTimeZone, Responder } from "../../../notify/oncall";
import type { ChannelType } from "../../../notify/senders/config";
import { SiteId, Uuid } from "../schemas";
import { Tag } from "./devices";

export { Responder } from "../../../notify/oncall";

export const Name = z.string().trim().min(1).max(200);
export const IsoTime = z.iso.datetime({ offset: true, error: "expected an ISO 8601 timestamp with a zone, e.g. 2026-11-27T12:00:00Z" }).transform((s) => new Date(s));

const unique = <T>(xs: T[]) => [...new Set(xs)];
const list = <T extends z.ZodType>(item: T, max = 100) => z.array(item).max(max).transform(unique);

// Channels. The config is checked per type by the API (notify/senders/config, server-only).

/** The senders' channel types; the `satisfies` below fails to compile if the two lists drift. */
export const CHANNEL_TYPES = ["webhook", "slack", "teams", "pagerduty", "email"] as const;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
void (true satisfies Same<(typeof CHANNEL_TYPES)[number], ChannelType>);

const ChannelConfig = z.record(z.string(), z.unknown());
export const ChannelFields = z.object({ name: Name, channelType: z.enum(CHANNEL_TYPES), config: ChannelConfig, enabled: z.boolean().default(true) }).strict();
export const ChannelPatch = z
  .object({ name: Name, channelType: z.enum(CHANNEL_TYPES), config: ChannelConfig.describe("Masked values (***) keep the stored secrets"), enabled: z.boolean() })
  .partial()
  .strict();

// Notification routing rules.

export const ALERT_TYPES = ["NO_HEARTBEAT", "THRESHOLD", "WINDOW", "ANOMALY", "NO_TELEMETRY", "SYSTEM_HEALTH", "CERT_EXPIRING"] as const;
export const ALERT_TRANSITIONS = ["OPEN", "ACKNOWLEDGED", "CLOSED"] as const;

const RuleShape = {
  name: Name,
  channelId: Uuid,
  enabled: z.boolean(),
  priority: z.number().int().min(-100_000).max(100_000).describe("Lowest first"),
  minSeverity: z.number().int().min(1).max(5).describe("1 info … 5 critical"),
  alertTypes: list(z.enum(ALERT_TYPES)).describe("Empty: every type"),
  siteIds: list(SiteId, 500).describe("Empty: every site"),
  tags: list(Tag, 100).describe("Device tags; empty: any"),
  devicePrefixes: list(z.string().min(1).max(128), 100).describe("Device id prefixes; empty: any device"),
  transitions: z.array(z.enum(ALERT_TRANSITIONS)).min(1, { error: "name at least one transition" }).transform(unique),
  throttleMinutes: z.number().int().min(0).max(1440).describe("At most one notice per channel in this many minutes (0: no limit)"),
};
export const NotificationRouteFields = z
  .object({
    ...RuleShape,
    enabled: RuleShape.enabled.default(true),
    priority: RuleShape.priority.default(100),
    minSeverity: RuleShape.minSeverity.default(1),
    alertTypes: RuleShape.alertTypes.default([]),
    siteIds: RuleShape.siteIds.default([]),
    tags: RuleShape.tags.default([]),
    devicePrefixes: RuleShape.devicePrefixes.default([]),
    transitions: RuleShape.transitions.default(["OPEN", "CLOSED"]),
    throttleMinutes: RuleShape.throttleMinutes.default(0),
  })
  .strict();
export const NotificationRoutePatch = z.object(RuleShape).partial().strict();

// Escalation policies.

export const EscalationLevel = z
  .object({
    delayMinutes: z.number().int().min(1).max(1440).describe("After the previous level (level 1: after the alert opened)"),
    channelIds: z.array(Uuid).max(20).transform((ids) => [...new Set(ids)]),
    scheduleId: Uuid.optional().describe("Also notify whoever is on call in this schedule"),
  })
  .strict();
const PolicyShape = {
  name: Name,
  description: z.string().trim().max(2000).nullable(),
  isDefault: z.boolean().describe("Setting it clears the tenant's other default"),
  levels: z.array(EscalationLevel).min(1).max(5),
};
export const EscalationPolicyFields = z.object({ ...PolicyShape, description: PolicyShape.description.default(null), isDefault: PolicyShape.isDefault.default(false) }).strict();
export const EscalationPolicyPatch = z.object(PolicyShape).partial().strict();

// On-call schedules.

export const ROTATIONS = ["daily", "weekly", "custom"] as const;
/** daily and weekly shifts have fixed lengths; custom ones say theirs. */
export const FIXED_SHIFT_HOURS = { daily: 24, weekly: 168 } as const;

export const TimeZone = z.string().refine(isTimeZone, { error: "expected an IANA time zone such as Europe/Amsterdam" });
const ScheduleShape = { name: Name, description: z.string().trim().max(2000).nullable(), timezone: TimeZone };
export const ScheduleFields = z.object({ ...ScheduleShape, description: ScheduleShape.description.default(null), timezone: TimeZone.default("UTC") }).strict();
export const SchedulePatch = z.object(ScheduleShape).partial().strict();
const LayerShape = {
  name: Name,
  order: z.number().int().min(-1000).max(1000).describe("Higher wins where layers overlap"),
  rotation: z.enum(ROTATIONS),
  shiftHours: z.number().int().min(1).max(8760).describe("daily: 24, weekly: 168 (implied); custom: required"),
  startsAt: IsoTime.describe("The first handoff"),
  responders: z.array(Responder).min(1).max(100).describe("In rotation order"),
};
export const LayerFields = z.object({ ...LayerShape, order: LayerShape.order.default(0), shiftHours: LayerShape.shiftHours.optional() }).strict();
export const LayerPatch = z.object(LayerShape).partial().strict();
export const OverrideFields = z
  .object({ responder: Responder, startsAt: IsoTime, endsAt: IsoTime, reason: z.string().trim().max(500).nullable().default(null) })
  .strict()
  .refine((o) => o.endsAt > o.startsAt, { error: "endsAt must be after startsAt", path: ["endsAt"] });

// Message routes. The topic and payload filters are loose here: their rules live with ingest's
// matcher (notify/route-filters, server-only), and the route file puts those checks in place.

export const DESTINATIONS = ["webhook", "mqtt_republish"] as const;
export const MessageRouteShape = {
  name: Name,
  topicFilter: z.string().describe("MQTT-style: + one level, # the rest (e.g. tenant/acme/device/+/telemetry)"),
  payloadFilter: z.record(z.string(), z.unknown()).describe('Every key must match: {"temp_c": {"$gt": 80}, "msgType": "telemetry"}'),
  destinationType: z.enum(DESTINATIONS),
  destinationConfig: z.record(z.string(), z.unknown()).describe("webhook: {url, method?, headers?, secret?}; mqtt_republish: {topic, qos?, retain?}"),
  enabled: z.boolean(),
};
export const MessageRouteFields = z
  .object({ ...MessageRouteShape, payloadFilter: MessageRouteShape.payloadFilter.default({}), enabled: MessageRouteShape.enabled.default(true) })
  .strict();
export const MessageRoutePatch = z.object(MessageRouteShape).partial().strict();
export const MessageRouteTest = z
  .object({
    topic: z.string().min(1).max(256),
    payload: z.looseObject({ metrics: z.record(z.string(), z.unknown()) }).describe("The stored message: {metrics: {…}, msgType?, deviceId?, siteId?}"),
    deliver: z.boolean().default(false).describe("Also call the webhook when both filters match"),
  })
  .strict();

// Dead letters and the delivery log.

export const DEAD_LETTER_STATUSES = ["FAILED", "REPLAYED", "DISCARDED"] as const;
export const DEAD_LETTER_SOURCES = ["route", "notification"] as const;
export const DELIVERY_STATUSES = ["PENDING", "SENT", "FAILED", "DEAD"] as const;
export const DeadLetterReplay = z.object({ ids: z.array(Uuid).min(1).max(100).transform((ids) => [...new Set(ids)]) }).strict();
export const DeadLetterPurge = z.object({ olderThanDays: z.coerce.number().int().min(0).max(3650) });
