/**
 * The forms of a template and its metrics, commands and slots: text values from an existing
 * one (or blank) and the bodies they become for the API's schemas
 * (src/http/api/bodies/templates.ts). The enum choices are read from those schemas.
 */
import { MetricFields, SlotFields } from "../../../http/api/bodies/templates";
import { jsonText, listOrNull, numOrNull, numOrUndefined, numText, parseJsonObject, textOrNull } from "./forms";
import type { Template, TemplateCommand, TemplateMetric, TemplateSlot } from "./types";

export { CATEGORIES } from "../../../http/api/bodies/templates";
export const DATA_TYPES = MetricFields.shape.dataType.options;
export const SLOT_TYPES = SlotFields.shape.slotType.options;
export const INTERFACES = SlotFields.shape.interfaceType.options;

export interface TemplateValues {
  slug: string;
  name: string;
  description: string;
  category: string;
  manufacturer: string;
  model: string;
  firmwarePattern: string;
  imageUrl: string;
}

export const templateValues = (t?: Template): TemplateValues => ({
  slug: t?.slug ?? "",
  name: t?.name ?? "",
  description: t?.description ?? "",
  category: t?.category ?? "edge_device",
  manufacturer: t?.manufacturer ?? "",
  model: t?.model ?? "",
  firmwarePattern: t?.firmwarePattern ?? "",
  imageUrl: t?.imageUrl ?? "",
});

/** PUT replaces every field, so what the form does not show (transportDefaults) is sent as it was. */
export const cleanTemplate = (v: TemplateValues, transportDefaults: Record<string, unknown> = {}) => ({
  slug: v.slug.trim(),
  name: v.name,
  description: textOrNull(v.description),
  category: v.category,
  manufacturer: textOrNull(v.manufacturer),
  model: textOrNull(v.model),
  firmwarePattern: textOrNull(v.firmwarePattern),
  imageUrl: textOrNull(v.imageUrl.trim()),
  transportDefaults,
});

export interface CloneValues {
  slug: string;
  name: string;
}

export const cloneValues = (t: Pick<Template, "slug" | "name">): CloneValues => ({ slug: `${t.slug}-copy`.slice(0, 64), name: `${t.name} (copy)` });
export const cleanClone = (v: CloneValues) => ({ slug: v.slug.trim(), name: v.name.trim() || undefined });

export interface MetricValues {
  metricKey: string;
  displayName: string;
  description: string;
  dataType: string;
  unit: string;
  minValue: string;
  maxValue: string;
  precisionDigits: string;
  isRequired: boolean;
  enumValues: string;
  sortOrder: string;
}

export const metricValues = (m?: TemplateMetric): MetricValues => ({
  metricKey: m?.metricKey ?? "",
  displayName: m?.displayName ?? "",
  description: m?.description ?? "",
  dataType: m?.dataType ?? "float",
  unit: m?.unit ?? "",
  minValue: numText(m?.minValue),
  maxValue: numText(m?.maxValue),
  precisionDigits: numText(m?.precisionDigits),
  isRequired: m?.isRequired ?? false,
  enumValues: m?.enumValues?.join(", ") ?? "",
  sortOrder: numText(m?.sortOrder),
});

export const cleanMetric = (v: MetricValues) => ({
  metricKey: v.metricKey,
  displayName: v.displayName,
  description: textOrNull(v.description),
  dataType: v.dataType,
  unit: textOrNull(v.unit),
  minValue: numOrNull(v.minValue),
  maxValue: numOrNull(v.maxValue),
  precisionDigits: numOrNull(v.precisionDigits),
  isRequired: v.isRequired,
  enumValues: listOrNull(v.enumValues),
  sortOrder: numOrUndefined(v.sortOrder),
});

export interface CommandValues {
  commandKey: string;
  displayName: string;
  description: string;
  parametersSchema: string;
  responseSchema: string;
  sortOrder: string;
}

export const commandValues = (c?: TemplateCommand): CommandValues => ({
  commandKey: c?.commandKey ?? "",
  displayName: c?.displayName ?? "",
  description: c?.description ?? "",
  parametersSchema: jsonText(c?.parametersSchema),
  responseSchema: jsonText(c?.responseSchema),
  sortOrder: numText(c?.sortOrder),
});

const json = (text: string) => {
  const p = parseJsonObject(text);
  return p.ok ? p.value : text;
};

export const cleanCommand = (v: CommandValues) => ({
  commandKey: v.commandKey,
  displayName: v.displayName,
  description: textOrNull(v.description),
  parametersSchema: json(v.parametersSchema),
  responseSchema: json(v.responseSchema),
  sortOrder: numOrUndefined(v.sortOrder),
});

export interface SlotValues {
  slotKey: string;
  displayName: string;
  description: string;
  slotType: string;
  interfaceType: string;
  maxDevices: string;
  sortOrder: string;
}

export const slotValues = (s?: TemplateSlot): SlotValues => ({
  slotKey: s?.slotKey ?? "",
  displayName: s?.displayName ?? "",
  description: s?.description ?? "",
  slotType: s?.slotType ?? "expansion",
  interfaceType: s?.interfaceType ?? "rs485",
  maxDevices: numText(s?.maxDevices ?? 1),
  sortOrder: numText(s?.sortOrder),
});

/** compatibleModuleTemplateIds is left out: on a replace that keeps it as it was. */
export const cleanSlot = (v: SlotValues) => ({
  slotKey: v.slotKey,
  displayName: v.displayName,
  description: textOrNull(v.description),
  slotType: v.slotType,
  interfaceType: v.interfaceType,
  maxDevices: numOrUndefined(v.maxDevices),
  sortOrder: numOrUndefined(v.sortOrder),
});
