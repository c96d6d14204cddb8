/**
 * Wire shapes of device templates and their parts, shared by the customer and operator routes.
 * The enums and patterns mirror the checks in sql/0003_device_templates.sql, so bad input is
 * answered with field paths before the database sees it.
 */
import { z } from "zod";
import { Timestamp, Uuid } from "../platform/ids";

export const CATEGORIES = ["gateway", "edge_device", "standalone_sensor", "controller", "expansion_module"] as const;
const DATA_TYPES = ["float", "integer", "boolean", "string", "enum"] as const;
const SLOT_TYPES = ["expansion", "sensor", "accessory"] as const;
const INTERFACES = ["analog", "rs485", "i2c", "spi", "1-wire", "fsk", "ble", "lora", "gpio", "usb"] as const;

export const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: "expected a slug: lowercase letters, digits and '-', up to 64" });
/** t_key: slot and command keys. */
export const Key = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { error: "expected a key: a lowercase letter, then lowercase letters, digits or '_', up to 64" });
/** t_metric_key: any printable text up to 128 characters. */
export const MetricKey = z.string().regex(/^[^\p{Cc}]{1,128}$/u, { error: "expected a metric key: 1 to 128 printable characters" });

const Name = z.string().trim().min(1).max(200);
const Text = (max: number) => z.string().max(max).nullable().optional();
const JsonObject = z.record(z.string(), z.unknown());
const isRegExp = (s: string) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
};

/** Top-level fields of a template; PUT replaces all of them (omitted ones become empty). */
export const TemplateFields = z.object({
  slug: Slug,
  name: Name,
  description: Text(2000),
  category: z.enum(CATEGORIES),
  manufacturer: Text(200),
  model: Text(200),
  firmwarePattern: z.string().max(200).refine(isRegExp, { error: "expected a regular expression" }).nullable().optional(),
  transportDefaults: JsonObject.optional(),
  imageUrl: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).max(2000).nullable().optional(),
});
export type TemplateFields = z.output<typeof TemplateFields>;

export const MetricFields = z
  .object({
    metricKey: MetricKey,
    displayName: Name,
    description: Text(2000),
    dataType: z.enum(DATA_TYPES),
    unit: Text(32),
    minValue: z.number().nullable().optional(),
    maxValue: z.number().nullable().optional(),
    precisionDigits: z.number().int().min(0).max(12).nullable().optional(),
    isRequired: z.boolean().default(false),
    enumValues: z.array(z.string().min(1).max(100)).min(1).max(100).nullable().optional(),
    sortOrder: z.number().int().default(0),
  })
  .refine((m) => (m.dataType === "enum") === (m.enumValues != null), { error: "enumValues goes with dataType enum, and only with it", path: ["enumValues"] })
  .refine((m) => m.minValue == null || m.maxValue == null || m.minValue <= m.maxValue, { error: "minValue is above maxValue", path: ["minValue"] });
export type MetricFields = z.output<typeof MetricFields>;

export const CommandFields = z.object({
  commandKey: Key,
  displayName: Name,
  description: Text(2000),
  parametersSchema: JsonObject.default({}),
  responseSchema: JsonObject.default({}),
  sortOrder: z.number().int().default(0),
});
export type CommandFields = z.output<typeof CommandFields>;

export const SlotFields = z.object({
  slotKey: Key,
  displayName: Name,
  description: Text(2000),
  slotType: z.enum(SLOT_TYPES),
  interfaceType: z.enum(INTERFACES),
  maxDevices: z.number().int().min(1).max(1024).default(1),
  sortOrder: z.number().int().default(0),
  /** Expansion-module templates that fit; none listed means any module fits. Omitted on PUT: unchanged. */
  compatibleModuleTemplateIds: z.array(Uuid).max(100).optional(),
});
export type SlotFields = z.output<typeof SlotFields>;

/** Each key at most once in a nested list (the database would answer a bare 409). */
const uniqueKeys = <T extends z.ZodType>(item: T, key: string) =>
  z.array(item).max(500).superRefine((items, ctx) => {
    const seen = new Set<unknown>();
    items.forEach((it, i) => {
      const k = (it as Record<string, unknown>)[key];
      if (seen.has(k)) ctx.addIssue({ code: "custom", message: `duplicate ${key}`, path: [i, key] });
      seen.add(k);
    });
  });

/** A new template, optionally with its parts, created in one transaction. */
export const NewTemplate = TemplateFields.extend({
  metrics: uniqueKeys(MetricFields, "metricKey").optional(),
  commands: uniqueKeys(CommandFields, "commandKey").optional(),
  slots: uniqueKeys(SlotFields, "slotKey").optional(),
});
export type NewTemplate = z.output<typeof NewTemplate>;

export const Template = z.object({
  templateId: Uuid,
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  category: z.enum(CATEGORIES),
  manufacturer: z.string().nullable(),
  model: z.string().nullable(),
  firmwarePattern: z.string().nullable(),
  transportDefaults: JsonObject,
  imageUrl: z.string().nullable(),
  isLocked: z.boolean(),
  source: z.enum(["system", "tenant"]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  counts: z.object({ metrics: z.number().int(), commands: z.number().int(), slots: z.number().int() }),
});

export const Metric = z.object({
  metricId: Uuid,
  metricKey: z.string(),
  displayName: z.string(),
  description: z.string().nullable(),
  dataType: z.enum(DATA_TYPES),
  unit: z.string().nullable(),
  minValue: z.number().nullable(),
  maxValue: z.number().nullable(),
  precisionDigits: z.number().int().nullable(),
  isRequired: z.boolean(),
  enumValues: z.array(z.string()).nullable(),
  sortOrder: z.number().int(),
});

export const Command = z.object({
  commandId: Uuid,
  commandKey: z.string(),
  displayName: z.string(),
  description: z.string().nullable(),
  parametersSchema: JsonObject,
  responseSchema: JsonObject,
  sortOrder: z.number().int(),
});

export const Slot = z.object({
  slotId: Uuid,
  slotKey: z.string(),
  displayName: z.string(),
  description: z.string().nullable(),
  slotType: z.enum(SLOT_TYPES),
  interfaceType: z.enum(INTERFACES),
  maxDevices: z.number().int(),
  sortOrder: z.number().int(),
  compatibleModuleTemplateIds: z.array(Uuid),
});

export const TemplateDetail = Template.extend({ metrics: z.array(Metric), commands: z.array(Command), slots: z.array(Slot) });

export const TemplateParams = z.object({ templateId: Uuid });

/** Valid bodies for the API docs and the security tests. */
export const EXAMPLES = {
  template: { slug: "cold-room-gw", name: "Cold room gateway", category: "gateway", manufacturer: "Acme", transportDefaults: { ingestion_protocol: "mqtt_direct" } },
  metric: { metricKey: "door_open", displayName: "Door open", dataType: "boolean" },
  command: { commandKey: "defrost", displayName: "Start defrost", parametersSchema: { type: "object", properties: { minutes: { type: "integer" } } } },
  slot: { slotKey: "rs485_bus", displayName: "RS-485 bus", slotType: "expansion", interfaceType: "rs485", maxDevices: 8 },
} as const;
