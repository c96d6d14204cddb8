/**
 * SQL of message routes (device messages forwarded by topic and payload). Runs inside a tenant
 * transaction. Destination configs are returned as stored (with secrets); the API masks them.
 */
import { paged, type Db } from "../platform/db";
import { updateSet } from "./channel-queries";

export interface MessageRouteRow {
  routeId: string;
  name: string;
  topicFilter: string;
  payloadFilter: Record<string, unknown>;
  destinationType: "webhook" | "mqtt_republish";
  destinationConfig: Record<string, unknown>;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type MessageRouteFields = Omit<MessageRouteRow, "routeId" | "createdAt" | "updatedAt">;

const ROUTE = "route_id, name, topic_filter, payload_filter, destination_type, destination_config, enabled, created_at, updated_at";

export async function listMessageRoutes(
  db: Db,
  f: { limit: number; offset: number; destinationType?: string; enabled?: boolean },
): Promise<{ items: MessageRouteRow[]; total: number }> {
  const rows = await db<(MessageRouteRow & { total: number })[]>`
    select ${db.unsafe(ROUTE)}, count(*) over ()::int as total from message_routes
    where ${f.destinationType ? db`destination_type = ${f.destinationType}` : db`true`}
      and ${f.enabled === undefined ? db`true` : db`enabled = ${f.enabled}`}
    order by lower(name) limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export async function getMessageRoute(db: Db, routeId: string): Promise<MessageRouteRow | undefined> {
  const [row] = await db<MessageRouteRow[]>`select ${db.unsafe(ROUTE)} from message_routes where route_id = ${routeId}`;
  return row;
}

/** The same row, locked: a PATCH merges secrets into what is stored now. */
export async function lockMessageRoute(db: Db, routeId: string): Promise<MessageRouteRow | undefined> {
  const [row] = await db<MessageRouteRow[]>`select ${db.unsafe(ROUTE)} from message_routes where route_id = ${routeId} for update`;
  return row;
}

export async function insertMessageRoute(db: Db, r: MessageRouteFields): Promise<MessageRouteRow> {
  const [row] = await db<MessageRouteRow[]>`
    insert into message_routes (tenant_id, name, topic_filter, payload_filter, destination_type, destination_config, enabled)
    values (pulse_tenant(), ${r.name}, ${r.topicFilter}, ${db.json(r.payloadFilter as never)}, ${r.destinationType},
            ${db.json(r.destinationConfig as never)}, ${r.enabled})
    returning ${db.unsafe(ROUTE)}`;
  return row!;
}

export async function updateMessageRoute(db: Db, routeId: string, r: Partial<MessageRouteFields>): Promise<MessageRouteRow | undefined> {
  const set = updateSet(db, r, ["payloadFilter", "destinationConfig"]);
  if (Object.keys(set).length === 0) return getMessageRoute(db, routeId);
  const [row] = await db<MessageRouteRow[]>`update message_routes set ${db(set)} where route_id = ${routeId} returning ${db.unsafe(ROUTE)}`;
  return row;
}

export async function deleteMessageRoute(db: Db, routeId: string): Promise<boolean> {
  const rows = await db`delete from message_routes where route_id = ${routeId} returning 1`;
  return rows.length > 0;
}
