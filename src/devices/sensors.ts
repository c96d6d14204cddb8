/** Sensors: a device's measurement points, up to its sensor_limit. Runs inside a tenant transaction. */
import { paged, type Db } from "../platform/db";
import { PulseError } from "../platform/errors";
import { badField, present, type PartsDevice, type Page } from "./parts";

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
