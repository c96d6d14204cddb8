/** Devices: the tenant's registry, with live connectivity, tags and provisioning on creation. */
import { z } from "zod";
import { revokeAllTokens } from "../../../devices/credentials";
import { CONNECTIVITY, DEVICE_STATUSES, DeviceFilter } from "../../../devices/schema";
import * as q from "../../../devices/registry";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import { route } from "../../api/route";
import { DevicePatch, NewDevice } from "../../api/bodies/devices";
import { Deleted, DeviceId, page, PageQuery, SiteId, Timestamp, Uuid } from "../../api/schemas";

export const DeviceParams = z.object({ deviceId: DeviceId });
export const deviceNotFound = (deviceId: string) => new PulseError("NOT_FOUND", `device ${deviceId} not found`);

export const DeviceItem = z.object({
  deviceId: DeviceId,
  displayName: z.string().nullable(),
  siteId: SiteId.nullable(),
  status: z.enum(DEVICE_STATUSES),
  templateId: Uuid.nullable(),
  parentDeviceId: DeviceId.nullable(),
  deviceType: z.string().nullable(),
  serialNumber: z.string().nullable(),
  model: z.string().nullable(),
  manufacturer: z.string().nullable(),
  fwVersion: z.string().nullable(),
  lat: z.number().nullable(),
  lng: z.number().nullable(),
  locationSource: z.enum(["auto", "manual"]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  decommissionedAt: Timestamp.nullable(),
  tags: z.array(z.string()),
  state: z.object({ connectivity: z.enum(CONNECTIVITY), lastSeenAt: Timestamp.nullable(), lastTelemetryAt: Timestamp.nullable(), lastHeartbeatAt: Timestamp.nullable() }),
});

export const DeviceDetail = DeviceItem.extend({
  macAddress: z.string().nullable(),
  imei: z.string().nullable(),
  iccid: z.string().nullable(),
  meid: z.string().nullable(),
  hwRevision: z.string().nullable(),
  boardRevision: z.string().nullable(),
  bootloaderVersion: z.string().nullable(),
  modemModel: z.string().nullable(),
  modemFwVersion: z.string().nullable(),
  chipset: z.string().nullable(),
  batchId: z.string().nullable(),
  deploymentDate: z.string().nullable(),
  address: z.string().nullable(),
  sensorLimit: z.number().int(),
  notes: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  template: z.object({ templateId: Uuid, name: z.string(), category: z.string() }).nullable(),
  latestMetrics: z.record(z.string(), z.unknown()).describe("Each metric's latest value and time, e.g. {temp_c: {v: 21.5, t: …}}"),
});

const Credentials = z.object({
  provisionToken: z.string().describe("Shown only in this response"),
  mqtt: z.object({ username: z.string(), password: z.string(), topicPrefix: z.string() }),
  http: z.object({ url: z.string(), header: z.string() }),
});

/** How a new device connects: the same token as MQTT password or HTTP header. */
const credentialsFor = (tenantId: string, deviceId: string, token: string) => ({
  provisionToken: token,
  mqtt: { username: `${tenantId}/${deviceId}`, password: token, topicPrefix: `tenant/${tenantId}/device/${deviceId}/` },
  http: { url: `/ingest/v1/tenant/${tenantId}/device/${deviceId}/telemetry`, header: "X-Provision-Token" },
});

const badRef = (field: string, message: string) => new PulseError("BAD_REQUEST", `${field}: ${message}`, { errors: [{ path: `body.${field}`, message }] });

/** Rejects references to sites, templates or parents the tenant cannot see (another tenant's look missing too). */
async function checkRefs(tx: Tx, b: { siteId?: string | null; templateId?: string | null; parentDeviceId?: string | null }): Promise<void> {
  const refs = await q.existingRefs(tx, { siteIds: b.siteId ? [b.siteId] : [], templateIds: b.templateId ? [b.templateId] : [], deviceIds: b.parentDeviceId ? [b.parentDeviceId] : [] });
  if (b.siteId && !refs.sites.has(b.siteId)) throw badRef("siteId", `site ${b.siteId} not found`);
  if (b.templateId && !refs.templates.has(b.templateId)) throw badRef("templateId", `template ${b.templateId} not found`);
  if (b.parentDeviceId && !refs.devices.has(b.parentDeviceId)) throw badRef("parentDeviceId", `device ${b.parentDeviceId} not found`);
}

const getOr404 = async (tx: Tx, deviceId: string) => (await q.getDevice(tx, deviceId)) ?? Promise.reject(deviceNotFound(deviceId));

export const deviceRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/devices",
    summary: "List devices, filtered and sorted, with tags and live connectivity",
    tag: "devices",
    access: "tenant-read",
    query: PageQuery.extend(DeviceFilter.shape).extend({
      sort: z.enum(Object.keys(q.SORTS) as [keyof typeof q.SORTS]).default("deviceId"),
      order: z.enum(["asc", "desc"]).default("asc"),
    }),
    response: page(DeviceItem),
    handler: async ({ read, query }) => ({ ...(await q.listDevices(read, query)), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/devices",
    summary: "Register a device; the response carries its provision token, shown only once",
    tag: "devices",
    access: "tenant-write",
    body: NewDevice,
    example: { deviceId: "pump-17", displayName: "Pump 17", siteId: "site-1", serialNumber: "SN-0017", tags: ["north"], lat: 52.1, lng: 4.3 },
    response: DeviceDetail.extend({ credentials: Credentials }),
    status: 201,
    handler: async ({ tenant, tenantId, body, principal, audit }) =>
      tenant(async (tx) => {
        await checkRefs(tx, body);
        const [issued] = await q.createDevices(tx, tenantId, [body], principal?.subject ?? null);
        await audit(tx, { action: "device.created", entityType: "device", entityId: body.deviceId, details: { templateId: body.templateId ?? null, siteId: body.siteId ?? null } });
        const device = (await q.getDevice(tx, body.deviceId))!;
        return { ...device, credentials: credentialsFor(tenantId, body.deviceId, issued!.token) };
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId",
    summary: "Get a device with all registry fields, its template and latest metrics",
    tag: "devices",
    access: "tenant-read",
    params: DeviceParams,
    response: DeviceDetail,
    handler: async ({ read, params }) => q.toDetail((await read((db) => q.deviceDetailQuery(db, params.deviceId)))[0]) ?? Promise.reject(deviceNotFound(params.deviceId)),
  }),
  route({
    method: "patch",
    path: "/api/v1/customer/devices/:deviceId",
    summary: "Change registry fields (tags and decommissioning have their own routes)",
    tag: "devices",
    access: "tenant-write",
    params: DeviceParams,
    body: DevicePatch,
    example: { displayName: "Pump 17 (north)", status: "INACTIVE", lat: 52.2, lng: 4.4 },
    response: DeviceDetail,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        const { deviceId } = params;
        if (!(await q.deviceStatus(tx, deviceId, { lock: true }))) throw deviceNotFound(deviceId);
        await checkRefs(tx, body);
        if (body.parentDeviceId && (await q.wouldLoop(tx, deviceId, body.parentDeviceId))) {
          throw badRef("parentDeviceId", `device ${body.parentDeviceId} reports through ${deviceId}; that would make a loop`);
        }
        await q.updateDevice(tx, deviceId, body);
        if (Object.keys(body).length > 0) await audit(tx, { action: "device.updated", entityType: "device", entityId: deviceId, details: { fields: Object.keys(body) } });
        return getOr404(tx, deviceId);
      }),
  }),
  route({
    method: "patch",
    path: "/api/v1/customer/devices/:deviceId/decommission",
    summary: "Decommission a device: it stops being accepted and all its provision tokens are revoked",
    tag: "devices",
    access: "tenant-write",
    params: DeviceParams,
    response: DeviceDetail.extend({ revokedTokens: z.number().int() }),
    handler: async ({ tenant, tenantId, params, audit }) =>
      tenant(async (tx) => {
        const { deviceId } = params;
        const r = await q.decommissionDevice(tx, deviceId);
        if (r === "missing") throw deviceNotFound(deviceId);
        if (r === "already") throw new PulseError("CONFLICT", `device ${deviceId} is already decommissioned`);
        const revokedTokens = await revokeAllTokens(tx, tenantId, deviceId);
        await audit(tx, { action: "device.decommissioned", entityType: "device", entityId: deviceId, details: { revokedTokens } });
        return { ...(await getOr404(tx, deviceId)), revokedTokens };
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/devices/:deviceId",
    summary: "Delete a device with its sensors, state, credentials and tags; its children lose their parent",
    tag: "devices",
    access: "tenant-write",
    params: DeviceParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        if (!(await q.deleteDevice(tx, params.deviceId))) throw deviceNotFound(params.deviceId);
        await audit(tx, { action: "device.deleted", entityType: "device", entityId: params.deviceId });
        return { deleted: true as const };
      }),
  }),
];
