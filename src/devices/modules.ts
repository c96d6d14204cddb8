/** Modules installed in a device's template slots: slot, compatibility and capacity checks. Runs inside a tenant transaction. */
import { paged, type Db } from "../platform/db";
import { PulseError } from "../platform/errors";
import { badField, present, type PartsDevice, type Page } from "./parts";

export const MODULE_STATUSES = ["active", "inactive", "removed"] as const;
type ModuleStatus = (typeof MODULE_STATUSES)[number];

export interface ModuleRow {
  moduleId: string;
  deviceId: string;
  slotKey: string;
  busAddress: string | null;
  moduleTemplateId: string | null;
  label: string | null;
  serialNumber: string | null;
  metricKeyMap: Record<string, string>;
  status: ModuleStatus;
  installedAt: Date;
  removedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const MODULE = `module_id, device_id, slot_key, bus_address, module_template_id, label, serial_number, metric_key_map, status,
  installed_at, removed_at, created_at, updated_at`;

export async function listModules(db: Db, deviceId: string, f: Page & { status?: ModuleStatus[] }) {
  const rows = await db<(ModuleRow & { total: number })[]>`
    select ${db.unsafe(MODULE)}, count(*) over ()::int as total from device_modules
    where device_id = ${deviceId} and ${f.status ? db`status = any(${f.status})` : db`status <> 'removed'`}
    order by slot_key, bus_address nulls first, installed_at limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export async function getModule(db: Db, deviceId: string, moduleId: string): Promise<ModuleRow | undefined> {
  const [row] = await db<ModuleRow[]>`select ${db.unsafe(MODULE)} from device_modules where module_id = ${moduleId} and device_id = ${deviceId}`;
  return row;
}

export interface NewModule {
  slotKey: string;
  moduleTemplateId?: string;
  busAddress?: string;
  label?: string;
  serialNumber?: string;
  metricKeyMap?: Record<string, string>;
}

/**
 * Installs a module in a slot of the device's template: the slot must exist, the module must
 * be one the slot lists (when it lists any), the position (slot and bus address) must be free,
 * and the slot may hold at most max_devices installed (not removed) modules.
 */
export async function installModule(db: Db, device: PartsDevice, m: NewModule): Promise<ModuleRow> {
  if (!device.templateId) throw badField("body.slotKey", `device ${device.deviceId} has no template, so it has no slots`);
  const [slot] = await db<{ maxDevices: number; compatible: string[] }[]>`
    select s.max_devices, array(select x.module_template_id::text from template_slot_modules x where x.slot_id = s.slot_id) as compatible
    from template_slots s where s.template_id = ${device.templateId} and s.slot_key = ${m.slotKey}`;
  if (!slot) {
    const keys = await db<{ slotKey: string }[]>`select slot_key from template_slots where template_id = ${device.templateId} order by sort_order, slot_key`;
    throw badField("body.slotKey", `the device's template has no slot ${m.slotKey}; its slots: ${keys.map((k) => k.slotKey).join(", ") || "none"}`);
  }
  if (slot.compatible.length > 0 && !slot.compatible.includes(m.moduleTemplateId ?? "")) {
    throw badField("body.moduleTemplateId", `slot ${m.slotKey} takes only these module templates: ${slot.compatible.join(", ")}`);
  }
  if (m.moduleTemplateId && slot.compatible.length === 0) {
    const [module] = await db`select 1 from device_templates where template_id = ${m.moduleTemplateId} and category = 'expansion_module'`;
    if (!module) throw badField("body.moduleTemplateId", `${m.moduleTemplateId} is not an expansion-module template`);
  }
  const [use] = await db<{ installed: number; taken: boolean }[]>`
    select count(*)::int as installed, coalesce(bool_or(coalesce(bus_address, '') = ${m.busAddress ?? ""}), false) as taken
    from device_modules where device_id = ${device.deviceId} and slot_key = ${m.slotKey} and status <> 'removed'`;
  if (use!.taken) {
    throw new PulseError("CONFLICT", `slot ${m.slotKey} already has a module at bus address ${m.busAddress ?? "(none)"}; give each module its own busAddress`);
  }
  if (use!.installed >= slot.maxDevices) throw new PulseError("CONFLICT", `slot ${m.slotKey} is full: it holds ${slot.maxDevices} module(s)`);
  const [row] = await db<ModuleRow[]>`
    insert into device_modules (tenant_id, device_id, slot_key, bus_address, module_template_id, label, serial_number, metric_key_map)
    values (pulse_tenant(), ${device.deviceId}, ${m.slotKey}, ${m.busAddress ?? null}, ${m.moduleTemplateId ?? null}, ${m.label ?? null},
            ${m.serialNumber ?? null}, ${db.json(m.metricKeyMap ?? {})})
    returning ${db.unsafe(MODULE)}`;
  return row!;
}

export interface ModulePatch {
  label?: string | null;
  serialNumber?: string | null;
  busAddress?: string | null;
  metricKeyMap?: Record<string, string>;
  status?: "active" | "inactive";
}

/** Changes an installed module; a removed one is history and stays as it was (409). */
export async function updateModule(db: Db, deviceId: string, moduleId: string, p: ModulePatch): Promise<ModuleRow | undefined> {
  const current = await getModule(db, deviceId, moduleId);
  if (!current) return undefined;
  if (current.status === "removed") throw new PulseError("CONFLICT", `module ${moduleId} was removed; install a new one`);
  const set = present({ ...p, metricKeyMap: p.metricKeyMap && db.json(p.metricKeyMap) });
  if (Object.keys(set).length === 0) return current;
  const [row] = await db<ModuleRow[]>`
    update device_modules set ${db(set)} where module_id = ${moduleId} and device_id = ${deviceId} returning ${db.unsafe(MODULE)}`;
  return row;
}

/** Marks a module removed (kept as history); undefined when there is none, 409 when already removed. */
export async function removeModule(db: Db, deviceId: string, moduleId: string): Promise<ModuleRow | undefined> {
  const current = await getModule(db, deviceId, moduleId);
  if (!current) return undefined;
  if (current.status === "removed") throw new PulseError("CONFLICT", `module ${moduleId} is already removed`);
  const [row] = await db<ModuleRow[]>`
    update device_modules set status = 'removed', removed_at = now() where module_id = ${moduleId} and device_id = ${deviceId}
    returning ${db.unsafe(MODULE)}`;
  return row;
}
