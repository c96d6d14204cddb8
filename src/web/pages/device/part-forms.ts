/**
 * The forms of a device's sensors, modules and transports: their text values, filled from an
 * existing part or blank, and the bodies they become for the API's schemas
 * (src/http/api/bodies/device-parts.ts), which check them before anything is sent.
 */
import { jsonText, keyMapText, numOrNull, numText, parseJsonObject, parseKeyMap, textOrNull } from "./forms";
import type { Module, Sensor, Transport } from "./types";

export interface SensorValues {
  metricKey: string;
  displayName: string;
  unit: string;
  minRange: string;
  maxRange: string;
  precisionDigits: string;
  status: string;
  source: string;
}

export const sensorValues = (s?: Sensor): SensorValues => ({
  metricKey: s?.metricKey ?? "",
  displayName: s?.displayName ?? "",
  unit: s?.unit ?? "",
  minRange: numText(s?.minRange),
  maxRange: numText(s?.maxRange),
  precisionDigits: numText(s?.precisionDigits),
  status: s?.status ?? "active",
  source: s?.source ?? "optional",
});

export const cleanSensorUpdate = (v: SensorValues) => ({
  displayName: textOrNull(v.displayName),
  unit: textOrNull(v.unit),
  minRange: numOrNull(v.minRange),
  maxRange: numOrNull(v.maxRange),
  precisionDigits: numOrNull(v.precisionDigits),
  status: v.status,
});

export const cleanNewSensor = (v: SensorValues) => ({ ...cleanSensorUpdate(v), metricKey: v.metricKey.trim(), source: v.source });

export interface ModuleValues {
  slotKey: string;
  moduleTemplateId: string;
  busAddress: string;
  label: string;
  serialNumber: string;
  metricKeyMap: string;
  status: string;
}

export const moduleValues = (m?: Module): ModuleValues => ({
  slotKey: m?.slotKey ?? "",
  moduleTemplateId: m?.moduleTemplateId ?? "",
  busAddress: m?.busAddress ?? "",
  label: m?.label ?? "",
  serialNumber: m?.serialNumber ?? "",
  metricKeyMap: keyMapText(m?.metricKeyMap ?? {}),
  status: m?.status === "inactive" ? "inactive" : "active",
});

/** The key map as the schema should see it: parsed, or the bad text itself (which it rejects). */
const keyMap = (text: string) => {
  const p = parseKeyMap(text);
  return p.ok ? p.value : text;
};

export const cleanNewModule = (v: ModuleValues) => {
  const map = keyMap(v.metricKeyMap);
  return {
    slotKey: v.slotKey,
    moduleTemplateId: v.moduleTemplateId || undefined,
    busAddress: v.busAddress.trim() || undefined,
    label: v.label.trim() || undefined,
    serialNumber: v.serialNumber.trim() || undefined,
    metricKeyMap: typeof map === "string" || Object.keys(map).length ? map : undefined,
  };
};

export const cleanModuleUpdate = (v: ModuleValues) => ({
  label: textOrNull(v.label),
  serialNumber: textOrNull(v.serialNumber),
  busAddress: textOrNull(v.busAddress),
  metricKeyMap: keyMap(v.metricKeyMap),
  status: v.status,
});

export interface TransportValues {
  ingestionProtocol: string;
  physicalConnectivity: string;
  isPrimary: boolean;
  status: string;
  protocolConfig: string;
  connectivityConfig: string;
}

export const transportValues = (t?: Transport): TransportValues => ({
  ingestionProtocol: t?.ingestionProtocol ?? "mqtt_direct",
  physicalConnectivity: t?.physicalConnectivity ?? "",
  isPrimary: t?.isPrimary ?? false,
  status: t?.status ?? "active",
  protocolConfig: jsonText(t?.protocolConfig),
  connectivityConfig: jsonText(t?.connectivityConfig),
});

const json = (text: string) => {
  const p = parseJsonObject(text);
  return p.ok ? p.value : text;
};

export const cleanTransportUpdate = (v: TransportValues) => ({
  physicalConnectivity: v.physicalConnectivity || null,
  isPrimary: v.isPrimary,
  status: v.status,
  protocolConfig: json(v.protocolConfig),
  connectivityConfig: json(v.connectivityConfig),
});

export const cleanNewTransport = (v: TransportValues) => ({ ...cleanTransportUpdate(v), ingestionProtocol: v.ingestionProtocol });
