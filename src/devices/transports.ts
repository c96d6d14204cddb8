/** Transports: how a device connects; at most one is primary. Runs inside a tenant transaction. */
import { paged, type Db } from "../platform/db";
import { present, type Page } from "./parts";

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
