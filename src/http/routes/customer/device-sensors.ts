/** Sensors: a device's measurement points, per device and across the tenant. */
import { z } from "zod";
import { PulseError } from "../../../platform/errors";
import { route } from "../../api/route";
import { Deleted, DeviceId, listParam, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";
import * as parts from "../../../devices/sensors";
import { requireDevice } from "../../../devices/parts";
import { MetricKey } from "../../../templates/schemas";
import * as bodies from "../../api/bodies/device-parts";

const { SENSOR_STATUSES: STATUSES, SENSOR_SOURCES: SOURCES } = parts;
// The bodies' browser-safe copies of these enums must stay the domain's.
STATUSES satisfies typeof bodies.SENSOR_STATUSES;
SOURCES satisfies typeof bodies.SENSOR_SOURCES;

const Sensor = z.object({
  sensorId: Uuid,
  deviceId: z.string(),
  metricKey: z.string(),
  displayName: z.string().nullable(),
  templateMetricId: Uuid.nullable(),
  moduleId: Uuid.nullable(),
  unit: z.string().nullable(),
  minRange: z.number().nullable(),
  maxRange: z.number().nullable(),
  precisionDigits: z.number().int().nullable(),
  status: z.enum(STATUSES),
  source: z.enum(SOURCES),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const DeviceParams = z.object({ deviceId: DeviceId });
const SensorParams = DeviceParams.extend({ sensorId: Uuid });
const notFound = (sensorId: string) => new PulseError("NOT_FOUND", `sensor ${sensorId} not found on this device`);

export const deviceSensorRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/sensors",
    summary: "List sensors across the tenant's devices",
    tag: "devices",
    access: "tenant-read",
    query: PageQuery.extend({
      deviceId: listParam(DeviceId),
      metricKey: MetricKey.optional(),
      source: listParam(z.enum(SOURCES)),
      status: listParam(z.enum(STATUSES)),
    }),
    response: page(Sensor),
    handler: async ({ tenant, query }) => ({ ...(await tenant((tx) => parts.listSensors(tx, query))), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/sensors",
    summary: "List a device's sensors",
    tag: "devices",
    access: "tenant-read",
    params: DeviceParams,
    query: PageQuery.extend({ source: listParam(z.enum(SOURCES)), status: listParam(z.enum(STATUSES)) }),
    response: page(Sensor),
    handler: async ({ tenant, params, query }) =>
      tenant(async (tx) => {
        await requireDevice(tx, params.deviceId, { lock: false });
        return { ...(await parts.listSensors(tx, { ...query, deviceId: [params.deviceId] })), limit: query.limit, offset: query.offset };
      }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/devices/:deviceId/sensors",
    summary: "Add a sensor to a device, within its sensor limit",
    tag: "devices",
    access: "tenant-write",
    params: DeviceParams,
    body: bodies.NewSensor,
    example: { metricKey: "door_open", displayName: "Door open", status: "active" },
    response: Sensor,
    status: 201,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        const device = await requireDevice(tx, params.deviceId, { lock: true });
        const s = await parts.createSensor(tx, device, body);
        await audit(tx, { action: "sensor.created", entityType: "sensor", entityId: s.sensorId, details: { deviceId: s.deviceId, metricKey: s.metricKey } });
        return s;
      }),
  }),
  route({
    method: "put",
    path: "/api/v1/customer/devices/:deviceId/sensors/:sensorId",
    summary: "Change a sensor's name, unit, range, precision or status",
    tag: "devices",
    access: "tenant-write",
    params: SensorParams,
    body: bodies.SensorUpdate,
    example: { displayName: "Freezer temperature", unit: "°C", minRange: -40, maxRange: 10 },
    response: Sensor,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        const s = await parts.updateSensor(tx, params.deviceId, params.sensorId, body);
        if (!s) throw notFound(params.sensorId);
        await audit(tx, { action: "sensor.updated", entityType: "sensor", entityId: s.sensorId, details: { deviceId: s.deviceId, fields: Object.keys(body) } });
        return s;
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/devices/:deviceId/sensors/:sensorId",
    summary: "Delete a sensor",
    tag: "devices",
    access: "tenant-write",
    params: SensorParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        if (!(await parts.deleteSensor(tx, params.deviceId, params.sensorId))) throw notFound(params.sensorId);
        await audit(tx, { action: "sensor.deleted", entityType: "sensor", entityId: params.sensorId, details: { deviceId: params.deviceId } });
        return { deleted: true as const };
      }),
  }),
];
