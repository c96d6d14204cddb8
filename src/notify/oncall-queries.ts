/** SQL of on-call schedules, their rotation layers and overrides. Runs inside a tenant transaction. */
import { paged, type Db } from "../platform/db";
import { updateSet } from "./channel-queries";
import type { Layer, Override, Responder } from "./oncall";

export interface ScheduleRow {
  scheduleId: string;
  name: string;
  description: string | null;
  timezone: string;
  createdAt: Date;
  updatedAt: Date;
}

export type LayerRow = Layer & { createdAt: Date };
export type OverrideRow = Override & { createdAt: Date };
export type LayerFields = Omit<Layer, "layerId">;

const SCHEDULE = "schedule_id, name, description, timezone, created_at, updated_at";
const LAYER = 'layer_id, name, layer_order as "order", rotation, shift_hours, starts_at, responders, created_at';
const OVERRIDE = "override_id, responder, starts_at, ends_at, reason, created_at";

export async function listSchedules(db: Db, f: { limit: number; offset: number }): Promise<{ items: ScheduleRow[]; total: number }> {
  const rows = await db<(ScheduleRow & { total: number })[]>`
    select ${db.unsafe(SCHEDULE)}, count(*) over ()::int as total from oncall_schedules
    order by lower(name) limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export async function getSchedule(db: Db, scheduleId: string): Promise<ScheduleRow | undefined> {
  const [row] = await db<ScheduleRow[]>`select ${db.unsafe(SCHEDULE)} from oncall_schedules where schedule_id = ${scheduleId}`;
  return row;
}

/** The schedule with its layers (lowest order first) and overrides (by start). */
export async function getScheduleDetail(db: Db, scheduleId: string): Promise<(ScheduleRow & { layers: LayerRow[]; overrides: OverrideRow[] }) | undefined> {
  const schedule = await getSchedule(db, scheduleId);
  if (!schedule) return undefined;
  const layers = await db<LayerRow[]>`select ${db.unsafe(LAYER)} from oncall_layers where schedule_id = ${scheduleId} order by layer_order, created_at`;
  const overrides = await db<OverrideRow[]>`select ${db.unsafe(OVERRIDE)} from oncall_overrides where schedule_id = ${scheduleId} order by starts_at, created_at`;
  return { ...schedule, layers, overrides };
}

/** Which of these schedule ids the tenant has. */
export async function existingSchedules(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db<{ scheduleId: string }[]>`select schedule_id from oncall_schedules where schedule_id = any(${ids}::uuid[])`;
  return new Set(rows.map((r) => r.scheduleId));
}

export async function insertSchedule(db: Db, s: { name: string; description: string | null; timezone: string }): Promise<ScheduleRow> {
  const [row] = await db<ScheduleRow[]>`
    insert into oncall_schedules (tenant_id, name, description, timezone)
    values (pulse_tenant(), ${s.name}, ${s.description}, ${s.timezone}) returning ${db.unsafe(SCHEDULE)}`;
  return row!;
}

export async function updateSchedule(db: Db, scheduleId: string, s: { name?: string; description?: string | null; timezone?: string }): Promise<ScheduleRow | undefined> {
  const set = updateSet(db, s);
  if (Object.keys(set).length === 0) return getSchedule(db, scheduleId);
  const [row] = await db<ScheduleRow[]>`update oncall_schedules set ${db(set)} where schedule_id = ${scheduleId} returning ${db.unsafe(SCHEDULE)}`;
  return row;
}

export async function deleteSchedule(db: Db, scheduleId: string): Promise<boolean> {
  const rows = await db`delete from oncall_schedules where schedule_id = ${scheduleId} returning 1`;
  return rows.length > 0;
}

/** Layers and overrides change what the schedule means: its updated_at moves with them. */
async function touchSchedule(db: Db, scheduleId: string): Promise<void> {
  await db`update oncall_schedules set updated_at = now() where schedule_id = ${scheduleId}`;
}

export async function getLayer(db: Db, scheduleId: string, layerId: string): Promise<LayerRow | undefined> {
  const [row] = await db<LayerRow[]>`select ${db.unsafe(LAYER)} from oncall_layers where schedule_id = ${scheduleId} and layer_id = ${layerId}`;
  return row;
}

export async function insertLayer(db: Db, scheduleId: string, l: LayerFields): Promise<LayerRow> {
  const [row] = await db<LayerRow[]>`
    insert into oncall_layers (tenant_id, schedule_id, name, layer_order, rotation, shift_hours, starts_at, responders)
    values (pulse_tenant(), ${scheduleId}, ${l.name}, ${l.order}, ${l.rotation}, ${l.shiftHours}, ${l.startsAt}, ${db.json(l.responders as never)})
    returning ${db.unsafe(LAYER)}`;
  await touchSchedule(db, scheduleId);
  return row!;
}

export async function updateLayer(db: Db, scheduleId: string, layerId: string, l: LayerFields): Promise<LayerRow | undefined> {
  const [row] = await db<LayerRow[]>`
    update oncall_layers set name = ${l.name}, layer_order = ${l.order}, rotation = ${l.rotation}, shift_hours = ${l.shiftHours},
           starts_at = ${l.startsAt}, responders = ${db.json(l.responders as never)}
    where schedule_id = ${scheduleId} and layer_id = ${layerId} returning ${db.unsafe(LAYER)}`;
  if (row) await touchSchedule(db, scheduleId);
  return row;
}

export async function deleteLayer(db: Db, scheduleId: string, layerId: string): Promise<boolean> {
  const rows = await db`delete from oncall_layers where schedule_id = ${scheduleId} and layer_id = ${layerId} returning 1`;
  if (rows.length > 0) await touchSchedule(db, scheduleId);
  return rows.length > 0;
}

export async function insertOverride(
  db: Db,
  scheduleId: string,
  o: { responder: Responder; startsAt: Date; endsAt: Date; reason: string | null },
): Promise<OverrideRow> {
  const [row] = await db<OverrideRow[]>`
    insert into oncall_overrides (tenant_id, schedule_id, responder, starts_at, ends_at, reason)
    values (pulse_tenant(), ${scheduleId}, ${db.json(o.responder as never)}, ${o.startsAt}, ${o.endsAt}, ${o.reason})
    returning ${db.unsafe(OVERRIDE)}`;
  await touchSchedule(db, scheduleId);
  return row!;
}

export async function deleteOverride(db: Db, scheduleId: string, overrideId: string): Promise<boolean> {
  const rows = await db`delete from oncall_overrides where schedule_id = ${scheduleId} and override_id = ${overrideId} returning 1`;
  if (rows.length > 0) await touchSchedule(db, scheduleId);
  return rows.length > 0;
}
