/** SQL of the tenant audit log. Runs inside a tenant transaction: row-level security scopes it. */
import { paged, type Db } from "../platform/db";

export interface AuditRow {
  auditId: number;
  time: Date;
  category: string;
  action: string;
  severity: "info" | "warning" | "critical";
  entityType: string | null;
  entityId: string | null;
  entityName: string | null;
  message: string | null;
  details: Record<string, unknown>;
  actorType: "user" | "device" | "system" | "operator";
  actorId: string | null;
  actorName: string | null;
  ip: string | null;
  requestId: string | null;
}

export interface AuditFilter {
  limit: number;
  offset: number;
  from?: Date;
  to?: Date;
  category?: string[];
  action?: string[];
  entityType?: string;
  entityId?: string;
  actorId?: string;
}

/** Newest first; `from` inclusive, `to` exclusive. */
export async function listAudit(db: Db, f: AuditFilter): Promise<{ items: AuditRow[]; total: number }> {
  const parts = [db`true`];
  if (f.from) parts.push(db`time >= ${f.from}`);
  if (f.to) parts.push(db`time < ${f.to}`);
  if (f.category) parts.push(db`category = any(${f.category})`);
  if (f.action) parts.push(db`action = any(${f.action})`);
  if (f.entityType) parts.push(db`entity_type = ${f.entityType}`);
  if (f.entityId) parts.push(db`entity_id = ${f.entityId}`);
  if (f.actorId) parts.push(db`actor_id = ${f.actorId}`);
  const rows = await db<(AuditRow & { total: number })[]>`
    select audit_id::float8 as audit_id, time, category, action, severity, entity_type, entity_id, entity_name, message, details,
           actor_type, actor_id, actor_name, host(ip) as ip, request_id, count(*) over ()::int as total
    from audit_log
    where ${parts.reduce((acc, p) => db`${acc} and ${p}`)}
    order by time desc, audit_id desc limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}
