/**
 * Wire shapes the device and template pages read (JSON: timestamps are ISO strings). They
 * mirror the response schemas of src/http/routes/customer/{devices,device-*,telemetry,
 * templates,alerts}.ts, which cannot be imported here without pulling server code in.
 */
export type Connectivity = "ONLINE" | "STALE" | "OFFLINE";
export type MetricValue = number | boolean | string;

export interface Device {
  deviceId: string;
  displayName: string | null;
  siteId: string | null;
  status: "ACTIVE" | "INACTIVE" | "SUSPENDED" | "DECOMMISSIONED";
  templateId: string | null;
  parentDeviceId: string | null;
  deviceType: string | null;
  serialNumber: string | null;
  model: string | null;
  manufacturer: string | null;
  fwVersion: string | null;
  hwRevision: string | null;
  macAddress: string | null;
  imei: string | null;
  lat: number | null;
  lng: number | null;
  address: string | null;
  sensorLimit: number;
  createdAt: string;
  tags: string[];
  state: { connectivity: Connectivity; lastSeenAt: string | null; lastTelemetryAt: string | null; lastHeartbeatAt: string | null };
  template: { templateId: string; name: string; category: string } | null;
}

export interface LatestMetric {
  metricKey: string;
  value: MetricValue;
  time: string;
  unit: string | null;
  displayName: string | null;
}

export interface MetricInfo {
  metricKey: string;
  unit: string | null;
  displayName: string | null;
  source: "required" | "optional" | "unmodeled" | "telemetry";
  lastValue: MetricValue | null;
  lastTime: string | null;
}

export interface Sensor {
  sensorId: string;
  metricKey: string;
  displayName: string | null;
  templateMetricId: string | null;
  moduleId: string | null;
  unit: string | null;
  minRange: number | null;
  maxRange: number | null;
  precisionDigits: number | null;
  status: "active" | "inactive" | "disabled";
  source: "required" | "optional" | "unmodeled";
}

export interface Module {
  moduleId: string;
  slotKey: string;
  busAddress: string | null;
  moduleTemplateId: string | null;
  label: string | null;
  serialNumber: string | null;
  metricKeyMap: Record<string, string>;
  status: "active" | "inactive" | "removed";
  installedAt: string;
}

export interface Transport {
  transportId: string;
  ingestionProtocol: string;
  physicalConnectivity: string | null;
  protocolConfig: Record<string, unknown>;
  connectivityConfig: Record<string, unknown>;
  isPrimary: boolean;
  status: "active" | "inactive" | "failed";
  createdAt: string;
}

export interface Credential {
  credentialId: string;
  kind: "provision_token" | "activation_code";
  tokenPrefix: string;
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  usedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface ConnectionEvent {
  eventId: number;
  event: "CONNECTED" | "DISCONNECTED" | "OFFLINE";
  reason: string;
  statusFrom: Connectivity | null;
  statusTo: Connectivity;
  at: string;
}

export interface Alert {
  alertId: number;
  deviceId: string | null;
  alertType: string;
  status: "OPEN" | "ACKNOWLEDGED" | "CLOSED";
  severity: number;
  summary: string;
  triggerCount: number;
  openedAt: string;
  lastTriggeredAt: string;
  closedAt: string | null;
}

export interface Template {
  templateId: string;
  slug: string;
  name: string;
  description: string | null;
  category: string;
  manufacturer: string | null;
  model: string | null;
  firmwarePattern: string | null;
  transportDefaults: Record<string, unknown>;
  imageUrl: string | null;
  isLocked: boolean;
  source: "system" | "tenant";
  updatedAt: string;
  counts: { metrics: number; commands: number; slots: number };
}

export interface TemplateMetric {
  metricId: string;
  metricKey: string;
  displayName: string;
  description: string | null;
  dataType: "float" | "integer" | "boolean" | "string" | "enum";
  unit: string | null;
  minValue: number | null;
  maxValue: number | null;
  precisionDigits: number | null;
  isRequired: boolean;
  enumValues: string[] | null;
  sortOrder: number;
}

export interface TemplateCommand {
  commandId: string;
  commandKey: string;
  displayName: string;
  description: string | null;
  parametersSchema: Record<string, unknown>;
  responseSchema: Record<string, unknown>;
  sortOrder: number;
}

export interface TemplateSlot {
  slotId: string;
  slotKey: string;
  displayName: string;
  description: string | null;
  slotType: "expansion" | "sensor" | "accessory";
  interfaceType: string;
  maxDevices: number;
  sortOrder: number;
  compatibleModuleTemplateIds: string[];
}

export interface TemplateDetail extends Template {
  metrics: TemplateMetric[];
  commands: TemplateCommand[];
  slots: TemplateSlot[];
}

/** GET …/telemetry/series */
export interface SeriesResponse {
  from: string;
  to: string;
  metrics: string[];
  time: number[];
  values: Record<string, (number | null)[]>;
  truncated: boolean;
}

/** GET …/telemetry/history */
export interface HistoryResponse {
  metric: string;
  bucket: string;
  points: { time: string; min: number; max: number; avg: number; count: number }[];
}
