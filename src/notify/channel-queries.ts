/**
 * SQL of notification channels and the routing rules that pick them. Runs inside a tenant
 * transaction: row-level security scopes every statement. Channel configs are returned as
 * stored (with secrets); the API masks them.
 */
import { paged, type Db } from "../platform/db";

export interface ChannelRow {
  channelId: string;
  name: string;
  channelType: string;
  config: Record<string, unknown>;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NotificationRouteRow {
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
  createdAt: Date;
  updatedAt: Date;
}

type Page = { limit: number; offset: number };
const CHANNEL = "channel_id, name, channel_type, config, enabled, created_at, updated_at";
const ROUTE = `route_id, name, channel_id, enabled, priority, min_severity, alert_types, site_ids, tags, device_prefixes,
  transitions, throttle_minutes, created_at, updated_at`;

/** Drops undefined fields and wraps objects as jsonb, ready for `update … set ${db(set)}`. */
export function updateSet(db: Db, fields: Record<string, unknown>, json: readonly string[] = []): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) set[k] = json.includes(k) ? db.json(v as never) : v;
  }
  return set;
}

export async function listChannels(db: Db, f: Page & { channelType?: string; enabled?: boolean }): Promise<{ items: ChannelRow[]; total: number }> {
  const rows = await db<(ChannelRow & { total: number })[]>`
    select ${db.unsafe(CHANNEL)}, count(*) over ()::int as total from notification_channels
    where ${f.channelType ? db`channel_type = ${f.channelType}` : db`true`}
      and ${f.enabled === undefined ? db`true` : db`enabled = ${f.enabled}`}
    order by lower(name) limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export async function getChannel(db: Db, channelId: string): Promise<ChannelRow | undefined> {
  const [row] = await db<ChannelRow[]>`select ${db.unsafe(CHANNEL)} from notification_channels where channel_id = ${channelId}`;
  return row;
}

/** The same row, locked: a PATCH merges secrets into what is stored now. */
export async function lockChannel(db: Db, channelId: string): Promise<ChannelRow | undefined> {
  const [row] = await db<ChannelRow[]>`select ${db.unsafe(CHANNEL)} from notification_channels where channel_id = ${channelId} for update`;
  return row;
}

export async function insertChannel(db: Db, c: { name: string; channelType: string; config: unknown; enabled: boolean }): Promise<ChannelRow> {
  const [row] = await db<ChannelRow[]>`
    insert into notification_channels (tenant_id, name, channel_type, config, enabled)
    values (pulse_tenant(), ${c.name}, ${c.channelType}, ${db.json(c.config as never)}, ${c.enabled})
    returning ${db.unsafe(CHANNEL)}`;
  return row!;
}

export async function updateChannel(
  db: Db,
  channelId: string,
  c: { name?: string; channelType?: string; config?: unknown; enabled?: boolean },
): Promise<ChannelRow | undefined> {
  const set = updateSet(db, c, ["config"]);
  if (Object.keys(set).length === 0) return getChannel(db, channelId);
  const [row] = await db<ChannelRow[]>`update notification_channels set ${db(set)} where channel_id = ${channelId} returning ${db.unsafe(CHANNEL)}`;
  return row;
}

export async function deleteChannel(db: Db, channelId: string): Promise<boolean> {
  const rows = await db`delete from notification_channels where channel_id = ${channelId} returning 1`;
  return rows.length > 0;
}

/** Which of these channel ids the tenant has. */
export async function existingChannels(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db<{ channelId: string }[]>`select channel_id from notification_channels where channel_id = any(${ids}::uuid[])`;
  return new Set(rows.map((r) => r.channelId));
}

export async function listNotificationRoutes(
  db: Db,
  f: Page & { channelId?: string; enabled?: boolean },
): Promise<{ items: NotificationRouteRow[]; total: number }> {
  const rows = await db<(NotificationRouteRow & { total: number })[]>`
    select ${db.unsafe(ROUTE)}, count(*) over ()::int as total from notification_routes
    where ${f.channelId ? db`channel_id = ${f.channelId}` : db`true`}
      and ${f.enabled === undefined ? db`true` : db`enabled = ${f.enabled}`}
    order by priority, lower(name) limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export async function getNotificationRoute(db: Db, routeId: string): Promise<NotificationRouteRow | undefined> {
  const [row] = await db<NotificationRouteRow[]>`select ${db.unsafe(ROUTE)} from notification_routes where route_id = ${routeId}`;
  return row;
}

export type NotificationRouteFields = Omit<NotificationRouteRow, "routeId" | "createdAt" | "updatedAt">;

export async function insertNotificationRoute(db: Db, r: NotificationRouteFields): Promise<NotificationRouteRow> {
  const [row] = await db<NotificationRouteRow[]>`
    insert into notification_routes (tenant_id, name, channel_id, enabled, priority, min_severity, alert_types, site_ids, tags,
                                     device_prefixes, transitions, throttle_minutes)
    values (pulse_tenant(), ${r.name}, ${r.channelId}, ${r.enabled}, ${r.priority}, ${r.minSeverity}, ${r.alertTypes}::text[],
            ${r.siteIds}::text[], ${r.tags}::text[], ${r.devicePrefixes}::text[], ${r.transitions}::text[], ${r.throttleMinutes})
    returning ${db.unsafe(ROUTE)}`;
  return row!;
}

export async function updateNotificationRoute(db: Db, routeId: string, r: Partial<NotificationRouteFields>): Promise<NotificationRouteRow | undefined> {
  const set = updateSet(db, r);
  if (Object.keys(set).length === 0) return getNotificationRoute(db, routeId);
  const [row] = await db<NotificationRouteRow[]>`update notification_routes set ${db(set)} where route_id = ${routeId} returning ${db.unsafe(ROUTE)}`;
  return row;
}

export async function deleteNotificationRoute(db: Db, routeId: string): Promise<boolean> {
  const rows = await db`delete from notification_routes where route_id = ${routeId} returning 1`;
  return rows.length > 0;
}
