/**
 * SQL of the device registry and device tags for the customer API. Runs inside a tenant
 * transaction: row-level security scopes every statement, so another tenant's devices,
 * sites and templates read as missing.
 */
import { paged, type Db, type RunStatement } from "../platform/db";
import { issueToken } from "./credentials";
import { filterSql, type DEVICE_STATUSES, type DeviceFilter } from "./schema";

type Connectivity = "ONLINE" | "STALE" | "OFFLINE";
type EditableStatus = "ACTIVE" | "INACTIVE" | "SUSPENDED";

/** Registry columns a caller may set (camelCase; the column transform maps them). */
export interface DeviceFields {
  displayName?: string | null;
  siteId?: string | null;
  templateId?: string | null;
  parentDeviceId?: string | null;
  status?: EditableStatus;
  deviceType?: string | null;
  serialNumber?: string | null;
  macAddress?: string | null;
  imei?: string | null;
  iccid?: string | null;
  meid?: string | null;
  manufacturer?: string | null;
  model?: string | null;
  hwRevision?: string | null;
  boardRevision?: string | null;
  fwVersion?: string | null;
  bootloaderVersion?: string | null;
  modemModel?: string | null;
  modemFwVersion?: string | null;
  chipset?: string | null;
  batchId?: string | null;
  /** YYYY-MM-DD. */
  deploymentDate?: string | null;
  lat?: number | null;
  lng?: number | null;
  address?: string | null;
  locationSource?: "auto" | "manual";
  sensorLimit?: number;
  notes?: string | null;
  attributes?: Record<string, unknown>;
}

export interface NewDevice extends DeviceFields {
  deviceId: string;
  tags?: string[];
}

export interface DeviceItem {
  deviceId: string;
  displayName: string | null;
  siteId: string | null;
  status: (typeof DEVICE_STATUSES)[number];
  templateId: string | null;
  parentDeviceId: string | null;
  deviceType: string | null;
  serialNumber: string | null;
  model: string | null;
  manufacturer: string | null;
  fwVersion: string | null;
  lat: number | null;
  lng: number | null;
  locationSource: "auto" | "manual";
  createdAt: Date;
  updatedAt: Date;
  decommissionedAt: Date | null;
  tags: string[];
  state: { connectivity: Connectivity; lastSeenAt: Date | null; lastTelemetryAt: Date | null; lastHeartbeatAt: Date | null };
}

export interface DeviceDetail extends DeviceItem {
  macAddress: string | null;
  imei: string | null;
  iccid: string | null;
  meid: string | null;
  hwRevision: string | null;
  boardRevision: string | null;
  bootloaderVersion: string | null;
  modemModel: string | null;
  modemFwVersion: string | null;
  chipset: string | null;
  batchId: string | null;
  deploymentDate: string | null;
  address: string | null;
  sensorLimit: number;
  notes: string | null;
  attributes: Record<string, unknown>;
  template: { templateId: string; name: string; category: string } | null;
  latestMetrics: Record<string, unknown>;
}

const ITEM_COLUMNS = `d.device_id, d.display_name, d.site_id, d.status, d.template_id, d.parent_device_id, d.device_type,
  d.serial_number, d.model, d.manufacturer, d.fw_version, d.lat, d.lng, d.location_source, d.created_at, d.updated_at,
  d.decommissioned_at, coalesce(s.status, 'OFFLINE') as connectivity, s.last_seen_at, s.last_telemetry_at, s.last_heartbeat_at`;
const DETAIL_COLUMNS = `d.mac_address, d.imei, d.iccid, d.meid, d.hw_revision, d.board_revision, d.bootloader_version, d.modem_model,
  d.modem_fw_version, d.chipset, d.batch_id, d.deployment_date::text as deployment_date, d.address, d.sensor_limit, d.notes,
  d.attributes, tp.name as template_name, tp.category as template_category, coalesce(s.latest_metrics, '{}') as latest_metrics`;
const TAGS = (alias: string) =>
  `array(select t.tag from device_tags t where t.tenant_id = ${alias}.tenant_id and t.device_id = ${alias}.device_id order by t.tag) as tags`;
const FROM = "device_registry d left join device_state s on (s.tenant_id, s.device_id) = (d.tenant_id, d.device_id)";

