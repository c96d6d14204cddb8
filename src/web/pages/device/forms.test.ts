import { describe, expect, test } from "bun:test";
import type { z } from "zod";
import { ModuleUpdate, NewModule, NewSensor, NewTransport, RotateToken, SensorUpdate } from "../../../http/api/bodies/device-parts";
import { CloneTemplate, CommandFields, MetricFields, SlotFields, TemplateFields } from "../../../http/api/bodies/templates";
import { credentialStatus, keyMapText, listOrNull, numOrNull, parseJsonObject, parseKeyMap } from "./forms";
import { cleanModuleUpdate, cleanNewModule, cleanNewSensor, cleanNewTransport, cleanSensorUpdate, moduleValues, sensorValues, transportValues } from "./part-forms";
import { cleanClone, cleanCommand, cleanMetric, cleanSlot, cleanTemplate, cloneValues, commandValues, metricValues, slotValues, templateValues } from "./template-forms";

/** Field → first message, as useForm shows them (and as the server's `body.<field>` errors land). */
const fieldErrors = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value);
  if (r.success) return {};
  const out: Record<string, string> = {};
  for (const i of r.error.issues) out[i.path.join(".")] ??= i.message;
  return out;
};

describe("form text helpers", () => {
  test("numbers, JSON objects, key maps and lists", () => {
    expect([numOrNull(""), numOrNull(" 2.5 "), Number.isNaN(numOrNull("x"))]).toEqual([null, 2.5, true]);
    expect(parseJsonObject("")).toEqual({ ok: true, value: {} });
    expect(parseJsonObject('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonObject("[1]")).toEqual({ ok: false, error: expect.stringContaining("JSON object") });
    expect(parseJsonObject("{a:")).toEqual({ ok: false, error: expect.stringContaining("not valid JSON") });
    expect(parseKeyMap("t1 = temp_c\n\n t2=hum ")).toEqual({ ok: true, value: { t1: "temp_c", t2: "hum" } });
    expect(parseKeyMap("t1 = a\nt1 = b")).toEqual({ ok: false, error: "line 2: t1 is mapped twice" });
    expect(parseKeyMap("t1")).toEqual({ ok: false, error: "line 1: expected raw_key = stored_key" });
    expect(parseKeyMap(keyMapText({ a: "b", c: "d" }))).toEqual({ ok: true, value: { a: "b", c: "d" } });
    expect([listOrNull(" a, b ,,"), listOrNull(" ")]).toEqual([["a", "b"], null]);
  });

  test("a credential is revoked, used, expired or active", () => {
    const now = Date.parse("2026-11-27T12:00:00Z");
    const c = { kind: "activation_code" as const, revokedAt: null, usedAt: null, expiresAt: "2026-11-27T13:00:00Z" };
    expect(credentialStatus(c, now)).toBe("ACTIVE");
    expect(credentialStatus({ ...c, expiresAt: "2026-11-27T11:00:00Z" }, now)).toBe("EXPIRED");
    expect(credentialStatus({ ...c, usedAt: "2026-11-27T11:30:00Z" }, now)).toBe("USED");
    expect(credentialStatus({ ...c, kind: "provision_token", revokedAt: "2026-11-27T11:00:00Z" }, now)).toBe("REVOKED");
  });
});

describe("device part forms against the API's schemas", () => {
  test("a filled sensor form is a valid body; a bad one names its fields", () => {
    const ok = { ...sensorValues(), metricKey: "temp_c", displayName: "Temp", unit: "°C", minRange: "-40", maxRange: "10", precisionDigits: "1" };
    expect(NewSensor.parse(cleanNewSensor(ok))).toEqual({ metricKey: "temp_c", displayName: "Temp", unit: "°C", minRange: -40, maxRange: 10, precisionDigits: 1, status: "active", source: "optional" });
    expect(SensorUpdate.parse(cleanSensorUpdate({ ...ok, displayName: " ", unit: "", minRange: "" }))).toEqual({ displayName: null, unit: null, minRange: null, maxRange: 10, precisionDigits: 1, status: "active" });
    expect(fieldErrors(NewSensor, cleanNewSensor({ ...ok, metricKey: "", precisionDigits: "x" }))).toEqual({
      metricKey: expect.stringContaining("metric key"),
      precisionDigits: expect.stringContaining("number"),
    });
    expect(fieldErrors(SensorUpdate, cleanSensorUpdate({ ...ok, minRange: "20" }))).toEqual({ minRange: "minRange is above maxRange" });
  });

  test("module forms: key map text becomes the map; a malformed one is refused", () => {
    const v = { ...moduleValues(), slotKey: "onewire_bus", busAddress: " 28-00 ", metricKeyMap: "t1 = temp_c" };
    expect(NewModule.parse(cleanNewModule(v))).toEqual({ slotKey: "onewire_bus", busAddress: "28-00", metricKeyMap: { t1: "temp_c" } });
    expect(fieldErrors(NewModule, cleanNewModule({ ...v, slotKey: "Bad Slot", metricKeyMap: "t1" }))).toEqual({ slotKey: expect.stringContaining("key"), metricKeyMap: expect.any(String) });
    const edit = moduleValues({ moduleId: "m", slotKey: "s", busAddress: "a", moduleTemplateId: null, label: "L", serialNumber: null, metricKeyMap: { x: "y" }, status: "active", installedAt: "" });
    expect(ModuleUpdate.parse(cleanModuleUpdate({ ...edit, label: "", busAddress: "" }))).toEqual({ label: null, serialNumber: null, busAddress: null, metricKeyMap: { x: "y" }, status: "active" });
  });

  test("transport forms: JSON configs become objects; text that is not an object is refused", () => {
    const v = { ...transportValues(), ingestionProtocol: "http_api", physicalConnectivity: "wifi", isPrimary: true, protocolConfig: '{"path": "/x"}' };
    expect(NewTransport.parse(cleanNewTransport(v))).toEqual({ ingestionProtocol: "http_api", physicalConnectivity: "wifi", isPrimary: true, status: "active", protocolConfig: { path: "/x" }, connectivityConfig: {} });
    expect(Object.keys(fieldErrors(NewTransport, cleanNewTransport({ ...v, ingestionProtocol: "carrier_pigeon", connectivityConfig: "{oops" })))).toEqual(["connectivityConfig", "ingestionProtocol"]);
  });

  test("token rotation takes an optional label", () => {
    expect(RotateToken.parse({})).toEqual({});
    expect(fieldErrors(RotateToken, { label: "" })).toEqual({ label: expect.any(String) });
  });
});

describe("template forms against the API's schemas", () => {
  test("the template form keeps what it does not show", () => {
    const t = { ...templateValues(), slug: "cold-room", name: "Cold room", manufacturer: "Acme" };
    expect(TemplateFields.parse(cleanTemplate(t, { ingestion_protocol: "mqtt_direct" }))).toEqual({
      slug: "cold-room", name: "Cold room", description: null, category: "edge_device", manufacturer: "Acme", model: null, firmwarePattern: null, imageUrl: null,
      transportDefaults: { ingestion_protocol: "mqtt_direct" },
    });
    expect(fieldErrors(TemplateFields, cleanTemplate({ ...t, slug: "Cold Room", firmwarePattern: "(" }))).toEqual({ slug: expect.stringContaining("slug"), firmwarePattern: "expected a regular expression" });
  });

  test("clone defaults to a copy's slug and name", () => {
    expect(CloneTemplate.parse(cleanClone(cloneValues({ slug: "lifeline-gw", name: "Lifeline" })))).toEqual({ slug: "lifeline-gw-copy", name: "Lifeline (copy)" });
    expect(CloneTemplate.parse(cleanClone({ slug: "x", name: " " }))).toEqual({ slug: "x" });
  });

  test("metric, command and slot forms", () => {
    const m = { ...metricValues(), metricKey: "mode", displayName: "Mode", dataType: "enum", enumValues: "auto, manual" };
    expect(MetricFields.parse(cleanMetric(m))).toMatchObject({ metricKey: "mode", dataType: "enum", enumValues: ["auto", "manual"], isRequired: false, sortOrder: 0 });
    expect(fieldErrors(MetricFields, cleanMetric({ ...m, enumValues: "" }))).toEqual({ enumValues: "enumValues goes with dataType enum, and only with it" });
    expect(fieldErrors(MetricFields, cleanMetric({ ...m, displayName: "", minValue: "abc" }))).toEqual({ displayName: expect.any(String), minValue: expect.stringContaining("number") });
    const c = { ...commandValues(), commandKey: "defrost", displayName: "Defrost", parametersSchema: '{"type": "object"}' };
    expect(CommandFields.parse(cleanCommand(c))).toEqual({ commandKey: "defrost", displayName: "Defrost", description: null, parametersSchema: { type: "object" }, responseSchema: {}, sortOrder: 0 });
    expect(Object.keys(fieldErrors(CommandFields, cleanCommand({ ...c, responseSchema: "[]" })))).toEqual(["responseSchema"]);
    const s = { ...slotValues(), slotKey: "rs485_bus", displayName: "RS-485", maxDevices: "8" };
    expect(SlotFields.parse(cleanSlot(s))).toEqual({ slotKey: "rs485_bus", displayName: "RS-485", description: null, slotType: "expansion", interfaceType: "rs485", maxDevices: 8, sortOrder: 0 });
    expect(fieldErrors(SlotFields, cleanSlot({ ...s, maxDevices: "0" }))).toEqual({ maxDevices: expect.any(String) });
  });
});
