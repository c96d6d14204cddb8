/**
 * What operators look at across tenants: devices, quarantined messages and the operator audit
 * log. Every call is itself recorded in the operator audit log.
 */
import { z } from "zod";
import { DeviceFilter } from "../../../devices/schema";
import { PulseError } from "../../../platform/errors";
import { route } from "../../api/route";
import { DeviceId, page, PageQuery, TenantId, Timestamp, Uuid } from "../../api/schemas";
import * as inv from "../../../tenants/inventory";
import { getTenant } from "../../../tenants/queries";

const obj = z.record(z.string(), z.unknown());
const When = z.iso.datetime({ offset: true, error: "expected an ISO 8601 time such as 2026-01-31T12:00:00Z" }).transform((s) => new Date(s));
const Range = { from: When.optional(), to: When.optional() };

const FleetDevice = z.object({
  tenantId: TenantId,
  deviceId: DeviceId,
  siteId: z.string().nullable(),
  displayName: z.string().nullable(),
  status: z.string(),
  templateId: Uuid.nullable(),
  deviceType: z.string().nullable(),
  model: z.string().nullable(),
  fwVersion: z.string().nullable(),
  connectivity: z.string(),
  lastSeenAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const DeviceDetail = FleetDevice.omit({ connectivity: true, lastSeenAt: true }).extend({
  parentDeviceId: z.string().nullable(),
  serialNumber: z.string().nullable(),
  macAddress: z.string().nullable(),
  imei: z.string().nullable(),
  iccid: z.string().nullable(),
  manufacturer: z.string().nullable(),
  hwRevision: z.string().nullable(),
  lat: z.number().nullable(),
  lng: z.number().nullable(),
  address: z.string().nullable(),
  locationSource: z.string(),
  sensorLimit: z.number().int(),
  notes: z.string().nullable(),
  attributes: obj,
  decommissionedAt: Timestamp.nullable(),
  modules: z.array(z.object({
    moduleId: Uuid, slotKey: z.string(), busAddress: z.string().nullable(), moduleTemplateId: Uuid.nullable(), label: z.string().nullable(),
    serialNumber: z.string().nullable(), metricKeyMap: z.record(z.string(), z.string()), status: z.string(), installedAt: Timestamp, removedAt: Timestamp.nullable(),
  })),
  sensors: z.array(z.object({
    sensorId: Uuid, metricKey: z.string(), displayName: z.string().nullable(), moduleId: Uuid.nullable(), unit: z.string().nullable(),
    minRange: z.number().nullable(), maxRange: z.number().nullable(), precisionDigits: z.number().int().nullable(), status: z.string(), source: z.string(),
  })),
  transports: z.array(z.object({
    transportId: Uuid, ingestionProtocol: z.string(), physicalConnectivity: z.string().nullable(), protocolConfig: obj, connectivityConfig: obj,
    isPrimary: z.boolean(), status: z.string(),
  })),
  state: z.object({
    status: z.string(), lastHeartbeatAt: Timestamp.nullable(), lastTelemetryAt: Timestamp.nullable(), lastSeenAt: Timestamp.nullable(),
    latestMetrics: obj, desiredState: obj, reportedState: obj, updatedAt: Timestamp,
  }).nullable(),
});

const QuarantineEvent = z.object({
  eventId: z.number().int(),
  receivedAt: Timestamp,
  eventTs: Timestamp.nullable(),
  tenantId: TenantId.nullable(),
  deviceId: z.string().nullable(),
  siteId: z.string().nullable(),
  msgType: z.string().nullable(),
  source: z.string(),
  topic: z.string().nullable(),
  reason: z.string(),
  detail: z.string().nullable(),
  payloadSize: z.number().int(),
  /** The first 2 KB of the message: text when it is UTF-8, base64 otherwise. */
  payload: z.object({ encoding: z.enum(["utf-8", "base64"]), data: z.string(), truncated: z.boolean() }).nullable(),
});

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Quarantine keeps payloads byte for byte (provision tokens already redacted); show them readably. */
function preview(bytes: Buffer | null, truncated: boolean): z.input<typeof QuarantineEvent>["payload"] {
  if (!bytes) return null;
  // A cut may split a multi-byte character: drop up to three trailing bytes before calling it binary.
  for (let cut = 0; cut <= (truncated ? 3 : 0); cut++) {
    try {
      return { encoding: "utf-8", data: utf8.decode(bytes.subarray(0, bytes.length - cut)), truncated };
    } catch {}
  }
  return { encoding: "base64", data: bytes.toString("base64"), truncated };
}

const DeviceQuery = PageQuery.extend(DeviceFilter.shape);
const TenantParams = z.object({ tenantId: TenantId });
const tenantNotFound = (tenantId: string) => new PulseError("NOT_FOUND", `tenant ${tenantId} not found`);

export const inventoryRoutes = [
  route({
    method: "get",
    path: "/api/v1/operator/devices",
    summary: "Devices of every tenant (the customer device filters, plus tenantId)",
    tag: "operator",
    access: "operator-read",
    query: DeviceQuery.extend({ tenantId: TenantId.optional() }),
    response: page(FleetDevice),
    handler: async ({ operator, query }) => ({ ...(await operator("device.list", query.tenantId ?? null, (tx) => inv.listDevices(tx, query))), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "get",
    path: "/api/v1/operator/tenants/:tenantId/devices",
    summary: "A tenant's devices",
    tag: "operator",
    access: "operator-read",
    params: TenantParams,
    query: DeviceQuery,
    response: page(FleetDevice),
    handler: async ({ operator, params, query }) => ({
      ...(await operator("device.list", params.tenantId, async (tx) => {
        if (!(await getTenant(tx, params.tenantId))) throw tenantNotFound(params.tenantId);
        return inv.listDevices(tx, { ...query, tenantId: params.tenantId });
      })),
      limit: query.limit,
      offset: query.offset,
    }),
  }),
  route({
    method: "get",
    path: "/api/v1/operator/tenants/:tenantId/devices/:deviceId",
    summary: "A device of a tenant, with its modules, sensors, transports and live state",
    tag: "operator",
    access: "operator-read",
    params: z.object({ tenantId: TenantId, deviceId: DeviceId }),
    response: DeviceDetail,
    handler: async ({ operator, params }) =>
      (await operator("device.read", params.tenantId, (tx) => inv.deviceDetail(tx, params.tenantId, params.deviceId))) ??
      Promise.reject(new PulseError("NOT_FOUND", `device ${params.deviceId} of tenant ${params.tenantId} not found`)),
  }),
  route({
    method: "get",
    path: "/api/v1/operator/quarantine",
    summary: "Rejected device messages, newest first, with a readable preview of each payload",
    tag: "operator",
    access: "operator-read",
    query: PageQuery.extend({ tenantId: TenantId.optional(), reason: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, { error: "expected a reason code such as MISSING_SITE_ID" }).optional(), ...Range }),
    response: page(QuarantineEvent),
    handler: async ({ operator, query }) => {
      const { items, total } = await operator("quarantine.list", query.tenantId ?? null, (tx) => inv.listQuarantine(tx, query));
      return { items: items.map(({ payload, payloadTruncated, ...e }) => ({ ...e, payload: preview(payload, payloadTruncated) })), total, limit: query.limit, offset: query.offset };
    },
  }),
  route({
    method: "get",
    path: "/api/v1/operator/quarantine/summary",
    summary: "Rejections per tenant and reason over the last 24 hours",
    tag: "operator",
    access: "operator-read",
    response: z.object({ items: z.array(z.object({ tenantId: TenantId.nullable(), reason: z.string(), count: z.number().int() })) }),
    handler: async ({ operator }) => ({ items: await operator("quarantine.summary", null, (tx) => inv.quarantineSummary(tx)) }),
  }),
  route({
    method: "get",
    path: "/api/v1/operator/audit-log",
    summary: "Who among the operators looked at or changed what (operator-admin only)",
    tag: "operator",
    access: "operator-write",
    query: PageQuery.extend({ actorId: z.string().min(1).max(200).optional(), tenantId: TenantId.optional(), ...Range }),
    response: page(z.object({
      auditId: z.number().int(),
      time: Timestamp,
      actorId: z.string(),
      action: z.string(),
      targetTenantId: TenantId.nullable(),
      resource: z.string(),
      requestId: z.string().nullable(),
      ip: z.string().nullable(),
      userAgent: z.string().nullable(),
      details: obj,
    })),
    handler: async ({ operator, query }) => ({ ...(await operator("audit.list", query.tenantId ?? null, (tx) => inv.listOperatorAudit(tx, query))), limit: query.limit, offset: query.offset }),
  }),
];
