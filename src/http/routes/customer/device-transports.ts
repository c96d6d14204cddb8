/** How a device connects. At most one transport is primary; making one primary demotes the rest. */
import { z } from "zod";
import { PulseError } from "../../../platform/errors";
import { route } from "../../api/route";
import { Deleted, DeviceId, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";
import * as parts from "../../../devices/transports";
import { requireDevice } from "../../../devices/parts";
import * as bodies from "../../api/bodies/device-parts";

const { PROTOCOLS, CONNECTIVITY, TRANSPORT_STATUSES: STATUSES } = parts;
// The bodies' browser-safe copies of these enums must stay the domain's.
PROTOCOLS satisfies typeof bodies.PROTOCOLS;
CONNECTIVITY satisfies typeof bodies.CONNECTIVITY;
STATUSES satisfies typeof bodies.TRANSPORT_STATUSES;
const JsonObject = z.record(z.string(), z.unknown());

const Transport = z.object({
  transportId: Uuid,
  deviceId: z.string(),
  ingestionProtocol: z.enum(PROTOCOLS),
  physicalConnectivity: z.enum(CONNECTIVITY).nullable(),
  protocolConfig: JsonObject,
  connectivityConfig: JsonObject,
  isPrimary: z.boolean(),
  status: z.enum(STATUSES),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const DeviceParams = z.object({ deviceId: DeviceId });
const TransportParams = DeviceParams.extend({ transportId: Uuid });
const notFound = (transportId: string) => new PulseError("NOT_FOUND", `transport ${transportId} not found on this device`);

export const deviceTransportRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/transports",
    summary: "List a device's transports, the primary first",
    tag: "devices",
    access: "tenant-read",
    params: DeviceParams,
    query: PageQuery,
    response: page(Transport),
    handler: async ({ tenant, params, query }) =>
      tenant(async (tx) => {
        await requireDevice(tx, params.deviceId, { lock: false });
        return { ...(await parts.listTransports(tx, params.deviceId, query)), limit: query.limit, offset: query.offset };
      }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/devices/:deviceId/transports",
    summary: "Add a transport to a device",
    tag: "devices",
    access: "tenant-write",
    params: DeviceParams,
    body: bodies.NewTransport,
    example: { ingestionProtocol: "http_api", physicalConnectivity: "wifi", isPrimary: true },
    response: Transport,
    status: 201,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        await requireDevice(tx, params.deviceId, { lock: true });
        const t = await parts.createTransport(tx, params.deviceId, body);
        await audit(tx, { action: "transport.created", entityType: "transport", entityId: t.transportId, details: { deviceId: t.deviceId, ingestionProtocol: t.ingestionProtocol, isPrimary: t.isPrimary } });
        return t;
      }),
  }),
  route({
    method: "put",
    path: "/api/v1/customer/devices/:deviceId/transports/:transportId",
    summary: "Change a transport (isPrimary: true demotes the device's other transports)",
    tag: "devices",
    access: "tenant-write",
    params: TransportParams,
    body: bodies.TransportUpdate,
    example: { isPrimary: true, status: "active" },
    response: Transport,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        await requireDevice(tx, params.deviceId, { lock: true });
        const t = await parts.updateTransport(tx, params.deviceId, params.transportId, body);
        if (!t) throw notFound(params.transportId);
        await audit(tx, { action: "transport.updated", entityType: "transport", entityId: t.transportId, details: { deviceId: t.deviceId, fields: Object.keys(body) } });
        return t;
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/devices/:deviceId/transports/:transportId",
    summary: "Delete a transport",
    tag: "devices",
    access: "tenant-write",
    params: TransportParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        if (!(await parts.deleteTransport(tx, params.deviceId, params.transportId))) throw notFound(params.transportId);
        await audit(tx, { action: "transport.deleted", entityType: "transport", entityId: params.transportId, details: { deviceId: params.deviceId } });
        return { deleted: true as const };
      }),
  }),
];
