/** SQL of maintenance windows, under the caller's row-level security. */
import { paged, type Db } from "../platform/db";
import type { Recurrence } from "./maintenance";
import type { RuleScope } from "./rules";

export interface WindowRow {
  windowId: string;
  name: string;
  enabled: boolean;
  startsAt: Date;
  endsAt: Date | null;
  recurrence: Recurrence | null;
  scope: RuleScope;
  createdAt: Date;
  updatedAt: Date;
}

export interface WindowFields {
  name: string;
  enabled: boolean;
  startsAt: Date;
  endsAt: Date | null;
  recurrence: Recurrence | null;
  scope: RuleScope;
}

const COLUMNS = "window_id, name, enabled, starts_at, ends_at, recurrence, scope, created_at, updated_at";

export async function listWindows(db: Db, f: { enabled?: boolean; search?: string; limit: number; offset: number }): Promise<{ items: WindowRow[]; total: number }> {
  const like = f.search ? `%${f.search.replace(/[\\%_]/g, "\\$&")}%` : null;
  const rows = await db<(WindowRow & { total: number })[]>`
    select ${db.unsafe(COLUMNS)}, count(*) over ()::int as total from maintenance_windows
    where ${f.enabled === undefined ? db`true` : db`enabled = ${f.enabled}`} and ${like ? db`name ilike ${like}` : db`true`}
    order by starts_at desc, window_id limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

/** `lock` keeps a concurrent change from being lost between reading and writing a window. */
export async function getWindow(db: Db, windowId: string, o: { lock?: boolean } = {}): Promise<WindowRow | undefined> {
  const [row] = await db<WindowRow[]>`select ${db.unsafe(COLUMNS)} from maintenance_windows where window_id = ${windowId} ${o.lock ? db`for update` : db``}`;
  return row;
}

const jsonOrNull = (db: Db, v: object | null) => (v === null ? null : db.json(v as never));

export async function insertWindow(db: Db, w: WindowFields): Promise<WindowRow> {
  const [row] = await db<WindowRow[]>`
    insert into maintenance_windows (tenant_id, name, enabled, starts_at, ends_at, recurrence, scope)
    values (pulse_tenant(), ${w.name}, ${w.enabled}, ${w.startsAt}, ${w.endsAt}, ${jsonOrNull(db, w.recurrence)}, ${db.json(w.scope as never)})
    returning ${db.unsafe(COLUMNS)}`;
  return row!;
}

/** Writes every field (the caller merged the change into the current window). */
export async function updateWindow(db: Db, windowId: string, w: WindowFields): Promise<WindowRow | undefined> {
  const [row] = await db<WindowRow[]>`
    update maintenance_windows set name = ${w.name}, enabled = ${w.enabled}, starts_at = ${w.startsAt}, ends_at = ${w.endsAt},
      recurrence = ${jsonOrNull(db, w.recurrence)}, scope = ${db.json(w.scope as never)}
    where window_id = ${windowId} returning ${db.unsafe(COLUMNS)}`;
  return row;
}

export async function deleteWindow(db: Db, windowId: string): Promise<boolean> {
  const rows = await db`delete from maintenance_windows where window_id = ${windowId} returning 1`;
  return rows.length > 0;
}
