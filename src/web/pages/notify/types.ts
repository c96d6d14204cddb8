/**
 * What the notification API answers, as the notify pages read it (JSON: times are ISO strings),
 * and where each resource lives.
 */
import type { CHANNEL_TYPES, DEAD_LETTER_SOURCES, DEAD_LETTER_STATUSES, DELIVERY_STATUSES, DESTINATIONS, ROTATIONS } from "../../../http/api/bodies/notify";

const V1 = "/api/v1/customer";
export const PATHS = {
  channels: `${V1}/notification-channels`,
  rules: `${V1}/notification-routes`,
  policies: `${V1}/escalation-policies`,
  schedules: `${V1}/oncall-schedules`,
  messageRoutes: `${V1}/message-routes`,
  deliveries: `${V1}/notification-deliveries`,
  deadLetters: `${V1}/dead-letters`,
  sites: `${V1}/sites`,
} as const;

/** Lists the pages show whole (pickers, ordered rules): the API's largest page. */
export const ALL = { limit: 1000 } as const;

export type ChannelType = (typeof CHANNEL_TYPES)[number];
export const CHANNEL_LABELS: Record<ChannelType, string> = { webhook: "Webhook", slack: "Slack", teams: "Microsoft Teams", pagerduty: "PagerDuty", email: "E-mail" };

export interface Channel {
  channelId: string;
  name: string;
  channelType: ChannelType;
  /** Secrets come back as "***" (a PagerDuty key keeps its last 4 characters). */
  config: Record<string, unknown>;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface SendResult {
  ok: boolean;
  status?: number;
  error?: string;
  retryable: boolean;
}

export interface RoutingRule {
  routeId: string;
  name: string;
  channelId: string;
  enabled: boolean;
  priority: number;
  minSeverity: number;
  alertTypes: string[];
  siteIds: string[];
  tags: string[];
  devicePrefixes: string[];
  transitions: string[];
  throttleMinutes: number;
}

export interface Level {
  delayMinutes: number;
  channelIds: string[];
  scheduleId?: string;
}
export interface Policy {
  policyId: string;
  name: string;
  description: string | null;
  isDefault: boolean;
  levels: Level[];
}

export interface Responder {
  name: string;
  email?: string;
  phone?: string;
}
export interface Schedule {
  scheduleId: string;
  name: string;
  description: string | null;
  timezone: string;
}
export interface Layer {
  layerId: string;
  name: string;
  order: number;
  rotation: (typeof ROTATIONS)[number];
  shiftHours: number;
  startsAt: string;
  responders: Responder[];
}
export interface Override {
  overrideId: string;
  responder: Responder;
  startsAt: string;
  endsAt: string;
  reason: string | null;
}
export interface ScheduleDetail extends Schedule {
  layers: Layer[];
  overrides: Override[];
}
export interface Shift {
  start: string;
  end: string;
  responder: Responder;
  source: "override" | "layer";
  layerId?: string;
  overrideId?: string;
}
export type OnCallNow = Shift | { onCall: null };
export const isShift = (c: OnCallNow | undefined): c is Shift => !!c && "responder" in c;

export interface MessageRoute {
  routeId: string;
  name: string;
  topicFilter: string;
  payloadFilter: Record<string, unknown>;
  destinationType: (typeof DESTINATIONS)[number];
  destinationConfig: Record<string, unknown>;
  enabled: boolean;
}
export interface RouteTestResult {
  topicMatches: boolean;
  payloadMatches: boolean;
  delivery?: SendResult;
}

export interface DeadLetter {
  deadLetterId: string;
  source: (typeof DEAD_LETTER_SOURCES)[number];
  sourceId: string | null;
  deliveryId: number | null;
  originalTopic: string | null;
  payload: unknown;
  payloadEncoding: "json" | "base64";
  destinationType: string;
  destination: string;
  errorMessage: string;
  attempts: number;
  status: (typeof DEAD_LETTER_STATUSES)[number];
  firstFailedAt: string;
  lastFailedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
}
export interface ReplayResult {
  replayed: string[];
  skipped: { deadLetterId: string; reason: string }[];
}

export interface Delivery {
  deliveryId: number;
  alertId: number | null;
  channelId: string | null;
  channelName: string | null;
  channelType: string;
  transition: string;
  level: number;
  recipients: string[];
  status: (typeof DELIVERY_STATUSES)[number];
  attempts: number;
  lastError: string | null;
  responseStatus: number | null;
  createdAt: string;
  sentAt: string | null;
}

/** A send result in one line: "Delivered (HTTP 200)" or "Failed: … (will be retried)". */
export function sendSummary(r: SendResult): string {
  if (r.ok) return r.status ? `Delivered (HTTP ${r.status})` : "Delivered";
  const status = r.status ? ` (HTTP ${r.status})` : "";
  return `Failed${status}: ${r.error ?? "no reason given"}${r.retryable ? " — a real notice would be retried" : " — retrying would not help"}`;
}

/** Field error at `key` or under it ("config.smtp" finds "config.smtp.host"). */
export function errorAt(errors: Record<string, string>, ...keys: string[]): string | undefined {
  for (const k of keys) {
    if (errors[k]) return errors[k];
    const under = Object.keys(errors).find((e) => e.startsWith(`${k}.`));
    if (under) return errors[under];
  }
  return undefined;
}

/** "a, b\nc" → ["a", "b", "c"]: list fields typed as text. */
export const splitList = (s: string): string[] =>
  s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);
