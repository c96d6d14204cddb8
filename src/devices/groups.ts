/**
 * Device groups. A static group lists its members; a dynamic group stores a device filter and
 * its members are whatever matches now (the same query as the device list). SQL runs inside
 * a tenant transaction, so row-level security scopes it.
 */
import { paged, type Db } from "../platform/db";
import { DeviceFilter, filterSql } from "./schema";

export interface GroupRow {
  groupId: string;
  name: string;
  description: string | null;
  kind: "static" | "dynamic";
  filter: DeviceFilter | null;
  memberCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface MemberRow {
  deviceId: string;
  displayName: string | null;
  siteId: string | null;
  status: string;
  connectivity: string;
}

type Stored = Omit<GroupRow, "memberCount">;
const COLUMNS = "group_id, name, description, kind, filter, created_at, updated_at";

const FROM = "device_registry d left join device_state s on s.tenant_id = d.tenant_id and s.device_id = d.device_id";

async function memberCount(db: Db, g: Stored): Promise<number> {
  const [row] =
    g.kind === "static"
      ? await db<{ n: number }[]>`select count(*)::int as n from device_group_members where group_id = ${g.groupId}`
      : await db<{ n: number }[]>`select count(*)::int as n from ${db.unsafe(FROM)} where ${filterSql(db, DeviceFilter.parse(g.filter))}`;
  return row!.n;
}

const withCount = async (db: Db, g: Stored): Promise<GroupRow> => ({ ...g, memberCount: await memberCount(db, g) });

export async function listGroups(db: Db, f: { limit: number; offset: number; kind?: "static" | "dynamic" }): Promise<{ items: GroupRow[]; total: number }> {
  const rows = await db<(Stored & { total: number })[]>`
    select ${db.unsafe(COLUMNS)}, count(*) over ()::int as total from device_groups
    where ${f.kind ? db`kind = ${f.kind}` : db`true`}
    order by lower(name) limit ${f.limit} offset ${f.offset}`;
  const items = await Promise.all(rows.map(({ total: _t, ...g }) => withCount(db, g)));
  return { items, total: rows[0]?.total ?? 0 };
}

async function stored(db: Db, groupId: string): Promise<Stored | undefined> {
  const [row] = await db<Stored[]>`select ${db.unsafe(COLUMNS)} from device_groups where group_id = ${groupId}`;
  return row;
}

export async function getGroup(db: Db, groupId: string): Promise<GroupRow | undefined> {
  const g = await stored(db, groupId);
  return g && withCount(db, g);
}

export async function insertGroup(db: Db, g: { name: string; description?: string | null; kind: "static" | "dynamic"; filter?: DeviceFilter; deviceIds?: string[] }): Promise<GroupRow> {
  const [row] = await db<Stored[]>`
    insert into device_groups (tenant_id, name, description, kind, filter)
    values (pulse_tenant(), ${g.name}, ${g.description ?? null}, ${g.kind}, ${g.kind === "dynamic" ? db.json((g.filter ?? {}) as never) : null})
    returning ${db.unsafe(COLUMNS)}`;
  if (g.deviceIds?.length) await addMembers(db, row!.groupId, g.deviceIds);
  return withCount(db, row!);
}

export async function updateGroup(db: Db, groupId: string, g: { name?: string; description?: string | null; filter?: DeviceFilter }): Promise<GroupRow | undefined> {
  const set: Record<string, unknown> = {};
  if (g.name !== undefined) set.name = g.name;
  if (g.description !== undefined) set.description = g.description;
  if (g.filter !== undefined) set.filter = db.json(g.filter as never);
  if (Object.keys(set).length) await db`update device_groups set ${db(set)} where group_id = ${groupId}`;
  return getGroup(db, groupId);
}

export async function deleteGroup(db: Db, groupId: string): Promise<boolean> {
  return (await db`delete from device_groups where group_id = ${groupId} returning 1`).length > 0;
}

/** Adds devices to a static group, all or none: returns the ids that are not the tenant's devices. */
export async function addMembers(db: Db, groupId: string, deviceIds: string[]): Promise<string[]> {
  const [found] = await db<{ ids: string[] }[]>`
    select coalesce(array_agg(device_id::text), '{}') as ids from device_registry where device_id = any(${deviceIds})`;
  const known = new Set(found!.ids);
  const unknown = deviceIds.filter((id) => !known.has(id));
  if (unknown.length) return unknown;
  await db`
    insert into device_group_members (tenant_id, group_id, device_id)
    select pulse_tenant(), ${groupId}, unnest(${deviceIds}::text[]) on conflict do nothing`;
  return [];
}

export async function removeMember(db: Db, groupId: string, deviceId: string): Promise<boolean> {
  return (await db`delete from device_group_members where group_id = ${groupId} and device_id = ${deviceId} returning 1`).length > 0;
}

export async function listMembers(db: Db, g: GroupRow, p: { limit: number; offset: number }): Promise<{ items: MemberRow[]; total: number }> {
  const where =
    g.kind === "static"
      ? db`exists (select from device_group_members m where m.group_id = ${g.groupId} and m.device_id = d.device_id)`
      : filterSql(db, DeviceFilter.parse(g.filter));
  const rows = await db<(MemberRow & { total: number })[]>`
    select d.device_id, d.display_name, d.site_id, d.status, coalesce(s.status, 'OFFLINE') as connectivity, count(*) over ()::int as total
    from ${db.unsafe(FROM)} where ${where}
    order by d.device_id limit ${p.limit} offset ${p.offset}`;
  return paged(rows);
}

/**
 * Every dynamic group's current members in one tenant, for workers that run outside a tenant
 * transaction (the evaluator scopes rules by group). Membership is as of the call.
 */
export async function dynamicGroupMembers(db: Db, tenantId: string): Promise<Array<{ groupId: string; deviceId: string }>> {
  const groups = await db<{ groupId: string; filter: unknown }[]>`
    select group_id, filter from device_groups where tenant_id = ${tenantId} and kind = 'dynamic'`;
  const out: Array<{ groupId: string; deviceId: string }> = [];
  for (const g of groups) {
    const parsed = DeviceFilter.safeParse(g.filter);
    if (!parsed.success) continue;
    const rows = await db<{ deviceId: string }[]>`
      select d.device_id from ${db.unsafe(FROM)} where d.tenant_id = ${tenantId} and ${filterSql(db, parsed.data)}`;
    for (const r of rows) out.push({ groupId: g.groupId, deviceId: r.deviceId });
  }
  return out;
}