type FlatItem = Omit<DeviceItem, "state"> & DeviceItem["state"];

function toItem<T extends FlatItem>(r: T): Omit<T, keyof DeviceItem["state"]> & Pick<DeviceItem, "state"> {
  const { connectivity, lastSeenAt, lastTelemetryAt, lastHeartbeatAt, ...rest } = r;
  return { ...rest, state: { connectivity, lastSeenAt, lastTelemetryAt, lastHeartbeatAt } };
}

export const SORTS = { deviceId: "device_id", displayName: "display_name", createdAt: "created_at", lastSeenAt: "last_seen_at" } as const;

interface ListOptions extends DeviceFilter {
  limit: number;
  offset: number;
  sort: keyof typeof SORTS;
  order: "asc" | "desc";
}

/**
 * One page of devices. The page is cut from narrow rows first (ids and the window count, with
 * device_state joined only when a filter or the sort needs it); only the page's rows are then
 * read in full and get their tags, so the cost tracks the page size, not the fleet's width.
 */
export async function listDevices(run: RunStatement, o: ListOptions): Promise<{ items: DeviceItem[]; total: number }> {
  const dir = o.order === "desc" ? "desc" : "asc";
  // device_id is unique and not null; the other keys need it as a tie-break and put missing values last.
  const orderBy = o.sort === "deviceId" ? `d.device_id ${dir}` : `${o.sort === "lastSeenAt" ? "s" : "d"}.${SORTS[o.sort]} ${dir} nulls last, d.device_id`;
  const needsState = o.connectivity !== undefined || o.sort === "lastSeenAt";
  const rows = await run((db) => db<(FlatItem & { total: number })[]>`
    with page as (
      select d.tenant_id, d.device_id, count(*) over ()::int as total
      from ${db.unsafe(needsState ? FROM : "device_registry d")}
      where ${filterSql(db, o)}
      order by ${db.unsafe(orderBy)}
      limit ${o.limit} offset ${o.offset}
    )
    select ${db.unsafe(ITEM_COLUMNS)}, page.total, ${db.unsafe(TAGS("d"))}
    from page
    -- "offset 0" keeps this a key lookup per page row; joined plainly, the planner tends to hash the whole registry.
    cross join lateral (select * from device_registry d where (d.tenant_id, d.device_id) = (page.tenant_id, page.device_id) offset 0) d
    left join device_state s on (s.tenant_id, s.device_id) = (d.tenant_id, d.device_id)
    order by ${db.unsafe(orderBy)}`);
  // Past the last page the window count has no row to ride on; count separately then.
  const total = rows[0]?.total ?? (o.offset > 0 ? await countDevices(run, o, needsState) : 0);
  return { items: rows.map(({ total: _t, ...r }) => toItem(r)), total };
}

async function countDevices(run: RunStatement, f: DeviceFilter, needsState: boolean): Promise<number> {
  const [row] = await run((db) => db<{ n: number }[]>`select count(*)::int as n from ${db.unsafe(needsState ? FROM : "device_registry d")} where ${filterSql(db, f)}`);
  return row!.n;
}

type DetailRow = FlatItem & Omit<DeviceDetail, keyof DeviceItem | "template"> & { templateName: string | null; templateCategory: string | null };

/** The one statement behind a device's detail: GET /devices/:id runs it alone, in one round trip. */
export const deviceDetailQuery = (db: Db, deviceId: string) => db<DetailRow[]>`
    select ${db.unsafe(ITEM_COLUMNS)}, ${db.unsafe(DETAIL_COLUMNS)}, ${db.unsafe(TAGS("d"))}
    from ${db.unsafe(FROM)} left join device_templates tp on tp.template_id = d.template_id
    where d.device_id = ${deviceId}`;

export const getDevice = async (db: Db, deviceId: string): Promise<DeviceDetail | undefined> => toDetail((await deviceDetailQuery(db, deviceId))[0]);

export function toDetail(row: DetailRow | undefined): DeviceDetail | undefined {
  if (!row) return undefined;
  const { templateName, templateCategory, ...rest } = row;
  const template = rest.templateId && templateName ? { templateId: rest.templateId, name: templateName, category: templateCategory! } : null;
  return { ...toItem(rest), template };
}

