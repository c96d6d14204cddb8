/** SQL of `pulse deliver` and of the ingest fan-out: what a job needs, and the delivery record. Runs as the worker role. */
import type { Db } from "../platform/db";
import type { NotifyTransition } from "../platform/subjects";

export interface MessageRouteRow {
  routeId: string;
  tenantId: string;
  topicFilter: string;
  payloadFilter: Record<string, unknown>;
  destinationType: "webhook" | "mqtt_republish";
  destinationConfig: Record<string, unknown>;
}

export async function enabledMessageRoutes(db: Db): Promise<MessageRouteRow[]> {
  return db<MessageRouteRow[]>`
    select route_id, tenant_id, topic_filter, payload_filter, destination_type, destination_config
    from message_routes where enabled order by tenant_id, created_at`;
}

export async function messageRoute(db: Db, tenant: string, routeId: string): Promise<(MessageRouteRow & { enabled: boolean; name: string }) | undefined> {
  const [row] = await db<(MessageRouteRow & { enabled: boolean; name: string })[]>`
    select route_id, tenant_id, name, enabled, topic_filter, payload_filter, destination_type, destination_config
    from message_routes where tenant_id = ${tenant} and route_id = ${routeId}`;
  return row;
}

export interface NotifyAlert {
  alertId: number;
  tenantId: string;
  deviceId: string | null;
  siteId: string | null;
  alertType: string;
  fingerprint: string;
  status: string;
  severity: number;
  summary: string;
  details: Record<string, unknown>;
  openedAt: Date;
  silencedUntil: Date | null;
  escalationPolicyId: string | null;
  tags: string[];
}

export async function notifyAlert(db: Db, tenant: string, alertId: number): Promise<NotifyAlert | undefined> {
  const [row] = await db<NotifyAlert[]>`
    select a.alert_id::int8 as alert_id, a.tenant_id, a.device_id, a.site_id, a.alert_type, a.fingerprint, a.status, a.severity,
           a.summary, a.details, a.opened_at, a.silenced_until, a.escalation_policy_id,
           coalesce((select array_agg(t.tag order by t.tag) from device_tags t where t.tenant_id = a.tenant_id and t.device_id = a.device_id), '{}') as tags
    from alerts a where a.tenant_id = ${tenant} and a.alert_id = ${alertId}`;
  return row ? { ...row, alertId: Number(row.alertId) } : undefined;
}

export interface ChannelRow {
  channelId: string;
  name: string;
  channelType: string;
  config: Record<string, unknown>;
  enabled: boolean;
}

export interface RoutingRow {
  channelId: string;
  minSeverity: number;
  alertTypes: string[];
  siteIds: string[];
  tags: string[];
  devicePrefixes: string[];
  transitions: string[];
  throttleMinutes: number;
}

/** Enabled routing rules of enabled channels, in priority order. */
export async function routingRules(db: Db, tenant: string): Promise<RoutingRow[]> {
  return db<RoutingRow[]>`
    select r.channel_id, r.min_severity, r.alert_types, r.site_ids, r.tags, r.device_prefixes, r.transitions, r.throttle_minutes
    from notification_routes r join notification_channels c on c.channel_id = r.channel_id and c.enabled
    where r.tenant_id = ${tenant} and r.enabled order by r.priority, r.created_at`;
}

export async function channels(db: Db, tenant: string, ids: readonly string[]): Promise<ChannelRow[]> {
  if (ids.length === 0) return [];
  return db<ChannelRow[]>`
    select channel_id, name, channel_type, config, enabled from notification_channels
    where tenant_id = ${tenant} and channel_id = any(${ids}::uuid[])`;
}

/** Channels that already announced this alert (opened or escalated): whoever was paged hears the ack and the resolve, and a PagerDuty incident closes. */
export async function channelsThatTriggered(db: Db, tenant: string, alertId: number): Promise<string[]> {
  const rows = await db<{ channelId: string }[]>`
    select distinct channel_id from notification_deliveries
    where tenant_id = ${tenant} and alert_id = ${alertId} and status = 'SENT' and transition in ('OPEN', 'ESCALATED') and channel_id is not null`;
  return rows.map((r) => r.channelId);
}

