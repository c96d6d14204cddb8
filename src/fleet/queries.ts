/** SQL of the fleet overview. Runs inside a tenant transaction: row-level security scopes it. */
import { filterSql, type DeviceFilter } from "../devices/schema";
import type { Db } from "../platform/db";

export interface FleetCounts {
  total: number;
  /** Only the statuses and connectivity values that occur; decommissioned devices have no connectivity. */
  byStatus: Record<string, number>;
  byConnectivity: Record<string, number>;
  sites: number;
  lastTelemetryAt: Date | null;
}

// A device without a state row was never seen: it counts as OFFLINE.
const FROM = `device_registry d left join device_state s on s.tenant_id = d.tenant_id and s.device_id = d.device_id`;

export async function fleetCounts(db: Db): Promise<FleetCounts> {
  const rows = await db<{ status: string; connectivity: string; n: number; lastTelemetryAt: Date | null }[]>`
    select d.status, coalesce(s.status, 'OFFLINE') as connectivity, count(*)::int as n, max(s.last_telemetry_at) as last_telemetry_at
    from ${db.unsafe(FROM)} group by 1, 2`;
  const [sites] = await db<{ n: number }[]>`select count(*)::int as n from sites`;
  const out: FleetCounts = { total: 0, byStatus: {}, byConnectivity: {}, sites: sites!.n, lastTelemetryAt: null };
  for (const r of rows) {
    out.total += r.n;
    out.byStatus[r.status] = (out.byStatus[r.status] ?? 0) + r.n;
    if (r.status !== "DECOMMISSIONED") out.byConnectivity[r.connectivity] = (out.byConnectivity[r.connectivity] ?? 0) + r.n;
    if (r.lastTelemetryAt && (!out.lastTelemetryAt || r.lastTelemetryAt > out.lastTelemetryAt)) out.lastTelemetryAt = r.lastTelemetryAt;
  }
  return out;
}

export interface DeviceStateRow {
  deviceId: string;
  displayName: string | null;
  siteId: string | null;
  connectivity: "ONLINE" | "STALE" | "OFFLINE";
  lastSeenAt: Date | null;
  lastTelemetryAt: Date | null;
  lastHeartbeatAt: Date | null;
  latestMetrics: Record<string, { value: number | boolean | string; time: Date | null }>;
}

export type StateOrder = "deviceId" | "staleFirst";

const ORDER: Record<StateOrder, string> = {
  deviceId: "d.device_id",
  // Devices needing a look first: STALE, then OFFLINE, then ONLINE; the longest silent first within each.
  staleFirst: "case coalesce(s.status, 'OFFLINE') when 'STALE' then 0 when 'OFFLINE' then 1 else 2 end, s.last_seen_at asc nulls first, d.device_id",
};

type StoredMetrics = Record<string, { v: number | boolean | string; t?: string }>;

export async function listDeviceState(db: Db, filter: DeviceFilter, p: { limit: number; offset: number; order: StateOrder }): Promise<{ items: DeviceStateRow[]; total: number }> {
  const rows = await db<(Omit<DeviceStateRow, "latestMetrics"> & { latestMetrics: StoredMetrics; total: number })[]>`
    select d.device_id, d.display_name, d.site_id, coalesce(s.status, 'OFFLINE') as connectivity,
           s.last_seen_at, s.last_telemetry_at, s.last_heartbeat_at, coalesce(s.latest_metrics, '{}') as latest_metrics,
           count(*) over ()::int as total
    from ${db.unsafe(FROM)}
    where ${filterSql(db, filter)}
    order by ${db.unsafe(ORDER[p.order])} limit ${p.limit} offset ${p.offset}`;
  return {
    items: rows.map(({ total: _t, latestMetrics, ...r }) => ({
      ...r,
      latestMetrics: Object.fromEntries(Object.entries(latestMetrics).map(([k, m]) => [k, { value: m.v, time: m.t ? new Date(m.t) : null }])),
    })),
    total: rows[0]?.total ?? 0,
  };
}
