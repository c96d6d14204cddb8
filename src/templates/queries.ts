/**
 * SQL of device templates and their parts, for both kinds of caller:
 * - a tenant transaction, where row-level security shows system templates and the tenant's
 *   own, and lets it write only its own;
 * - an operator transaction, which sees everything and has no tenant (pulse_tenant() is NULL),
 *   so what it writes are system templates.
 * The owner of a new template is therefore always pulse_tenant(): one implementation serves both.
 */
import type { z } from "zod";
import { paged, type Db } from "../platform/db";
import { PulseError } from "../platform/errors";
import type { Command, CommandFields, Metric, MetricFields, NewTemplate, Slot, SlotFields, Template, TemplateDetail, TemplateFields } from "./schemas";

type TemplateRow = z.output<typeof Template>;
type MetricRow = z.output<typeof Metric>;
type CommandRow = z.output<typeof Command>;
type SlotRow = z.output<typeof Slot>;
type TemplateDetailRow = z.output<typeof TemplateDetail>;

const SELECT = `t.template_id, t.slug, t.name, t.description, t.category, t.manufacturer, t.model, t.firmware_pattern,
  t.transport_defaults, t.image_url, t.is_locked, t.source, t.created_at, t.updated_at,
  jsonb_build_object(
    'metrics', (select count(*) from template_metrics m where m.template_id = t.template_id),
    'commands', (select count(*) from template_commands c where c.template_id = t.template_id),
    'slots', (select count(*) from template_slots s where s.template_id = t.template_id)) as counts`;

// Part columns a clone copies as they are.
const METRIC_COPY = `metric_key, display_name, description, data_type, unit, min_value, max_value, precision_digits, is_required, enum_values, sort_order`;
const COMMAND_COPY = `command_key, display_name, description, parameters_schema, response_schema, sort_order`;
const SLOT_COPY = `slot_key, display_name, description, slot_type, interface_type, max_devices, sort_order`;

const METRIC = `metric_id, ${METRIC_COPY}`;
const COMMAND = `command_id, ${COMMAND_COPY}`;
const SLOT = `s.slot_id, s.slot_key, s.display_name, s.description, s.slot_type, s.interface_type, s.max_devices, s.sort_order,
  array(select x.module_template_id::text from template_slot_modules x where x.slot_id = s.slot_id order by 1) as compatible_module_template_ids`;

export interface TemplateFilter {
  limit: number;
  offset: number;
  category?: string;
  source?: "system" | "tenant";
  search?: string;
  /** Operators only (they see every tenant): whose templates, NULL for the system's. */
  ownedBy?: string | null;
}

