/**
 * A template's metrics, commands and slots as tables; on an own template each can be added,
 * edited and removed (validated with the API's own field schemas).
 */
import { useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { CommandFields, MetricFields, SlotFields } from "../../../http/api/bodies/templates";
import { api, errorMessage } from "../../lib/api";
import { useForm } from "../../lib/form";
import { Button, Checkbox, ConfirmButton, SelectField, TextArea, TextField } from "../../ui/controls";
import { Card } from "../../ui/layout";
import { DataTable, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { choices, FormModal } from "./form-modal";
import { parseJsonObject } from "./forms";
import { TEMPLATES } from "./queries";
import { cleanCommand, cleanMetric, cleanSlot, commandValues, DATA_TYPES, INTERFACES, metricValues, SLOT_TYPES, slotValues } from "./template-forms";
import type { TemplateCommand, TemplateDetail, TemplateMetric, TemplateSlot } from "./types";

type Kind = "metrics" | "commands" | "slots";
interface FormProps<T> {
  templateId: string;
  item?: T;
  onDone: () => void;
}

/** Saves one part (POST or PUT by whether it exists), then refreshes the template. */
function useSave(templateId: string, kind: Kind, id: string | undefined, noun: string, onDone: () => void) {
  const qc = useQueryClient();
  return async (body: unknown) => {
    const base = `${TEMPLATES}/${templateId}/${kind}`;
    await (id ? api.put(`${base}/${id}`, body) : api.post(base, body));
    await Promise.all([qc.invalidateQueries({ queryKey: ["template", templateId] }), qc.invalidateQueries({ queryKey: ["templates"] })]);
    toast(`${noun} ${id ? "saved" : "added"}`);
    onDone();
  };
}

const jsonError = (text: string, server?: string) => {
  const p = parseJsonObject(text);
  return p.ok ? server : p.error;
};

function MetricForm({ templateId, item, onDone }: FormProps<TemplateMetric>) {
  const form = useForm(metricValues(item), MetricFields, useSave(templateId, "metrics", item?.metricId, "Metric", onDone), cleanMetric);
  const { values: v, set, errors: e } = form;
  return (
    <FormModal title={item ? `Edit metric ${item.metricKey}` : "Add metric"} form={form} submitLabel={item ? "Save metric" : "Add metric"} onClose={onDone} wide>
      <TextField label="Metric key" value={v.metricKey} onChange={(x) => set("metricKey", x)} error={e.metricKey} required autoFocus />
      <TextField label="Display name" value={v.displayName} onChange={(x) => set("displayName", x)} error={e.displayName} required />
      <SelectField label="Data type" value={v.dataType} onChange={(x) => set("dataType", x)} options={choices(DATA_TYPES)} error={e.dataType} />
      <TextField label="Unit" value={v.unit} onChange={(x) => set("unit", x)} error={e.unit} />
      <TextField label="Minimum" inputMode="decimal" value={v.minValue} onChange={(x) => set("minValue", x)} error={e.minValue} />
      <TextField label="Maximum" inputMode="decimal" value={v.maxValue} onChange={(x) => set("maxValue", x)} error={e.maxValue} />
      <TextField label="Precision digits" inputMode="numeric" value={v.precisionDigits} onChange={(x) => set("precisionDigits", x)} error={e.precisionDigits} />
      <TextField label="Sort order" inputMode="numeric" value={v.sortOrder} onChange={(x) => set("sortOrder", x)} error={e.sortOrder} />
      <TextField label="Enum values" value={v.enumValues} onChange={(x) => set("enumValues", x)} error={e.enumValues} hint="For data type enum only: comma-separated" />
      <div className="field device-check-field">
        <Checkbox label="Required" checked={v.isRequired} onChange={(x) => set("isRequired", x)} />
      </div>
      <TextArea label="Description" value={v.description} onChange={(x) => set("description", x)} error={e.description} />
    </FormModal>
  );
}

function CommandForm({ templateId, item, onDone }: FormProps<TemplateCommand>) {
  const form = useForm(commandValues(item), CommandFields, useSave(templateId, "commands", item?.commandId, "Command", onDone), cleanCommand);
  const { values: v, set, errors: e } = form;
  return (
    <FormModal title={item ? `Edit command ${item.commandKey}` : "Add command"} form={form} submitLabel={item ? "Save command" : "Add command"} onClose={onDone} wide>
      <TextField label="Command key" value={v.commandKey} onChange={(x) => set("commandKey", x)} error={e.commandKey} required autoFocus />
      <TextField label="Display name" value={v.displayName} onChange={(x) => set("displayName", x)} error={e.displayName} required />
      <TextField label="Sort order" inputMode="numeric" value={v.sortOrder} onChange={(x) => set("sortOrder", x)} error={e.sortOrder} />
      <TextArea label="Description" value={v.description} onChange={(x) => set("description", x)} error={e.description} />
      <TextArea label="Parameters schema (JSON)" className="mono" value={v.parametersSchema} onChange={(x) => set("parametersSchema", x)} error={jsonError(v.parametersSchema, e.parametersSchema)} hint="A JSON Schema object" />
      <TextArea label="Response schema (JSON)" className="mono" value={v.responseSchema} onChange={(x) => set("responseSchema", x)} error={jsonError(v.responseSchema, e.responseSchema)} hint="A JSON Schema object" />
    </FormModal>
  );
}

function SlotForm({ templateId, item, onDone }: FormProps<TemplateSlot>) {
  const form = useForm(slotValues(item), SlotFields, useSave(templateId, "slots", item?.slotId, "Slot", onDone), cleanSlot);
  const { values: v, set, errors: e } = form;
  return (
    <FormModal title={item ? `Edit slot ${item.slotKey}` : "Add slot"} form={form} submitLabel={item ? "Save slot" : "Add slot"} onClose={onDone} wide>
      <TextField label="Slot key" value={v.slotKey} onChange={(x) => set("slotKey", x)} error={e.slotKey} required autoFocus />
      <TextField label="Display name" value={v.displayName} onChange={(x) => set("displayName", x)} error={e.displayName} required />
      <SelectField label="Slot type" value={v.slotType} onChange={(x) => set("slotType", x)} options={choices(SLOT_TYPES)} error={e.slotType} />
      <SelectField label="Interface" value={v.interfaceType} onChange={(x) => set("interfaceType", x)} options={choices(INTERFACES)} error={e.interfaceType} />
      <TextField label="Maximum devices" inputMode="numeric" value={v.maxDevices} onChange={(x) => set("maxDevices", x)} error={e.maxDevices} />
      <TextField label="Sort order" inputMode="numeric" value={v.sortOrder} onChange={(x) => set("sortOrder", x)} error={e.sortOrder} />
      <TextArea label="Description" value={v.description} onChange={(x) => set("description", x)} error={e.description} />
    </FormModal>
  );
}

/** One kind of part: its table, and on an own template the add, edit and remove actions. */
function PartCard<T>(p: {
  title: string;
  noun: string;
  kind: Kind;
  template: TemplateDetail;
  rows: T[];
  columns: Column<T>[];
  idOf: (r: T) => string;
  keyOf: (r: T) => string;
  editable: boolean;
  form: (item: T | undefined, onDone: () => void) => ReactNode;
}) {
  const qc = useQueryClient();
  const [editing, setEditing] = useState<T | "new" | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const remove = async (r: T) => {
    setRemoving(p.idOf(r));
    try {
      await api.del(`${TEMPLATES}/${p.template.templateId}/${p.kind}/${p.idOf(r)}`);
      await Promise.all([qc.invalidateQueries({ queryKey: ["template", p.template.templateId] }), qc.invalidateQueries({ queryKey: ["templates"] })]);
      toast(`${p.noun} ${p.keyOf(r)} removed`);
    } catch (err) {
      toast(`Could not remove ${p.keyOf(r)}: ${errorMessage(err)}`, "bad");
    } finally {
      setRemoving(null);
    }
  };
  const actions: Column<T> = {
    key: "actions",
    header: <span className="sr-only">Actions</span>,
    cell: (r) => (
      <span className="row device-actions">
        <Button variant="ghost" onClick={() => setEditing(r)} aria-label={`Edit ${p.keyOf(r)}`}>Edit</Button>
        <ConfirmButton confirm={`Remove ${p.keyOf(r)}?`} busy={removing === p.idOf(r)} onConfirm={() => void remove(r)}>Remove</ConfirmButton>
      </span>
    ),
  };
  return (
    <Card title={`${p.title} (${p.rows.length})`} actions={p.editable ? <Button onClick={() => setEditing("new")}>Add {p.noun.toLowerCase()}</Button> : null}>
      <DataTable rows={p.rows} columns={p.editable ? [...p.columns, actions] : p.columns} rowKey={p.idOf} caption={p.title} empty={p.editable ? `No ${p.title.toLowerCase()} yet. Add the first with "Add ${p.noun.toLowerCase()}".` : `This template has no ${p.title.toLowerCase()}.`} />
      {editing ? p.form(editing === "new" ? undefined : editing, () => setEditing(null)) : null}
    </Card>
  );
}

const dash = (v: ReactNode) => (v === null || v === undefined || v === "" ? "—" : v);
const key = (k: string) => <span className="mono">{k}</span>;

const metricColumns: Column<TemplateMetric>[] = [
  { key: "key", header: "Key", cell: (m) => key(m.metricKey) },
  { key: "name", header: "Name", cell: (m) => m.displayName },
  { key: "type", header: "Type", cell: (m) => (m.dataType === "enum" && m.enumValues ? `enum (${m.enumValues.join(", ")})` : m.dataType) },
  { key: "unit", header: "Unit", cell: (m) => dash(m.unit) },
  { key: "range", header: "Range", cell: (m) => (m.minValue === null && m.maxValue === null ? "—" : `${m.minValue ?? "…"} to ${m.maxValue ?? "…"}`) },
  { key: "required", header: "Required", cell: (m) => (m.isRequired ? "yes" : "no") },
];
const commandColumns: Column<TemplateCommand>[] = [
  { key: "key", header: "Key", cell: (c) => key(c.commandKey) },
  { key: "name", header: "Name", cell: (c) => c.displayName },
  { key: "description", header: "Description", cell: (c) => dash(c.description) },
  { key: "params", header: "Parameters", cell: (c) => <span className="mono device-config">{Object.keys(c.parametersSchema).length ? JSON.stringify(c.parametersSchema) : "—"}</span> },
];
const slotColumns: Column<TemplateSlot>[] = [
  { key: "key", header: "Key", cell: (s) => key(s.slotKey) },
  { key: "name", header: "Name", cell: (s) => s.displayName },
  { key: "type", header: "Type", cell: (s) => s.slotType },
  { key: "interface", header: "Interface", cell: (s) => s.interfaceType },
  { key: "max", header: "Max devices", className: "num", cell: (s) => s.maxDevices },
];

export function TemplateParts({ template, editable }: { template: TemplateDetail; editable: boolean }) {
  const id = template.templateId;
  return (
    <div className="stack">
      <PartCard title="Metrics" noun="Metric" kind="metrics" template={template} rows={template.metrics} columns={metricColumns} idOf={(m) => m.metricId} keyOf={(m) => m.metricKey} editable={editable} form={(item, done) => <MetricForm templateId={id} item={item} onDone={done} />} />
      <PartCard title="Commands" noun="Command" kind="commands" template={template} rows={template.commands} columns={commandColumns} idOf={(c) => c.commandId} keyOf={(c) => c.commandKey} editable={editable} form={(item, done) => <CommandForm templateId={id} item={item} onDone={done} />} />
      <PartCard title="Slots" noun="Slot" kind="slots" template={template} rows={template.slots} columns={slotColumns} idOf={(s) => s.slotId} keyOf={(s) => s.slotKey} editable={editable} form={(item, done) => <SlotForm templateId={id} item={item} onDone={done} />} />
    </div>
  );
}
