/**
 * Request bodies of a device's parts (sensors, modules, transports) and of token rotation:
 * pure zod, so the console validates its forms with the very schemas the API applies. The
 * enums repeat the domain's (src/devices/*); the route files check at compile time that they
 * still match.
 */
import { z } from "zod";
import { Uuid } from "../../../platform/ids";
import { Key, MetricKey } from "../../../templates/schemas";

export const SENSOR_STATUSES = ["active", "inactive", "disabled"] as const;
/** Declared by the template (required/optional) or discovered from telemetry (unmodeled). */
export const SENSOR_SOURCES = ["required", "optional", "unmodeled"] as const;
export const MODULE_STATUSES = ["active", "inactive", "removed"] as const;
export const PROTOCOLS = ["mqtt_direct", "http_api", "lorawan", "gateway_proxy", "modbus_rtu"] as const;
export const CONNECTIVITY = ["cellular", "ethernet", "wifi", "satellite", "lora", "other"] as const;
export const TRANSPORT_STATUSES = ["active", "inactive", "failed"] as const;

const JsonObject = z.record(z.string(), z.unknown());

const SensorFields = z.object({
  displayName: z.string().trim().min(1).max(200).nullable().optional(),
  unit: z.string().max(32).nullable().optional(),
  minRange: z.number().nullable().optional(),
  maxRange: z.number().nullable().optional(),
  precisionDigits: z.number().int().min(0).max(12).nullable().optional(),
  status: z.enum(SENSOR_STATUSES).optional(),
});
const rangeOrder = (s: { minRange?: number | null; maxRange?: number | null }) => s.minRange == null || s.maxRange == null || s.minRange <= s.maxRange;
const rangeError = { error: "minRange is above maxRange", path: ["minRange"] };

/** POST …/devices/:deviceId/sensors */
export const NewSensor = SensorFields.extend({
  metricKey: MetricKey,
  templateMetricId: Uuid.optional(),
  moduleId: Uuid.optional(),
  source: z.enum(SENSOR_SOURCES).default("optional"),
}).refine(rangeOrder, rangeError);

/** PUT …/devices/:deviceId/sensors/:sensorId */
export const SensorUpdate = SensorFields.refine(rangeOrder, rangeError);

/** Raw metric keys the module reports → the semantic keys stored (`{"t1": "temp_c"}`). */
export const MetricKeyMap = z.record(MetricKey, MetricKey).refine((m) => Object.keys(m).length <= 256, { error: "at most 256 keys" });
const BusAddress = z.string().trim().min(1).max(64);
const Label = z.string().max(200);
const Serial = z.string().max(100);

/** POST …/devices/:deviceId/modules */
export const NewModule = z.object({
  slotKey: Key,
  moduleTemplateId: Uuid.optional(),
  busAddress: BusAddress.optional(),
  label: Label.optional(),
  serialNumber: Serial.optional(),
  metricKeyMap: MetricKeyMap.optional(),
});

/** PUT …/devices/:deviceId/modules/:moduleId */
export const ModuleUpdate = z.object({
  label: Label.nullable().optional(),
  serialNumber: Serial.nullable().optional(),
  busAddress: BusAddress.nullable().optional(),
  metricKeyMap: MetricKeyMap.optional(),
  status: z.enum(["active", "inactive"]).optional(),
});

/** PUT …/devices/:deviceId/transports/:transportId */
export const TransportUpdate = z.object({
  physicalConnectivity: z.enum(CONNECTIVITY).nullable().optional(),
  protocolConfig: JsonObject.optional(),
  connectivityConfig: JsonObject.optional(),
  isPrimary: z.boolean().optional(),
  status: z.enum(TRANSPORT_STATUSES).optional(),
});

/** POST …/devices/:deviceId/transports */
export const NewTransport = TransportUpdate.extend({ ingestionProtocol: z.enum(PROTOCOLS) });

/** POST …/devices/:deviceId/tokens/rotate (the body itself is optional). */
export const RotateToken = z.object({ label: z.string().trim().min(1).max(100).optional() });