/** Which of the given sites, templates (own or system) and devices the tenant can see. */
export async function existingRefs(db: Db, o: { siteIds: string[]; templateIds: string[]; deviceIds: string[] }): Promise<{ sites: Set<string>; templates: Set<string>; devices: Set<string> }> {
  const [row] = await db<{ sites: string[]; templates: string[]; devices: string[] }[]>`
    select array(select site_id::text from sites where site_id = any(${o.siteIds}::text[])) as sites,
           array(select template_id::text from device_templates where template_id = any(${o.templateIds}::uuid[])) as templates,
           array(select device_id::text from device_registry where device_id = any(${o.deviceIds}::text[])) as devices`;
  return { sites: new Set(row!.sites), templates: new Set(row!.templates), devices: new Set(row!.devices) };
}

/** Whether making `parentId` the parent of `deviceId` would put the device among its own ancestors. */
export async function wouldLoop(db: Db, deviceId: string, parentId: string): Promise<boolean> {
  const [row] = await db<{ loop: boolean }[]>`
    with recursive chain(device_id, depth) as (
      select ${parentId}::text, 0
      union all
      select d.parent_device_id::text, c.depth + 1 from device_registry d
      join chain c on d.device_id = c.device_id
      where d.parent_device_id is not null and c.depth < 64
    )
    select exists (select from chain where device_id = ${deviceId}) as loop`;
  return row!.loop;
}

const EDITABLE: (keyof DeviceFields)[] = [
  "displayName", "siteId", "templateId", "parentDeviceId", "status", "deviceType", "serialNumber", "macAddress", "imei", "iccid", "meid",
  "manufacturer", "model", "hwRevision", "boardRevision", "fwVersion", "bootloaderVersion", "modemModel", "modemFwVersion", "chipset",
  "batchId", "deploymentDate", "lat", "lng", "address", "locationSource", "sensorLimit", "notes", "attributes",
];

/** Sensors the device's template requires and the device lacks (a new device, or a new template). */
async function addRequiredSensors(db: Db, deviceIds: string[]): Promise<void> {
  await db`
    insert into device_sensors (tenant_id, device_id, metric_key, display_name, unit, min_range, max_range, precision_digits, template_metric_id, source)
    select d.tenant_id, d.device_id, m.metric_key, m.display_name, m.unit, m.min_value, m.max_value, m.precision_digits, m.metric_id, 'required'
    from device_registry d join template_metrics m on m.template_id = d.template_id and m.is_required
    where d.device_id = any(${deviceIds}::text[])
    on conflict (tenant_id, device_id, metric_key) do nothing`;
}

/**
 * Registers devices with their required sensors, an OFFLINE state row, their tags and one
 * provision token each; returns the tokens (shown once, never stored in clear).
 */
export async function createDevices(db: Db, tenantId: string, devices: NewDevice[], createdBy: string | null): Promise<{ deviceId: string; token: string }[]> {
  const rows = devices.map((d) => {
    const row: Record<string, unknown> = { tenantId, deviceId: d.deviceId };
    for (const k of EDITABLE) row[k] = d[k] ?? null;
    row.status = d.status ?? "ACTIVE";
    row.locationSource = d.locationSource ?? (d.lat != null ? "manual" : "auto");
    row.sensorLimit = d.sensorLimit ?? 20;
    row.attributes = db.json((d.attributes ?? {}) as never);
    return row;
  });
  const ids = devices.map((d) => d.deviceId);
  await db`insert into device_registry ${db(rows as Record<string, never>[])}`;
  await addRequiredSensors(db, ids);
  await db`insert into device_state (tenant_id, device_id, status) select pulse_tenant(), unnest(${ids}::text[]), 'OFFLINE'`;
  const tagged = devices.flatMap((d) => [...new Set(d.tags ?? [])].map((tag) => [d.deviceId, tag] as const));
  if (tagged.length > 0) {
    await db`
      insert into device_tags (tenant_id, device_id, tag)
      select pulse_tenant(), * from unnest(${tagged.map((t) => t[0])}::text[], ${tagged.map((t) => t[1])}::text[])`;
  }
  // Issued concurrently: postgres.js pipelines them on the transaction's connection.
  return Promise.all(ids.map(async (deviceId) => ({ deviceId, token: (await issueToken(db, { tenantId, deviceId, createdBy })).token })));
}