/** Channels that notified an OPEN of the same fingerprint within their throttle window. */
export async function throttledChannels(db: Db, tenant: string, fingerprint: string, alertId: number, windows: ReadonlyMap<string, number>): Promise<Set<string>> {
  const ids = [...windows.keys()];
  if (ids.length === 0) return new Set();
  const rows = await db<{ channelId: string }[]>`
    select distinct d.channel_id from notification_deliveries d join alerts a on a.alert_id = d.alert_id
    join unnest(${ids}::uuid[], ${ids.map((id) => windows.get(id)!)}::int[]) w(channel_id, minutes) on w.channel_id = d.channel_id
    where d.tenant_id = ${tenant} and d.status = 'SENT' and d.transition = 'OPEN' and a.fingerprint = ${fingerprint}
      and d.alert_id <> ${alertId} and d.sent_at > now() - make_interval(mins => w.minutes)`;
  return new Set(rows.map((r) => r.channelId));
}

export interface EscalationLevel {
  delayMinutes: number;
  channelIds: string[];
  scheduleId?: string;
}

export async function escalationLevels(db: Db, tenant: string, policyId: string): Promise<EscalationLevel[]> {
  const [row] = await db<{ levels: EscalationLevel[] }[]>`select levels from escalation_policies where tenant_id = ${tenant} and policy_id = ${policyId}`;
  return row?.levels ?? [];
}

export interface ScheduleRows {
  timezone: string;
  layers: Array<{ layerId: string; name: string; layerOrder: number; rotation: "daily" | "weekly" | "custom"; shiftHours: number; startsAt: Date; responders: Array<{ name: string; email?: string }> }>;
  overrides: Array<{ overrideId: string; responder: { name: string; email?: string }; startsAt: Date; endsAt: Date; reason: string | null }>;
}

export async function scheduleRows(db: Db, tenant: string, scheduleId: string): Promise<(ScheduleRows & { scheduleId: string; name: string }) | undefined> {
  const [s] = await db<{ scheduleId: string; name: string; timezone: string }[]>`
    select schedule_id, name, timezone from oncall_schedules where tenant_id = ${tenant} and schedule_id = ${scheduleId}`;
  if (!s) return undefined;
  const layers = await db<ScheduleRows["layers"]>`
    select layer_id, name, layer_order, rotation, shift_hours, starts_at, responders from oncall_layers where schedule_id = ${scheduleId}`;
  const overrides = await db<ScheduleRows["overrides"]>`
    select override_id, responder, starts_at, ends_at, reason from oncall_overrides
    where schedule_id = ${scheduleId} and ends_at > now() - interval '1 day'`;
  return { ...s, layers, overrides };
}

export interface DeliveryRow {
  deliveryId: number;
  /** The row's version (xmin): a sender claims the row by updating that version (see claimSend). */
  version: string;
  idempotencyKey: string;
  channelId: string | null;
  status: "PENDING" | "SENT" | "FAILED" | "DEAD";
  attempts: number;
  recipients: string[];
}

export interface DeliveryKey {
  key: string;
  channelId: string;
  channelType: string;
  recipients: string[];
}

/** Creates the delivery rows a job needs (existing ones are kept) and returns them all. */
export async function claimDeliveries(db: Db, tenant: string, job: { alertId: number; eventId: number; transition: NotifyTransition; level: number }, keys: readonly DeliveryKey[]): Promise<DeliveryRow[]> {
  if (keys.length === 0) return [];
  await db`
    insert into notification_deliveries (tenant_id, idempotency_key, alert_id, event_id, channel_id, channel_type, transition, level, recipients)
    select ${tenant}, k, ${job.alertId}, ${job.eventId}, c, t, ${job.transition}, ${job.level}, coalesce(r, '{}')
    from unnest(${keys.map((k) => k.key)}::text[], ${keys.map((k) => k.channelId)}::uuid[], ${keys.map((k) => k.channelType)}::text[],
                ${keys.map((k) => `{${k.recipients.map((r) => JSON.stringify(r)).join(",")}}`)}::text[]) as x(k, c, t, r_text)
    cross join lateral (select r_text::text[] as r) rr
    on conflict (tenant_id, idempotency_key) do nothing`;
  return deliveriesByKey(db, tenant, keys.map((k) => k.key));
}

