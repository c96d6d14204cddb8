/**
 * SQL of the operator's cross-tenant views: devices of every tenant, quarantined messages and
 * the operator audit log. Runs as the operator role (no row-level security), so every query
 * names its tenant explicitly when it has one.
 */
import { paged, type Db } from "../platform/db";
import { filterSql, type DeviceFilter } from "../devices/schema";

/** A device in the cross-tenant list: the main registry fields and its connectivity. */
export type FleetDeviceRow = Pick<DeviceRow, "tenantId" | "deviceId" | "siteId" | "displayName" | "status" | "templateId" | "deviceType" | "model" | "fwVersion" | "createdAt" | "updatedAt"> & {
  connectivity: string;
  lastSeenAt: Date | null;
};

export async function listDevices(db: Db, f: DeviceFilter & { tenantId?: string; limit: number; offset: number }): Promise<{ items: FleetDeviceRow[]; total: number }> {
  const rows = await db<(FleetDeviceRow & { total: number })[]>`
    select d.tenant_id, d.device_id, d.site_id, d.display_name, d.status, d.template_id, d.device_type, d.model, d.fw_version,
           coalesce(s.status, 'OFFLINE') as connectivity, s.last_seen_at, d.created_at, d.updated_at,
           count(*) over ()::int as total
    from device_registry d left join device_state s on s.tenant_id = d.tenant_id and s.device_id = d.device_id
    where ${f.tenantId ? db`d.tenant_id = ${f.tenantId}` : db`true`} and ${filterSql(db, f)}
    order by d.tenant_id, d.device_id limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export interface DeviceRow {
  tenantId: string;
  deviceId: string;
  siteId: string | null;
  displayName: string | null;
  status: string;
  templateId: string | null;
  parentDeviceId: string | null;
  deviceType: string | null;
  serialNumber: string | null;
  macAddress: string | null;
  imei: string | null;
  iccid: string | null;
  manufacturer: string | null;
  model: string | null;
  hwRevision: string | null;
  fwVersion: string | null;
  lat: number | null;
  lng: number | null;
  address: string | null;
  locationSource: string;
  sensorLimit: number;
  notes: string | null;
  attributes: Record<string, unknown>;
  decommissionedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DeviceDetail extends DeviceRow {
  modules: { moduleId: string; slotKey: string; busAddress: string | null; moduleTemplateId: string | null; label: string | null; serialNumber: string | null; metricKeyMap: Record<string, string>; status: string; installedAt: Date; removedAt: Date | null }[];
  sensors: { sensorId: string; metricKey: string; displayName: string | null; moduleId: string | null; unit: string | null; minRange: number | null; maxRange: number | null; precisionDigits: number | null; status: string; source: string }[];
  transports: { transportId: string; ingestionProtocol: string; physicalConnectivity: string | null; protocolConfig: Record<string, unknown>; connectivityConfig: Record<string, unknown>; isPrimary: boolean; status: string }[];
  state: {
    status: string;
    lastHeartbeatAt: Date | null;
    lastTelemetryAt: Date | null;
    lastSeenAt: Date | null;
    latestMetrics: Record<string, unknown>;
    desiredState: Record<string, unknown>;
    reportedState: Record<string, unknown>;
    updatedAt: Date;
  } | null;
}

const DEVICE_COLUMNS = `tenant_id, device_id, site_id, display_name, status, template_id, parent_device_id, device_type, serial_number,
  mac_address, imei, iccid, manufacturer, model, hw_revision, fw_version, lat, lng, address, location_source, sensor_limit,
  notes, attributes, decommissioned_at, created_at, updated_at`;

/** A device with its modules, sensors, transports and live state, or undefined. */
export async function deviceDetail(db: Db, tenantId: string, deviceId: string): Promise<DeviceDetail | undefined> {
  const [device] = await db<DeviceRow[]>`
    select ${db.unsafe(DEVICE_COLUMNS)} from device_registry where tenant_id = ${tenantId} and device_id = ${deviceId}`;
  if (!device) return undefined;
  const key = () => db`tenant_id = ${tenantId} and device_id = ${deviceId}`;
  const modules = await db<DeviceDetail["modules"]>`
    select module_id, slot_key, bus_address, module_template_id, label, serial_number, metric_key_map, status, installed_at, removed_at
    from device_modules where ${key()} order by slot_key, bus_address`;
  const sensors = await db<DeviceDetail["sensors"]>`
    select sensor_id, metric_key, display_name, module_id, unit, min_range, max_range, precision_digits, status, source
    from device_sensors where ${key()} order by metric_key`;
  const transports = await db<DeviceDetail["transports"]>`
    select transport_id, ingestion_protocol, physical_connectivity, protocol_config, connectivity_config, is_primary, status
    from device_transports where ${key()} order by is_primary desc, ingestion_protocol`;
  const [state] = await db<NonNullable<DeviceDetail["state"]>[]>`
    select status, last_heartbeat_at, last_telemetry_at, last_seen_at, latest_metrics, desired_state, reported_state, updated_at
    from device_state where ${key()}`;
  return { ...device, modules: [...modules], sensors: [...sensors], transports: [...transports], state: state ?? null };
}

export interface QuarantineRow {
  eventId: number;
  receivedAt: Date;
  eventTs: Date | null;
  tenantId: string | null;
  deviceId: string | null;
  siteId: string | null;
  msgType: string | null;
  source: string;
  topic: string | null;
  reason: string;
  detail: string | null;
  /** At most PAYLOAD_PREVIEW_BYTES of the stored payload. */
  payload: Buffer | null;
  payloadTruncated: boolean;
  payloadSize: number;
}

/** Payloads are cut to this many bytes when listed. */
const PAYLOAD_PREVIEW_BYTES = 2048;

export async function listQuarantine(
  db: Db,
  f: { tenantId?: string; reason?: string; from?: Date; to?: Date; limit: number; offset: number },
): Promise<{ items: QuarantineRow[]; total: number }> {
  const rows = await db<(QuarantineRow & { total: number })[]>`
    select event_id::float8, received_at, event_ts, tenant_id, device_id, site_id, msg_type, source, topic, reason, detail,
           substring(payload from 1 for ${PAYLOAD_PREVIEW_BYTES}) as payload,
           coalesce(octet_length(payload) > ${PAYLOAD_PREVIEW_BYTES}, false) as payload_truncated, payload_size, count(*) over ()::int as total
    from quarantine_events
    where ${f.tenantId ? db`tenant_id = ${f.tenantId}` : db`true`}
      and ${f.reason ? db`reason = ${f.reason}` : db`true`}
      and ${f.from ? db`received_at >= ${f.from}` : db`true`}
      and ${f.to ? db`received_at < ${f.to}` : db`true`}
    order by received_at desc, event_id desc limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

/** Rejections per tenant and reason over the last 24 hours, from the per-minute counters. */
export function quarantineSummary(db: Db): Promise<{ tenantId: string | null; reason: string; count: number }[]> {
  return db`
    select tenant_id, reason, sum(count)::float8 as count from quarantine_counters_minute
    where minute >= now() - interval '24 hours'
    group by tenant_id, reason order by count desc, tenant_id nulls first, reason`;
}

export interface OperatorAuditRow {
  auditId: number;
  time: Date;
  actorId: string;
  action: string;
  targetTenantId: string | null;
  resource: string;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

export async function listOperatorAudit(
  db: Db,
  f: { actorId?: string; tenantId?: string; from?: Date; to?: Date; limit: number; offset: number },
): Promise<{ items: OperatorAuditRow[]; total: number }> {
  const rows = await db<(OperatorAuditRow & { total: number })[]>`
    select audit_id::float8, time, actor_id, action, target_tenant_id, resource, request_id, host(ip) as ip, user_agent, details,
           count(*) over ()::int as total
    from operator_audit_log
    where ${f.actorId ? db`actor_id = ${f.actorId}` : db`true`}
      and ${f.tenantId ? db`target_tenant_id = ${f.tenantId}` : db`true`}
      and ${f.from ? db`time >= ${f.from}` : db`true`}
      and ${f.to ? db`time < ${f.to}` : db`true`}
    order by audit_id desc limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}
