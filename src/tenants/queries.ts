/**
 * SQL of tenants. Operators run these across tenants (asOperator); a tenant reads and edits
 * its own profile through the same functions inside its RLS-scoped transaction.
 */
import { paged, type Db } from "../platform/db";

export type TenantStatus = "ACTIVE" | "SUSPENDED" | "DELETED";

export interface TenantRow {
  tenantId: string;
  name: string;
  status: TenantStatus;
  contactEmail: string | null;
  legalName: string | null;
  industry: string | null;
  country: string | null;
  dataRegion: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

export interface TenantWithStats extends TenantRow {
  stats: { devices: number; sites: number; users: number };
}

export interface TenantFields {
  name?: string;
  contactEmail?: string | null;
  legalName?: string | null;
  industry?: string | null;
  country?: string | null;
  dataRegion?: string | null;
  metadata?: Record<string, unknown>;
}

const COLUMNS = `t.tenant_id, t.name, t.status, t.contact_email, t.legal_name, t.industry, t.country, t.data_region,
  t.metadata, t.created_at, t.updated_at, t.deleted_at`;

const STATS = `json_build_object(
  'devices', (select count(*) from device_registry d where d.tenant_id = t.tenant_id),
  'sites', (select count(*) from sites s where s.tenant_id = t.tenant_id),
  'users', (select count(*) from users u where u.tenant_id = t.tenant_id)) as stats`;

export interface TenantListFilter {
  status?: TenantStatus[];
  includeDeleted?: boolean;
  search?: string;
  limit: number;
  offset: number;
}

export async function listTenants(db: Db, f: TenantListFilter): Promise<{ items: TenantWithStats[]; total: number }> {
  // DELETED tenants stay out of the list unless asked for by status or includeDeleted.
  const status = f.status ? db`t.status = any(${f.status})` : f.includeDeleted ? db`true` : db`t.status <> 'DELETED'`;
  const rows = await db<(TenantWithStats & { total: number })[]>`
    select ${db.unsafe(COLUMNS)}, ${db.unsafe(STATS)}, count(*) over ()::int as total from tenants t
    where ${status}
      and ${f.search ? db`(t.tenant_id ilike ${`%${f.search}%`} or t.name ilike ${`%${f.search}%`} or t.legal_name ilike ${`%${f.search}%`})` : db`true`}
    order by t.tenant_id limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export async function getTenant(db: Db, tenantId: string): Promise<TenantWithStats | undefined> {
  const [row] = await db<TenantWithStats[]>`select ${db.unsafe(COLUMNS)}, ${db.unsafe(STATS)} from tenants t where t.tenant_id = ${tenantId}`;
  return row;
}

export async function insertTenant(db: Db, t: TenantFields & { tenantId: string; name: string }): Promise<TenantWithStats> {
  await db`
    insert into tenants (tenant_id, name, contact_email, legal_name, industry, country, data_region, metadata)
    values (${t.tenantId}, ${t.name}, ${t.contactEmail ?? null}, ${t.legalName ?? null}, ${t.industry ?? null},
            ${t.country ?? null}, ${t.dataRegion ?? null}, ${db.json((t.metadata ?? {}) as never)})`;
  return (await getTenant(db, t.tenantId))!;
}

/** Changes profile fields and, for operators, the status (ACTIVE or SUSPENDED; deleting is separate). */
export async function updateTenant(db: Db, tenantId: string, t: TenantFields & { status?: "ACTIVE" | "SUSPENDED" }): Promise<TenantWithStats | undefined> {
  const set: Record<string, unknown> = Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined));
  if (set.metadata) set.metadata = db.json(set.metadata as never);
  if (Object.keys(set).length > 0) await db`update tenants set ${db(set)} where tenant_id = ${tenantId}`;
  return getTenant(db, tenantId);
}

/** Soft delete: the rows stay until an operator purges the tenant. */
export async function softDeleteTenant(db: Db, tenantId: string): Promise<"deleted" | "missing" | "already"> {
  const [row] = await db<{ status: TenantStatus }[]>`select status from tenants where tenant_id = ${tenantId} for update`;
  if (!row) return "missing";
  if (row.status === "DELETED") return "already";
  await db`update tenants set status = 'DELETED', deleted_at = now() where tenant_id = ${tenantId}`;
  return "deleted";
}

export interface TenantStats {
  devicesByStatus: Record<string, number>;
  devicesByConnectivity: Record<string, number>;
  sites: number;
  users: number;
  telemetryRows24h: number;
  quarantineEvents24h: number;
  lastTelemetryAt: Date | null;
}

export async function tenantStats(db: Db, tenantId: string): Promise<TenantStats> {
  // Telemetry is counted over the last day only, so the scan touches just the newest partitions.
  const [row] = await db<TenantStats[]>`
    select
      coalesce((select json_object_agg(status, n) from (select status, count(*)::int as n from device_registry
                where tenant_id = ${tenantId} group by status) x), '{}') as devices_by_status,
      coalesce((select json_object_agg(status, n) from (select coalesce(s.status, 'OFFLINE') as status, count(*)::int as n
                from device_registry d left join device_state s on s.tenant_id = d.tenant_id and s.device_id = d.device_id
                where d.tenant_id = ${tenantId} and d.status <> 'DECOMMISSIONED' group by 1) x), '{}') as devices_by_connectivity,
      (select count(*)::int from sites where tenant_id = ${tenantId}) as sites,
      (select count(*)::int from users where tenant_id = ${tenantId}) as users,
      (select count(*)::int from telemetry where tenant_id = ${tenantId} and time >= now() - interval '24 hours') as telemetry_rows24h,
      (select count(*)::int from quarantine_events where tenant_id = ${tenantId} and received_at >= now() - interval '24 hours') as quarantine_events24h,
      (select max(last_telemetry_at) from device_state where tenant_id = ${tenantId}) as last_telemetry_at`;
  return row!;
}

export interface PlatformSummary {
  tenantsByStatus: Record<string, number>;
  devices: number;
  devicesByConnectivity: Record<string, number>;
}

export async function platformSummary(db: Db): Promise<PlatformSummary> {
  const [row] = await db<PlatformSummary[]>`
    select
      coalesce((select json_object_agg(status, n) from (select status, count(*)::int as n from tenants group by status) x), '{}') as tenants_by_status,
      (select count(*)::int from device_registry where status <> 'DECOMMISSIONED') as devices,
      coalesce((select json_object_agg(status, n) from (select coalesce(s.status, 'OFFLINE') as status, count(*)::int as n
                from device_registry d left join device_state s on s.tenant_id = d.tenant_id and s.device_id = d.device_id
                where d.status <> 'DECOMMISSIONED' group by 1) x), '{}') as devices_by_connectivity`;
  return row!;
}
