/** SQL of sites. Runs inside a tenant transaction: row-level security scopes every statement. */
import { paged, type Db } from "../platform/db";

export interface SiteRow {
  siteId: string;
  name: string;
  address: string | null;
  lat: number | null;
  lng: number | null;
  timezone: string;
  metadata: Record<string, unknown>;
  deviceCount: number;
  createdAt: Date;
  updatedAt: Date;
}

const SELECT = `s.site_id, s.name, s.address, s.lat, s.lng, s.timezone, s.metadata, s.created_at, s.updated_at,
  (select count(*)::int from device_registry d where d.tenant_id = s.tenant_id and d.site_id = s.site_id) as device_count`;

export async function listSites(db: Db, f: { limit: number; offset: number; search?: string }): Promise<{ items: SiteRow[]; total: number }> {
  const rows = await db<(SiteRow & { total: number })[]>`
    select ${db.unsafe(SELECT)}, count(*) over ()::int as total from sites s
    where ${f.search ? db`(s.site_id ilike ${`%${f.search}%`} or s.name ilike ${`%${f.search}%`})` : db`true`}
    order by s.site_id limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export async function getSite(db: Db, siteId: string): Promise<SiteRow | undefined> {
  const [row] = await db<SiteRow[]>`select ${db.unsafe(SELECT)} from sites s where s.site_id = ${siteId}`;
  return row;
}

type SiteFields = { name?: string; address?: string | null; lat?: number | null; lng?: number | null; timezone?: string; metadata?: Record<string, unknown> };

export async function insertSite(db: Db, s: SiteFields & { siteId: string; name: string }): Promise<SiteRow> {
  await db`
    insert into sites (tenant_id, site_id, name, address, lat, lng, timezone, metadata)
    values (pulse_tenant(), ${s.siteId}, ${s.name}, ${s.address ?? null}, ${s.lat ?? null}, ${s.lng ?? null},
            ${s.timezone ?? "UTC"}, ${db.json((s.metadata ?? {}) as never)})`;
  return (await getSite(db, s.siteId))!;
}

export async function updateSite(db: Db, siteId: string, s: SiteFields): Promise<SiteRow | undefined> {
  const set = Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined));
  if (set.metadata) set.metadata = db.json(set.metadata as never) as never;
  if (Object.keys(set).length > 0) {
    const rows = await db`update sites set ${db(set)} where site_id = ${siteId} returning 1`;
    if (rows.length === 0) return undefined;
  }
  return getSite(db, siteId);
}

export async function deleteSite(db: Db, siteId: string): Promise<"deleted" | "missing" | "in-use"> {
  const [inUse] = await db`select 1 from device_registry where site_id = ${siteId} limit 1`;
  if (inUse) return "in-use";
  const rows = await db`delete from sites where site_id = ${siteId} returning 1`;
  return rows.length ? "deleted" : "missing";
}
