/** SQL of the delivery log the console shows: one row per (alert transition, channel) sent or tried. */
import { paged, type Db } from "../platform/db";

export type DeliveryStatus = "PENDING" | "SENT" | "FAILED" | "DEAD";

export interface DeliveryLogRow {
  deliveryId: number;
  alertId: number | null;
  channelId: string | null;
  channelName: string | null;
  channelType: string;
  transition: string;
  level: number;
  recipients: string[];
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  responseStatus: number | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface DeliveryLogFilter {
  limit: number;
  offset: number;
  alertId?: number;
  channelId?: string;
  status?: DeliveryStatus[];
  from?: Date;
  to?: Date;
}

/** Newest first; `from` inclusive, `to` exclusive, on created_at. */
export async function listDeliveries(db: Db, f: DeliveryLogFilter): Promise<{ items: DeliveryLogRow[]; total: number }> {
  const parts = [db`true`];
  if (f.alertId !== undefined) parts.push(db`d.alert_id = ${f.alertId}`);
  if (f.channelId) parts.push(db`d.channel_id = ${f.channelId}`);
  if (f.status) parts.push(db`d.status = any(${f.status}::text[])`);
  if (f.from) parts.push(db`d.created_at >= ${f.from}`);
  if (f.to) parts.push(db`d.created_at < ${f.to}`);
  const rows = await db<(DeliveryLogRow & { total: number })[]>`
    select d.delivery_id::float8 as delivery_id, d.alert_id::float8 as alert_id, d.channel_id, c.name as channel_name, d.channel_type,
           d.transition, d.level, d.recipients, d.status, d.attempts, d.last_error, d.response_status, d.created_at, d.sent_at,
           count(*) over ()::int as total
    from notification_deliveries d left join notification_channels c on c.channel_id = d.channel_id
    where ${parts.reduce((acc, p) => db`${acc} and ${p}`)}
    order by d.created_at desc, d.delivery_id desc limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}