export async function deliveriesByKey(db: Db, tenant: string, keys: readonly string[]): Promise<DeliveryRow[]> {
  const rows = await db<DeliveryRow[]>`
    select delivery_id, xmin::text as version, idempotency_key, channel_id, status, attempts, recipients from notification_deliveries
    where tenant_id = ${tenant} and idempotency_key = any(${keys}::text[])`;
  return rows.map((r) => ({ ...r, deliveryId: Number(r.deliveryId) }));
}

export async function deliveryById(db: Db, tenant: string, deliveryId: number): Promise<DeliveryRow | undefined> {
  const [row] = await db<DeliveryRow[]>`
    select delivery_id, xmin::text as version, idempotency_key, channel_id, status, attempts, recipients from notification_deliveries
    where tenant_id = ${tenant} and delivery_id = ${deliveryId}`;
  return row ? { ...row, deliveryId: Number(row.deliveryId) } : undefined;
}

/**
 * Claims a delivery for one send: succeeds only if nobody touched the row since it was read,
 * so two copies of a job (a redelivery while the first still runs) never both send.
 */
export async function claimSend(db: Db, tenant: string, row: DeliveryRow): Promise<boolean> {
  const rows = await db`
    update notification_deliveries set updated_at = clock_timestamp()
    where tenant_id = ${tenant} and delivery_id = ${row.deliveryId} and xmin::text = ${row.version} and status in ('PENDING', 'FAILED')
    returning 1`;
  return rows.length === 1;
}

/** Earlier announcements (open, escalations) of this alert still waiting to be sent: a later ack or resolve waits for them. */
export async function earlierUnsent(db: Db, tenant: string, alertId: number, eventId: number): Promise<boolean> {
  const [row] = await db`
    select 1 from notification_deliveries
    where tenant_id = ${tenant} and alert_id = ${alertId} and event_id < ${eventId}
      and transition in ('OPEN', 'ESCALATED') and status in ('PENDING', 'FAILED')
    limit 1`;
  return row !== undefined;
}

export async function recordAttempt(db: Db, tenant: string, deliveryId: number, r: { status: DeliveryRow["status"]; responseStatus?: number; error?: string }): Promise<void> {
  await db`
    update notification_deliveries set status = ${r.status}, attempts = attempts + 1, response_status = ${r.responseStatus ?? null},
      last_error = ${r.error ?? null}, sent_at = case when ${r.status} = 'SENT' then now() else sent_at end, updated_at = now()
    where tenant_id = ${tenant} and delivery_id = ${deliveryId}`;
}

export interface DeadLetter {
  tenant: string;
  source: "route" | "notification";
  sourceId: string | null;
  originalTopic?: string | null;
  payload: Uint8Array;
  destinationType: string;
  destination: string;
  error: string;
  attempts: number;
  deliveryId?: number | null;
}

export async function insertDeadLetter(db: Db, d: DeadLetter): Promise<void> {
  await db`
    insert into dead_letter_messages (tenant_id, source, source_id, original_topic, payload, destination_type, destination, error_message, attempts, delivery_id)
    values (${d.tenant}, ${d.source}, ${d.sourceId}, ${d.originalTopic ?? null}, ${Buffer.from(d.payload)}, ${d.destinationType},
            ${d.destination}, ${d.error.slice(0, 2000)}, ${Math.max(1, d.attempts)}, ${d.deliveryId ?? null})`;
}