export async function listTemplates(db: Db, f: TemplateFilter): Promise<{ items: TemplateRow[]; total: number }> {
  const like = `%${f.search ?? ""}%`;
  const rows = await db<(TemplateRow & { total: number })[]>`
    select ${db.unsafe(SELECT)}, count(*) over ()::int as total from device_templates t
    where ${f.ownedBy !== undefined ? db`t.tenant_id is not distinct from ${f.ownedBy}` : db`true`}
      and ${f.category ? db`t.category = ${f.category}` : db`true`}
      and ${f.source ? db`t.source = ${f.source}` : db`true`}
      and ${f.search ? db`(t.slug ilike ${like} or t.name ilike ${like} or t.manufacturer ilike ${like} or t.model ilike ${like})` : db`true`}
    order by t.source, t.slug limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

async function getTemplate(db: Db, templateId: string): Promise<TemplateRow | undefined> {
  const [row] = await db<TemplateRow[]>`select ${db.unsafe(SELECT)} from device_templates t where t.template_id = ${templateId}`;
  return row;
}

export async function getTemplateDetail(db: Db, templateId: string): Promise<TemplateDetailRow | undefined> {
  const t = await getTemplate(db, templateId);
  if (!t) return undefined;
  const [metrics, commands, slots] = await Promise.all([
    db<MetricRow[]>`select ${db.unsafe(METRIC)} from template_metrics where template_id = ${templateId} order by sort_order, metric_key`,
    db<CommandRow[]>`select ${db.unsafe(COMMAND)} from template_commands where template_id = ${templateId} order by sort_order, command_key`,
    db<SlotRow[]>`select ${db.unsafe(SLOT)} from template_slots s where s.template_id = ${templateId} order by s.sort_order, s.slot_key`,
  ]);
  return { ...t, metrics, commands, slots };
}

/** The tenant owning a template: undefined for system templates and unknown ones. */
export async function templateOwner(db: Db, templateId: string): Promise<string | undefined> {
  const [row] = await db<{ tenantId: string | null }[]>`select tenant_id from device_templates where template_id = ${templateId}`;
  return row?.tenantId ?? undefined;
}

/**
 * Passes when the caller may change the template: 404 when it cannot see it, 403 when it can
 * but it is not its own (a tenant looking at a system template, an operator at a tenant's).
 */
export async function requireWritable(db: Db, templateId: string): Promise<void> {
  const [row] = await db<{ tenantId: string | null; writable: boolean }[]>`
    select tenant_id, tenant_id is not distinct from pulse_tenant() as writable from device_templates where template_id = ${templateId}`;
  if (!row) throw new PulseError("NOT_FOUND", `template ${templateId} not found`);
  if (row.writable) return;
  throw new PulseError("FORBIDDEN", row.tenantId === null ? "system templates are read-only; clone it" : `template ${templateId} belongs to tenant ${row.tenantId}; only that tenant changes it`);
}

const templateColumns = (db: Db, t: TemplateFields) => ({
  slug: t.slug,
  name: t.name,
  description: t.description ?? null,
  category: t.category,
  manufacturer: t.manufacturer ?? null,
  model: t.model ?? null,
  firmwarePattern: t.firmwarePattern ?? null,
  transportDefaults: db.json((t.transportDefaults ?? {}) as never),
  imageUrl: t.imageUrl ?? null,
});

/** A new template with its parts. System templates must be locked (a check constraint); tenants' are not. */
export async function insertTemplate(db: Db, t: NewTemplate): Promise<string> {
  const c = templateColumns(db, t);
  const [row] = await db<{ templateId: string }[]>`
    insert into device_templates (tenant_id, slug, name, description, category, manufacturer, model, firmware_pattern,
                                  transport_defaults, image_url, is_locked)
    values (pulse_tenant(), ${c.slug}, ${c.name}, ${c.description}, ${c.category}, ${c.manufacturer}, ${c.model},
            ${c.firmwarePattern}, ${c.transportDefaults}, ${c.imageUrl}, pulse_tenant() is null)
    returning template_id`;
  const templateId = row!.templateId;
  for (const m of t.metrics ?? []) await insertMetric(db, templateId, m);
  for (const cmd of t.commands ?? []) await insertCommand(db, templateId, cmd);
  for (const [i, s] of (t.slots ?? []).entries()) await insertSlot(db, templateId, s, `body.slots.${i}.compatibleModuleTemplateIds`);
  return templateId;
}

export async function replaceTemplate(db: Db, templateId: string, t: TemplateFields): Promise<void> {
  await db`update device_templates set ${db(templateColumns(db, t))} where template_id = ${templateId}`;
}

/** Deletes a template nothing uses; "in-use" when devices or installed modules refer to it. */
export async function deleteTemplate(db: Db, templateId: string): Promise<"deleted" | "in-use"> {
  const [used] = await db`
    (select 1 from device_registry where template_id = ${templateId} limit 1)
    union all (select 1 from device_modules where module_template_id = ${templateId} limit 1)`;
  if (used) return "in-use";
  await db`delete from device_templates where template_id = ${templateId}`;
  return "deleted";
}

/**
 * Copies a visible template, with its parts, into a new unlocked template of the caller's.
 * Slot compatibility is copied only for modules the new owner may point at (system ones and
 * its own). Undefined when the source is not visible.
 */
export async function cloneTemplate(db: Db, sourceId: string, c: { slug: string; name?: string }): Promise<string | undefined> {
  const [row] = await db<{ templateId: string }[]>`
    insert into device_templates (tenant_id, slug, name, description, category, manufacturer, model, firmware_pattern,
                                  transport_defaults, image_url, is_locked)
    select pulse_tenant(), ${c.slug}, coalesce(${c.name ?? null}::text, name), description, category, manufacturer, model,
           firmware_pattern, transport_defaults, image_url, pulse_tenant() is null
    from device_templates where template_id = ${sourceId}
    returning template_id`;
  if (!row) return undefined;
  const to = row.templateId;
  await db`
    insert into template_metrics (template_id, ${db.unsafe(METRIC_COPY)})
    select ${to}, ${db.unsafe(METRIC_COPY)} from template_metrics where template_id = ${sourceId}`;
  await db`
    insert into template_commands (template_id, ${db.unsafe(COMMAND_COPY)})
    select ${to}, ${db.unsafe(COMMAND_COPY)} from template_commands where template_id = ${sourceId}`;
  await db`
    insert into template_slots (template_id, ${db.unsafe(SLOT_COPY)})
    select ${to}, ${db.unsafe(SLOT_COPY)} from template_slots where template_id = ${sourceId}`;
  await db`
    insert into template_slot_modules (slot_id, module_template_id)
    select n.slot_id, x.module_template_id
    from template_slots o
    join template_slot_modules x on x.slot_id = o.slot_id
    join template_slots n on n.template_id = ${to} and n.slot_key = o.slot_key
    join device_templates m on m.template_id = x.module_template_id
    where o.template_id = ${sourceId} and (m.tenant_id is null or m.tenant_id is not distinct from pulse_tenant())`;
  return to;
}

// Parts. Their tenant_id comes from the template (a trigger), so inserts never name it.

const metricColumns = (m: MetricFields) => ({
  metricKey: m.metricKey,
  displayName: m.displayName,
  description: m.description ?? null,
  dataType: m.dataType,
  unit: m.unit ?? null,
  minValue: m.minValue ?? null,
  maxValue: m.maxValue ?? null,
  precisionDigits: m.precisionDigits ?? null,
  isRequired: m.isRequired,
  enumValues: m.enumValues ?? null,
  sortOrder: m.sortOrder,
});

export async function insertMetric(db: Db, templateId: string, m: MetricFields): Promise<MetricRow> {
  const [row] = await db<MetricRow[]>`
    insert into template_metrics ${db({ templateId, ...metricColumns(m) })} returning ${db.unsafe(METRIC)}`;
  return row!;
}

export async function updateMetric(db: Db, templateId: string, metricId: string, m: MetricFields): Promise<MetricRow | undefined> {
  const [row] = await db<MetricRow[]>`
    update template_metrics set ${db(metricColumns(m))} where metric_id = ${metricId} and template_id = ${templateId}
    returning ${db.unsafe(METRIC)}`;
  return row;
}

export async function deleteMetric(db: Db, templateId: string, metricId: string): Promise<boolean> {
  const rows = await db`delete from template_metrics where metric_id = ${metricId} and template_id = ${templateId} returning 1`;
  return rows.length > 0;
}

const commandColumns = (db: Db, c: CommandFields) => ({
  commandKey: c.commandKey,
  displayName: c.displayName,
  description: c.description ?? null,
  parametersSchema: db.json(c.parametersSchema as never),
  responseSchema: db.json(c.responseSchema as never),
  sortOrder: c.sortOrder,
});

export async function insertCommand(db: Db, templateId: string, c: CommandFields): Promise<CommandRow> {
  const [row] = await db<CommandRow[]>`
    insert into template_commands ${db({ templateId, ...commandColumns(db, c) })} returning ${db.unsafe(COMMAND)}`;
  return row!;
}

export async function updateCommand(db: Db, templateId: string, commandId: string, c: CommandFields): Promise<CommandRow | undefined> {
  const [row] = await db<CommandRow[]>`
    update template_commands set ${db(commandColumns(db, c))} where command_id = ${commandId} and template_id = ${templateId}
    returning ${db.unsafe(COMMAND)}`;
  return row;
}

export async function deleteCommand(db: Db, templateId: string, commandId: string): Promise<boolean> {
  const rows = await db`delete from template_commands where command_id = ${commandId} and template_id = ${templateId} returning 1`;
  return rows.length > 0;
}

const slotColumns = (s: SlotFields) => ({
  slotKey: s.slotKey,
  displayName: s.displayName,
  description: s.description ?? null,
  slotType: s.slotType,
  interfaceType: s.interfaceType,
  maxDevices: s.maxDevices,
  sortOrder: s.sortOrder,
});

const getSlot = async (db: Db, slotId: string) => (await db<SlotRow[]>`select ${db.unsafe(SLOT)} from template_slots s where s.slot_id = ${slotId}`)[0]!;

/**
 * Points a slot at the modules that fit it. Each must be an expansion-module template of the
 * system or of the slot's owner; anything else is a 400 naming `path`.
 */
async function setSlotModules(db: Db, templateId: string, slotId: string, ids: string[], path: string): Promise<void> {
  const fitting = await db<{ templateId: string }[]>`
    select m.template_id from device_templates m, device_templates t
    where t.template_id = ${templateId} and m.template_id = any(${ids}::uuid[]) and m.category = 'expansion_module'
      and (m.tenant_id is null or m.tenant_id is not distinct from t.tenant_id)`;
  const ok = new Set(fitting.map((r) => r.templateId));
  const bad = ids.filter((id) => !ok.has(id));
  if (bad.length) {
    throw new PulseError("BAD_REQUEST", `not an expansion-module template this slot may use: ${bad.join(", ")}`, {
      errors: bad.map((id) => ({ path: `${path}.${ids.indexOf(id)}`, message: `${id} is not a system expansion module nor one of this template's tenant` })),
    });
  }
  await db`delete from template_slot_modules where slot_id = ${slotId}`;
  if (ids.length) await db`insert into template_slot_modules (slot_id, module_template_id) select ${slotId}, unnest(${[...ok]}::uuid[])`;
}

export async function insertSlot(db: Db, templateId: string, s: SlotFields, path = "body.compatibleModuleTemplateIds"): Promise<SlotRow> {
  const [row] = await db<{ slotId: string }[]>`insert into template_slots ${db({ templateId, ...slotColumns(s) })} returning slot_id`;
  await setSlotModules(db, templateId, row!.slotId, s.compatibleModuleTemplateIds ?? [], path);
  return getSlot(db, row!.slotId);
}

export async function updateSlot(db: Db, templateId: string, slotId: string, s: SlotFields): Promise<SlotRow | undefined> {
  const rows = await db`update template_slots set ${db(slotColumns(s))} where slot_id = ${slotId} and template_id = ${templateId} returning 1`;
  if (!rows.length) return undefined;
  if (s.compatibleModuleTemplateIds) await setSlotModules(db, templateId, slotId, s.compatibleModuleTemplateIds, "body.compatibleModuleTemplateIds");
  return getSlot(db, slotId);
}

export async function deleteSlot(db: Db, templateId: string, slotId: string): Promise<boolean> {
  const rows = await db`delete from template_slots where slot_id = ${slotId} and template_id = ${templateId} returning 1`;
  return rows.length > 0;
}
