/**
 * A system template's metrics, commands and slots: a table of each, and (for those who may
 * write) add, edit and remove in dialogs. Each form is checked with the API's own part schema
 * (MetricFields, CommandFields, SlotFields) before it is sent.
 */
import { useState, type ReactNode } from "react";
import type { z } from "zod";
import { CommandFields, MetricFields, SlotFields } from "../../../http/api/bodies/templates";
import { api, errorMessage } from "../../lib/api";
import { useForm, type FormState } from "../../lib/form";
import { Button, Checkbox, ConfirmButton, SelectField, TextArea, TextField } from "../../ui/controls";
import { Card, Modal } from "../../ui/layout";
import { DataTable, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { parseJsonObject } from "../device/forms";
import * as tf from "../device/template-forms";
import type { TemplateCommand, TemplateDetail, TemplateMetric, TemplateSlot } from "../device/types";
import { TEMPLATES_API } from "./template-form";

type Errors = Record<string, string>;
type Bind<V> = <K extends keyof V & string>(k: K) => { value: string; onChange: (x: string) => void; error?: string };

interface Kind<T, V> {
  plural: "metrics" | "commands" | "slots";
  noun: string;
  schema: z.ZodType;
  id: (p: T) => string;
  key: (p: T) => string;
  values: (p?: T) => V;
  clean: (v: V) => unknown;
  /** Checks the schema cannot word well (JSON typed as text). */
  precheck?: (v: V) => Errors;
  columns: Column<T>[];
  fields: (bind: Bind<V>, form: FormState<V>) => ReactNode;
  empty: string;
}

const options = (xs: readonly string[]) => xs.map((x) => ({ value: x, label: x.replace(/_/g, " ") }));
const jsonError = (text: string) => {
  const p = parseJsonObject(text);
  return p.ok ? undefined : p.error;
};

const METRIC: Kind<TemplateMetric, tf.MetricValues> = {
  plural: "metrics",
  noun: "metric",
  schema: MetricFields,
  id: (m) => m.metricId,
  key: (m) => m.metricKey,
  values: tf.metricValues,
  clean: tf.cleanMetric,
  empty: "No metrics yet. Add the values devices of this kind report.",
  columns: [
    { key: "key", header: "Key", cell: (m) => <span className="mono">{m.metricKey}</span> },
    { key: "name", header: "Name", cell: (m) => m.displayName },
    { key: "type", header: "Type", cell: (m) => (m.dataType === "enum" ? `enum (${m.enumValues?.join(", ")})` : m.dataType) },
    { key: "unit", header: "Unit", cell: (m) => m.unit ?? "—" },
    { key: "range", header: "Range", cell: (m) => (m.minValue == null && m.maxValue == null ? "—" : `${m.minValue ?? "…"} to ${m.maxValue ?? "…"}`) },
    { key: "req", header: "Required", cell: (m) => (m.isRequired ? "yes" : "no") },
  ],
  fields: (bind, form) => (
    <>
      <div className="form-grid">
        <TextField label="Metric key" autoFocus {...bind("metricKey")} />
        <TextField label="Display name" {...bind("displayName")} />
        <SelectField label="Data type" options={options(tf.DATA_TYPES)} {...bind("dataType")} />
        <TextField label="Unit" {...bind("unit")} />
        <TextField label="Minimum" inputMode="decimal" {...bind("minValue")} />
        <TextField label="Maximum" inputMode="decimal" {...bind("maxValue")} />
        <TextField label="Precision (digits)" inputMode="numeric" {...bind("precisionDigits")} />
        <TextField label="Sort order" inputMode="numeric" {...bind("sortOrder")} />
      </div>
      {form.values.dataType === "enum" ? <TextField label="Enum values" hint="Comma-separated" {...bind("enumValues")} /> : null}
      <Checkbox label="Required in every message" checked={form.values.isRequired} onChange={(x) => form.set("isRequired", x)} />
      <TextArea label="Description" {...bind("description")} />
    </>
  ),
};

const COMMAND: Kind<TemplateCommand, tf.CommandValues> = {
  plural: "commands",
  noun: "command",
  schema: CommandFields,
  id: (c) => c.commandId,
  key: (c) => c.commandKey,
  values: tf.commandValues,
  clean: tf.cleanCommand,
  precheck: (v) => Object.fromEntries(([["parametersSchema", jsonError(v.parametersSchema)], ["responseSchema", jsonError(v.responseSchema)]] as const).filter(([, e]) => e)) as Errors,
  empty: "No commands yet. Add what devices of this kind can be asked to do.",
  columns: [
    { key: "key", header: "Key", cell: (c) => <span className="mono">{c.commandKey}</span> },
    { key: "name", header: "Name", cell: (c) => c.displayName },
    { key: "params", header: "Parameters", cell: (c) => Object.keys((c.parametersSchema.properties as object | undefined) ?? {}).join(", ") || "—" },
  ],
  fields: (bind) => (
    <>
      <div className="form-grid">
        <TextField label="Command key" autoFocus {...bind("commandKey")} />
        <TextField label="Display name" {...bind("displayName")} />
        <TextField label="Sort order" inputMode="numeric" {...bind("sortOrder")} />
      </div>
      <TextArea label="Description" {...bind("description")} />
      <div className="grid-2">
        <TextArea label="Parameters schema" className="mono" hint="A JSON Schema object; blank for none" {...bind("parametersSchema")} />
        <TextArea label="Response schema" className="mono" hint="A JSON Schema object; blank for none" {...bind("responseSchema")} />
      </div>
    </>
  ),
};

const SLOT: Kind<TemplateSlot, tf.SlotValues> = {
  plural: "slots",
  noun: "slot",
  schema: SlotFields,
  id: (s) => s.slotId,
  key: (s) => s.slotKey,
  values: tf.slotValues,
  clean: tf.cleanSlot,
  empty: "No slots. Add them when modules or sensors plug into devices of this kind.",
  columns: [
    { key: "key", header: "Key", cell: (s) => <span className="mono">{s.slotKey}</span> },
    { key: "name", header: "Name", cell: (s) => s.displayName },
    { key: "type", header: "Type", cell: (s) => s.slotType },
    { key: "if", header: "Interface", cell: (s) => s.interfaceType },
    { key: "max", header: "Max devices", className: "num", cell: (s) => s.maxDevices },
    { key: "compat", header: "Fits", cell: (s) => (s.compatibleModuleTemplateIds.length ? `${s.compatibleModuleTemplateIds.length} module template${s.compatibleModuleTemplateIds.length === 1 ? "" : "s"}` : "any module") },
  ],
  fields: (bind) => (
    <>
      <div className="form-grid">
        <TextField label="Slot key" autoFocus {...bind("slotKey")} />
        <TextField label="Display name" {...bind("displayName")} />
        <SelectField label="Slot type" options={options(tf.SLOT_TYPES)} {...bind("slotType")} />
        <SelectField label="Interface" options={options(tf.INTERFACES)} {...bind("interfaceType")} />
        <TextField label="Max devices" inputMode="numeric" {...bind("maxDevices")} />
        <TextField label="Sort order" inputMode="numeric" {...bind("sortOrder")} />
      </div>
      <TextArea label="Description" {...bind("description")} />
    </>
  ),
};

function PartModal<T, V>({ kind, templateId, part, onClose, onSaved }: { kind: Kind<T, V>; templateId: string; part?: T; onClose: () => void; onSaved: () => void }) {
  const [extra, setExtra] = useState<Errors>({});
  const base = `${TEMPLATES_API}/${templateId}/${kind.plural}`;
  const form = useForm(kind.values(part), kind.schema, async (body) => {
    await (part ? api.put(`${base}/${kind.id(part)}`, body) : api.post(base, body));
    onSaved();
  }, kind.clean);
  const bind: Bind<V> = (k) => ({
    value: String(form.values[k] ?? ""),
    onChange: (x) => (form.set(k, x as V[typeof k]), setExtra(({ [k]: _, ...rest }) => rest)),
    error: extra[k] ?? form.errors[k],
  });
  const submit = (e: { preventDefault(): void }) => {
    e.preventDefault();
    const pre = kind.precheck?.(form.values) ?? {};
    setExtra(pre);
    if (!Object.keys(pre).length) void form.submit();
  };
  return (
    <Modal open title={part ? `Edit ${kind.noun} ${kind.key(part)}` : `Add a ${kind.noun}`} onClose={onClose} wide>
      <form onSubmit={submit} noValidate>
        {kind.fields(bind, form)}
        {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
        <div className="form-actions">
          <Button variant="ghost" onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={form.busy}>{part ? "Save" : `Add ${kind.noun}`}</Button>
        </div>
      </form>
    </Modal>
  );
}

function PartCard<T, V>({ kind, t, rows, writable, onChanged }: { kind: Kind<T, V>; t: TemplateDetail; rows: T[]; writable: boolean; onChanged: () => Promise<unknown> }) {
  const [editing, setEditing] = useState<{ part?: T } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const remove = async (p: T) => {
    setBusy(kind.id(p));
    try {
      await api.del(`${TEMPLATES_API}/${t.templateId}/${kind.plural}/${kind.id(p)}`);
      await onChanged();
      toast(`Removed ${kind.noun} ${kind.key(p)}`);
    } catch (e) {
      toast(`Could not remove ${kind.key(p)}: ${errorMessage(e)}`, "bad");
    } finally {
      setBusy(null);
    }
  };
  const actions: Column<T> = {
    key: "actions",
    header: <span className="sr-only">Actions</span>,
    cell: (p) => (
      <span className="actions">
        <Button variant="ghost" aria-label={`Edit ${kind.key(p)}`} onClick={() => setEditing({ part: p })}>Edit</Button>
        <ConfirmButton variant="ghost" busy={busy === kind.id(p)} confirm={`Remove ${kind.key(p)}?`} onConfirm={() => void remove(p)}>Remove</ConfirmButton>
      </span>
    ),
  };
  const title = `${kind.plural[0]!.toUpperCase()}${kind.plural.slice(1)} (${rows.length})`;
  return (
    <Card title={title} actions={writable ? <Button onClick={() => setEditing({})}>Add {kind.noun}</Button> : null}>
      <DataTable rows={rows} rowKey={kind.id} caption={title} columns={writable ? [...kind.columns, actions] : kind.columns} empty={kind.empty} />
      {editing ? (
        <PartModal
          kind={kind}
          templateId={t.templateId}
          part={editing.part}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            toast(editing.part ? `Saved ${kind.noun} ${kind.key(editing.part)}` : `Added a ${kind.noun}`);
            void onChanged();
          }}
        />
      ) : null}
    </Card>
  );
}

export function TemplateParts({ t, writable, onChanged }: { t: TemplateDetail; writable: boolean; onChanged: () => Promise<unknown> }) {
  return (
    <div className="stack">
      <PartCard kind={METRIC} t={t} rows={t.metrics} writable={writable} onChanged={onChanged} />
      <PartCard kind={COMMAND} t={t} rows={t.commands} writable={writable} onChanged={onChanged} />
      <PartCard kind={SLOT} t={t} rows={t.slots} writable={writable} onChanged={onChanged} />
    </div>
  );
}
