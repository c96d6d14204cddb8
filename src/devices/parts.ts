/**
 * SQL and rules of what a device carries: modules in its template's slots, sensors (measurement
 * points, up to the device's sensor_limit) and transports (how it connects, one of them
 * primary). Runs inside a tenant transaction: row-level security scopes every statement.
 */
import type { Db } from "../platform/db";
import { PulseError } from "../platform/errors";

export interface PartsDevice {
  deviceId: string;
  templateId: string | null;
  sensorLimit: number;
}

/**
 * The device whose parts are read or changed; 404 when the caller cannot see it. Writers lock
 * its row so that capacity checks (slot size, sensor limit, one primary transport) cannot race.
 */
export async function requireDevice(db: Db, deviceId: string, o: { lock: boolean }): Promise<PartsDevice> {
  const [row] = await db<PartsDevice[]>`
    select device_id, template_id, sensor_limit from device_registry where device_id = ${deviceId}
    ${o.lock ? db`for no key update` : db``}`;
  if (!row) throw new PulseError("NOT_FOUND", `device ${deviceId} not found`);
  return row;
}

const badField = (path: string, message: string) => new PulseError("BAD_REQUEST", `${path}: ${message}`, { errors: [{ path, message }] });

/** Only the fields that were sent, for `update … set ${db(set)}`. */
const present = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Rows and their total, for a page of a list. */
const paged = <T extends { total: number }>(rows: T[]) => ({ items: rows.map(({ total: _t, ...r }) => r as Omit<T, "total">), total: rows[0]?.total ?? 0 });

interface Page {
  limit: number;
  offset: number;
}

// Modules

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

// Sensors

export const SENSOR_STATUSES = ["active", "inactive", "disabled"] as const;
/** Declared by the template (required/optional) or discovered from telemetry (unmodeled). */
export const SENSOR_SOURCES = ["required", "optional", "unmodeled"] as const;
type SensorStatus = (typeof SENSOR_STATUSES)[number];
type SensorSource = (typeof SENSOR_SOURCES)[number];

export interface SensorRow {
  sensorId: string;
  deviceId: string;
  metricKey: string;
  displayName: string | null;
  templateMetricId: string | null;
  moduleId: string | null;
  unit: string | null;
  minRange: number | null;
  maxRange: number | null;
  precisionDigits: number | null;
  status: SensorStatus;
  source: SensorSource;
  createdAt: Date;
  updatedAt: Date;
}

const SENSOR = `sensor_id, device_id, metric_key, display_name, template_metric_id, module_id, unit, min_range, max_range, precision_digits,
  status, source, created_at, updated_at`;

export interface SensorFilter extends Page {
  deviceId?: string[];
  metricKey?: string;
  source?: SensorSource[];
  status?: SensorStatus[];
}

export async function listSensors(db: Db, f: SensorFilter) {
  const rows = await db<(SensorRow & { total: number })[]>`
    select ${db.unsafe(SENSOR)}, count(*) over ()::int as total from device_sensors
    where ${f.deviceId ? db`device_id = any(${f.deviceId})` : db`true`}
      and ${f.metricKey ? db`metric_key = ${f.metricKey}` : db`true`}
      and ${f.source ? db`source = any(${f.source})` : db`true`}
      and ${f.status ? db`status = any(${f.status})` : db`true`}
    order by device_id, metric_key limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export interface SensorFields {
  displayName?: string | null;
  unit?: string | null;
  minRange?: number | null;
  maxRange?: number | null;
  precisionDigits?: number | null;
  status?: SensorStatus;
}

export interface NewSensor extends SensorFields {
  metricKey: string;
  templateMetricId?: string;
  moduleId?: string;
  source: SensorSource;
}

/**
 * Adds a sensor within the device's sensor_limit (the same limit ingest applies to metrics it
 * discovers). A module must be installed in this device; a template metric must belong to the
 * device's template or to one of its installed modules' templates.
 */
export async function createSensor(db: Db, device: PartsDevice, s: NewSensor): Promise<SensorRow> {
  const [count] = await db<{ n: number }[]>`select count(*)::int as n from device_sensors where device_id = ${device.deviceId}`;
  const n = count!.n;
  if (n >= device.sensorLimit) throw new PulseError("CONFLICT", `device ${device.deviceId} has ${n} sensors, its limit; raise sensorLimit or remove one`);
  if (s.moduleId) {
    const [m] = await db`select 1 from device_modules where module_id = ${s.moduleId} and device_id = ${device.deviceId} and status <> 'removed'`;
    if (!m) throw badField("body.moduleId", `no module ${s.moduleId} is installed in device ${device.deviceId}`);
  }
  if (s.templateMetricId) {
    const [m] = await db`
      select 1 from template_metrics where metric_id = ${s.templateMetricId}
        and (template_id = ${device.templateId}
             or template_id in (select module_template_id from device_modules where device_id = ${device.deviceId} and status <> 'removed'))`;
    if (!m) throw badField("body.templateMetricId", `${s.templateMetricId} is not a metric of this device's template or of its modules`);
  }
  const [row] = await db<SensorRow[]>`
    insert into device_sensors (tenant_id, device_id, metric_key, display_name, template_metric_id, module_id, unit, min_range, max_range,
                                precision_digits, status, source)
    values (pulse_tenant(), ${device.deviceId}, ${s.metricKey}, ${s.displayName ?? null}, ${s.templateMetricId ?? null}, ${s.moduleId ?? null},
            ${s.unit ?? null}, ${s.minRange ?? null}, ${s.maxRange ?? null}, ${s.precisionDigits ?? null}, ${s.status ?? "active"}, ${s.source})
    returning ${db.unsafe(SENSOR)}`;
  return row!;
}

