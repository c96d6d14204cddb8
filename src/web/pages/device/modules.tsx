/**
 * Modules installed in the slots of a device's template: install, edit, remove (a removed
 * module is kept as history by the API).
 */
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ModuleUpdate, NewModule } from "../../../http/api/bodies/device-parts";
import { api, errorMessage, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useForm } from "../../lib/form";
import { ago } from "../../lib/format";
import { StatusBadge } from "../../ui/badges";
import { Button, ConfirmButton, SelectField, TextArea, TextField } from "../../ui/controls";
import { Card } from "../../ui/layout";
import { DataTable, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { FormModal } from "./form-modal";
import { parseKeyMap } from "./forms";
import { cleanModuleUpdate, cleanNewModule, moduleValues } from "./part-forms";
import { devicePath, TEMPLATES } from "./queries";
import type { Module, Template, TemplateDetail } from "./types";

/** The expansion-module templates a module may be made from. */
function useModuleTemplates() {
  const q = { category: "expansion_module", limit: 1000 };
  return useQuery({ queryKey: ["templates", q], queryFn: () => api.get<Page<Template>>(TEMPLATES, q) });
}

function ModuleForm({ deviceId, templateId, module, onDone }: { deviceId: string; templateId: string | null; module?: Module; onDone: () => void }) {
  const qc = useQueryClient();
  const base = `${devicePath(deviceId)}/modules`;
  const template = useQuery({ queryKey: ["template", templateId], queryFn: () => api.get<TemplateDetail>(`${TEMPLATES}/${templateId}`), enabled: !!templateId && !module });
  const moduleTemplates = useModuleTemplates();
  const form = useForm(
    moduleValues(module),
    module ? ModuleUpdate : NewModule,
    async (body) => {
      const m = module ? await api.put<Module>(`${base}/${module.moduleId}`, body) : await api.post<Module>(base, body);
      await qc.invalidateQueries({ queryKey: ["device", deviceId] });
      toast(module ? `Module in ${m.slotKey} saved` : `Module installed in ${m.slotKey}`);
      onDone();
    },
    module ? cleanModuleUpdate : cleanNewModule,
  );
  const { values: v, set, errors: e } = form;
  const map = parseKeyMap(v.metricKeyMap);
  const slots = template.data?.slots ?? [];
  return (
    <FormModal title={module ? `Edit module in ${module.slotKey}` : "Install module"} form={form} submitLabel={module ? "Save module" : "Install module"} onClose={onDone} wide>
      {module ? null : template.isError || !templateId ? (
        <TextField label="Slot" value={v.slotKey} onChange={(x) => set("slotKey", x)} error={e.slotKey} hint="A slot key of the device's template" />
      ) : (
        <SelectField
          label="Slot"
          value={v.slotKey}
          onChange={(x) => set("slotKey", x)}
          error={e.slotKey}
          disabled={template.isPending}
          options={[{ value: "", label: template.isPending ? "Loading slots…" : "Choose a slot…" }, ...slots.map((s) => ({ value: s.slotKey, label: `${s.displayName} (${s.slotKey}, ${s.interfaceType})` }))]}
        />
      )}
      {module ? null : (
        <SelectField
          label="Module template"
          value={v.moduleTemplateId}
          onChange={(x) => set("moduleTemplateId", x)}
          error={e.moduleTemplateId}
          options={[{ value: "", label: "None" }, ...(moduleTemplates.data?.items ?? []).map((t) => ({ value: t.templateId, label: t.name }))]}
        />
      )}
      <TextField label="Bus address" value={v.busAddress} onChange={(x) => set("busAddress", x)} error={e.busAddress} />
      <TextField label="Label" value={v.label} onChange={(x) => set("label", x)} error={e.label} />
      <TextField label="Serial number" value={v.serialNumber} onChange={(x) => set("serialNumber", x)} error={e.serialNumber} />
      {module ? <SelectField label="Status" value={v.status} onChange={(x) => set("status", x)} options={["active", "inactive"]} error={e.status} /> : null}
      <TextArea
        label="Metric key map"
        value={v.metricKeyMap}
        onChange={(x) => set("metricKeyMap", x)}
        error={v.metricKeyMap && !map.ok ? map.error : e.metricKeyMap}
        hint="One raw_key = stored_key per line, e.g. t1 = freezer_temp_c"
        className="mono"
      />
    </FormModal>
  );
}

export function ModulesCard({ deviceId, templateId }: { deviceId: string; templateId: string | null }) {
  const qc = useQueryClient();
  const write = canWrite(useAuth().me);
  const [editing, setEditing] = useState<Module | "new" | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const modules = useQuery({ queryKey: ["device", deviceId, "modules"], queryFn: () => api.get<Page<Module>>(`${devicePath(deviceId)}/modules`, { limit: 1000 }) });
  const templates = useModuleTemplates();
  const templateName = (id: string | null) => (id ? (templates.data?.items.find((t) => t.templateId === id)?.name ?? id) : "—");
  const remove = async (m: Module) => {
    setRemoving(m.moduleId);
    try {
      await api.del(`${devicePath(deviceId)}/modules/${m.moduleId}`);
      await qc.invalidateQueries({ queryKey: ["device", deviceId] });
      toast(`Module removed from ${m.slotKey}`);
    } catch (err) {
      toast(`Could not remove the module: ${errorMessage(err)}`, "bad");
    } finally {
      setRemoving(null);
    }
  };
  const columns: Column<Module>[] = [
    { key: "slot", header: "Slot", cell: (m) => <span className="mono">{m.slotKey}</span> },
    { key: "label", header: "Label", cell: (m) => m.label ?? "—" },
    { key: "template", header: "Module template", cell: (m) => templateName(m.moduleTemplateId) },
    { key: "address", header: "Bus address", cell: (m) => (m.busAddress ? <span className="mono">{m.busAddress}</span> : "—") },
    { key: "serial", header: "Serial", cell: (m) => m.serialNumber ?? "—" },
    { key: "map", header: "Metric keys", cell: (m) => <span className="mono device-keymap">{Object.entries(m.metricKeyMap).map(([k, s]) => `${k}→${s}`).join(", ") || "—"}</span> },
    { key: "status", header: "Status", cell: (m) => <StatusBadge status={m.status.toUpperCase()} /> },
    { key: "installed", header: "Installed", cell: (m) => ago(m.installedAt) },
    ...(write
      ? [{
          key: "actions",
          header: <span className="sr-only">Actions</span>,
          cell: (m: Module) => (
            <span className="row device-actions">
              <Button variant="ghost" onClick={() => setEditing(m)} aria-label={`Edit module in ${m.slotKey}`}>Edit</Button>
              <ConfirmButton confirm="Remove this module? It stays as history." busy={removing === m.moduleId} onConfirm={() => void remove(m)}>Remove</ConfirmButton>
            </span>
          ),
        }]
      : []),
  ];
  return (
    <Card title="Modules" actions={write && templateId ? <Button variant="primary" onClick={() => setEditing("new")}>Install module</Button> : null}>
      <DataTable
        query={modules}
        rows={modules.data?.items}
        columns={columns}
        rowKey={(m) => m.moduleId}
        caption="Modules"
        empty={templateId ? (write ? "No modules installed. Install one in a slot of this device's template." : "No modules installed.") : "This device has no template, so it has no slots for modules."}
      />
      {editing ? <ModuleForm deviceId={deviceId} templateId={templateId} module={editing === "new" ? undefined : editing} onDone={() => setEditing(null)} /> : null}
    </Card>
  );
}
