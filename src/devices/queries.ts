/** SQL of the devices domain. */
import type { Db } from "../platform/db";

export interface IngestDeviceRow {
  tenantId: string;
  deviceId: string;
  tenantStatus: string;
  status: string;
  siteId: string | null;
  sensorLimit: number;
  locationSource: string;
  tokenHashes: string[];
  keyMap: Record<string, string>;
  sensorKeys: string[];
}

/** What ingest needs to know about each of many devices, in one round trip. */
export function ingestDevices(db: Db, keys: ReadonlyArray<{ tenant: string; device: string }>): Promise<IngestDeviceRow[]> {
  return db<IngestDeviceRow[]>`
    select d.tenant_id, d.device_id, t.status as tenant_status, d.status, d.site_id, d.sensor_limit, d.location_source,
           coalesce((select array_agg(encode(c.token_hash, 'hex')) from device_credentials c
                     where c.tenant_id = d.tenant_id and c.device_id = d.device_id and c.kind = 'provision_token'
                       and c.revoked_at is null and (c.expires_at is null or c.expires_at > now())), '{}') as token_hashes,
           coalesce((select jsonb_object_agg(e.key, e.value) from device_modules m, jsonb_each_text(m.metric_key_map) e
                     where m.tenant_id = d.tenant_id and m.device_id = d.device_id and m.status = 'active'), '{}') as key_map,
           coalesce((select array_agg(s.metric_key::text) from device_sensors s
                     where s.tenant_id = d.tenant_id and s.device_id = d.device_id), '{}') as sensor_keys
    from unnest(${keys.map((k) => k.tenant)}::text[], ${keys.map((k) => k.device)}::text[]) as k(tenant_id, device_id)
    join device_registry d on d.tenant_id = k.tenant_id and d.device_id = k.device_id
    join tenants t on t.tenant_id = d.tenant_id`;
}