export async function updateSensor(db: Db, deviceId: string, sensorId: string, p: SensorFields): Promise<SensorRow | undefined> {
  const set = present(p);
  const [row] = Object.keys(set).length
    ? await db<SensorRow[]>`update device_sensors set ${db(set)} where sensor_id = ${sensorId} and device_id = ${deviceId} returning ${db.unsafe(SENSOR)}`
    : await db<SensorRow[]>`select ${db.unsafe(SENSOR)} from device_sensors where sensor_id = ${sensorId} and device_id = ${deviceId}`;
  return row;
}

export async function deleteSensor(db: Db, deviceId: string, sensorId: string): Promise<boolean> {
  const rows = await db`delete from device_sensors where sensor_id = ${sensorId} and device_id = ${deviceId} returning 1`;
  return rows.length > 0;
}

// Transports

export const PROTOCOLS = ["mqtt_direct", "http_api", "lorawan", "gateway_proxy", "modbus_rtu"] as const;
export const CONNECTIVITY = ["cellular", "ethernet", "wifi", "satellite", "lora", "other"] as const;
export const TRANSPORT_STATUSES = ["active", "inactive", "failed"] as const;

export interface TransportRow {
  transportId: string;
  deviceId: string;
  ingestionProtocol: (typeof PROTOCOLS)[number];
  physicalConnectivity: (typeof CONNECTIVITY)[number] | null;
  protocolConfig: Record<string, unknown>;
  connectivityConfig: Record<string, unknown>;
  isPrimary: boolean;
  status: (typeof TRANSPORT_STATUSES)[number];
  createdAt: Date;
  updatedAt: Date;
}

const TRANSPORT = `transport_id, device_id, ingestion_protocol, physical_connectivity, protocol_config, connectivity_config, is_primary,
  status, created_at, updated_at`;

export async function listTransports(db: Db, deviceId: string, f: Page) {
  const rows = await db<(TransportRow & { total: number })[]>`
    select ${db.unsafe(TRANSPORT)}, count(*) over ()::int as total from device_transports
    where device_id = ${deviceId} order by is_primary desc, ingestion_protocol limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export interface TransportFields {
  physicalConnectivity?: (typeof CONNECTIVITY)[number] | null;
  protocolConfig?: Record<string, unknown>;
  connectivityConfig?: Record<string, unknown>;
  isPrimary?: boolean;
  status?: (typeof TRANSPORT_STATUSES)[number];
}

/** A device has at most one primary transport: making one primary demotes the others first. */
const demoteOthers = (db: Db, deviceId: string, keep: string | null) =>
  db`update device_transports set is_primary = false where device_id = ${deviceId} and is_primary and transport_id is distinct from ${keep}::uuid`;

const jsonFields = (db: Db, t: TransportFields) => ({
  ...t,
  protocolConfig: t.protocolConfig && db.json(t.protocolConfig as never),
  connectivityConfig: t.connectivityConfig && db.json(t.connectivityConfig as never),
});

export async function createTransport(db: Db, deviceId: string, t: TransportFields & { ingestionProtocol: (typeof PROTOCOLS)[number] }): Promise<TransportRow> {
  if (t.isPrimary) await demoteOthers(db, deviceId, null);
  const [row] = await db<TransportRow[]>`
    insert into device_transports (tenant_id, device_id, ingestion_protocol, physical_connectivity, protocol_config, connectivity_config,
                                   is_primary, status)
    values (pulse_tenant(), ${deviceId}, ${t.ingestionProtocol}, ${t.physicalConnectivity ?? null}, ${db.json((t.protocolConfig ?? {}) as never)},
            ${db.json((t.connectivityConfig ?? {}) as never)}, ${t.isPrimary ?? false}, ${t.status ?? "active"})
    returning ${db.unsafe(TRANSPORT)}`;
  return row!;
}

export async function updateTransport(db: Db, deviceId: string, transportId: string, t: TransportFields): Promise<TransportRow | undefined> {
  const [exists] = await db`select 1 from device_transports where transport_id = ${transportId} and device_id = ${deviceId}`;
  if (!exists) return undefined;
  if (t.isPrimary) await demoteOthers(db, deviceId, transportId);
  const set = present(jsonFields(db, t));
  const [row] = Object.keys(set).length
    ? await db<TransportRow[]>`update device_transports set ${db(set)} where transport_id = ${transportId} returning ${db.unsafe(TRANSPORT)}`
    : await db<TransportRow[]>`select ${db.unsafe(TRANSPORT)} from device_transports where transport_id = ${transportId}`;
  return row;
}

export async function deleteTransport(db: Db, deviceId: string, transportId: string): Promise<boolean> {
  const rows = await db`delete from device_transports where transport_id = ${transportId} and device_id = ${deviceId} returning 1`;
  return rows.length > 0;
}