/**
 * Changes registry fields; returns false when the device does not exist. Coordinates pin the
 * location ('manual') unless the caller says otherwise; a new status lifts a decommissioning.
 */
export async function updateDevice(db: Db, deviceId: string, f: DeviceFields): Promise<boolean> {
  const set: Record<string, unknown> = Object.fromEntries(Object.entries(f).filter(([k, v]) => v !== undefined && EDITABLE.includes(k as keyof DeviceFields)));
  if (f.lat != null && f.locationSource === undefined) set.locationSource = "manual";
  if (f.status !== undefined) set.decommissionedAt = null;
  if (f.attributes) set.attributes = db.json(f.attributes as never);
  if (Object.keys(set).length === 0) return (await db`select 1 from device_registry where device_id = ${deviceId}`).length > 0;
  const rows = await db`update device_registry set ${db(set)} where device_id = ${deviceId} returning 1`;
  if (rows.length === 0) return false;
  if (f.templateId) await addRequiredSensors(db, [deviceId]);
  return true;
}

/** Marks a device decommissioned: "missing", "already" (decommissioned before) or "done". */
export async function decommissionDevice(db: Db, deviceId: string): Promise<"missing" | "already" | "done"> {
  const rows = await db`
    update device_registry set status = 'DECOMMISSIONED', decommissioned_at = now()
    where device_id = ${deviceId} and status <> 'DECOMMISSIONED' returning 1`;
  if (rows.length > 0) return "done";
  return (await db`select 1 from device_registry where device_id = ${deviceId}`).length > 0 ? "already" : "missing";
}

/** The device's registry status (optionally locked against concurrent changes); undefined when missing. */
export async function deviceStatus(db: Db, deviceId: string, o: { lock?: boolean } = {}): Promise<DeviceItem["status"] | undefined> {
  const [row] = await db<Pick<DeviceItem, "status">[]>`
    select status from device_registry where device_id = ${deviceId} ${o.lock ? db`for update` : db``}`;
  return row?.status;
}

/** Deletes a device and everything hanging off it; its children lose their parent. */
export async function deleteDevice(db: Db, deviceId: string): Promise<boolean> {
  return (await db`delete from device_registry where device_id = ${deviceId} returning 1`).length > 0;
}

/** The device's tags (sorted), or undefined when the device does not exist. */
export async function deviceTags(db: Db, deviceId: string): Promise<string[] | undefined> {
  const [row] = await db<{ tags: string[] }[]>`select ${db.unsafe(TAGS("d"))} from device_registry d where d.device_id = ${deviceId}`;
  return row?.tags;
}

/** Adds tags the device lacks; returns those added. */
export async function addTags(db: Db, deviceId: string, tags: string[]): Promise<string[]> {
  const rows = await db<{ tag: string }[]>`
    insert into device_tags (tenant_id, device_id, tag) select pulse_tenant(), ${deviceId}, unnest(${tags}::text[])
    on conflict do nothing returning tag`;
  return rows.map((r) => r.tag);
}

/** Removes the given tags (all others with `except`); returns those removed. */
export async function removeTags(db: Db, deviceId: string, o: { only: string[] } | { except: string[] }): Promise<string[]> {
  const which = "only" in o ? db`tag = any(${o.only}::text[])` : db`tag <> all(${o.except}::text[])`;
  const rows = await db<{ tag: string }[]>`delete from device_tags where device_id = ${deviceId} and ${which} returning tag`;
  return rows.map((r) => r.tag);
}

export async function listTags(db: Db, o: { limit: number; offset: number; search?: string }): Promise<{ items: { tag: string; deviceCount: number }[]; total: number }> {
  const rows = await db<{ tag: string; deviceCount: number; total: number }[]>`
    select tag, count(*)::int as device_count, count(*) over ()::int as total from device_tags
    where ${o.search ? db`strpos(lower(tag), lower(${o.search})) > 0` : db`true`}
    group by tag order by tag limit ${o.limit} offset ${o.offset}`;
  return paged(rows);
}
