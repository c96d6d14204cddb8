/** Pieces shared by the template list and a template's page: the source badge and the clone, create and edit dialogs. */
import { useQueryClient } from "@tanstack/react-query";
import { useLocation } from "wouter";
import { CloneTemplate, NewTemplate, TemplateFields } from "../../../http/api/bodies/templates";
import { api } from "../../lib/api";
import { useForm, type FormState } from "../../lib/form";
import { SelectField, TextArea, TextField } from "../../ui/controls";
import { toast } from "../../ui/toast";
import { choices, FormModal } from "./form-modal";
import { TEMPLATES } from "./queries";
import { CATEGORIES, cleanClone, cleanTemplate, cloneValues, templateValues, type TemplateValues } from "./template-forms";
import type { Template, TemplateDetail } from "./types";

/** System (locked, read-only) or own. */
export function SourceBadge({ t }: { t: Pick<Template, "source" | "isLocked"> }) {
  return t.source === "system" ? (
    <span className="badge" title="Maintained by the platform operators; clone it to change it">
      system · read-only
    </span>
  ) : (
    <span className="badge badge-ok">own</span>
  );
}

/** Clones any template (system or own) and opens the copy. */
export function CloneModal({ template, onClose }: { template: Template; onClose: () => void }) {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const form = useForm(
    cloneValues(template),
    CloneTemplate,
    async (body) => {
      const t = await api.post<TemplateDetail>(`${TEMPLATES}/${template.templateId}/clone`, body);
      await qc.invalidateQueries({ queryKey: ["templates"] });
      toast(`Cloned ${template.name} as ${t.name}`);
      onClose();
      navigate(`/templates/${t.templateId}`);
    },
    cleanClone,
  );
  return (
    <FormModal title={`Clone ${template.name}`} form={form} submitLabel="Clone template" onClose={onClose}>
      <TextField label="Slug" value={form.values.slug} onChange={(x) => form.set("slug", x)} error={form.errors.slug} hint="Lowercase letters, digits and '-'" required autoFocus />
      <TextField label="Name" value={form.values.name} onChange={(x) => form.set("name", x)} error={form.errors.name} />
    </FormModal>
  );
}

function TemplateFieldInputs({ form }: { form: FormState<TemplateValues> }) {
  const { values: v, set, errors: e } = form;
  return (
    <>
      <TextField label="Name" value={v.name} onChange={(x) => set("name", x)} error={e.name} required />
      <TextField label="Slug" value={v.slug} onChange={(x) => set("slug", x)} error={e.slug} hint="Lowercase letters, digits and '-'" required />
      <SelectField label="Category" value={v.category} onChange={(x) => set("category", x)} options={choices(CATEGORIES)} error={e.category} />
      <TextField label="Manufacturer" value={v.manufacturer} onChange={(x) => set("manufacturer", x)} error={e.manufacturer} />
      <TextField label="Model" value={v.model} onChange={(x) => set("model", x)} error={e.model} />
      <TextField label="Firmware pattern" value={v.firmwarePattern} onChange={(x) => set("firmwarePattern", x)} error={e.firmwarePattern} hint="A regular expression firmware versions must match" className="mono" />
      <TextField label="Image URL" type="url" value={v.imageUrl} onChange={(x) => set("imageUrl", x)} error={e.imageUrl} />
      <TextArea label="Description" value={v.description} onChange={(x) => set("description", x)} error={e.description} />
    </>
  );
}

/** A new own template (its parts are added on its page). */
export function NewTemplateModal({ onClose }: { onClose: () => void }) {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const form = useForm(
    templateValues(),
    NewTemplate,
    async (body) => {
      const t = await api.post<TemplateDetail>(TEMPLATES, body);
      await qc.invalidateQueries({ queryKey: ["templates"] });
      toast(`Template ${t.name} created`);
      onClose();
      navigate(`/templates/${t.templateId}`);
    },
    (v) => cleanTemplate(v),
  );
  return (
    <FormModal title="New template" form={form} submitLabel="Create template" onClose={onClose} wide>
      <TemplateFieldInputs form={form} />
    </FormModal>
  );
}

/** Replaces an own template's fields; its transport defaults are kept as they are. */
export function EditTemplateModal({ template, onClose }: { template: TemplateDetail; onClose: () => void }) {
  const qc = useQueryClient();
  const form = useForm(
    templateValues(template),
    TemplateFields,
    async (body) => {
      const t = await api.put<TemplateDetail>(`${TEMPLATES}/${template.templateId}`, body);
      qc.setQueryData(["template", template.templateId], t);
      await qc.invalidateQueries({ queryKey: ["templates"] });
      toast(`Template ${t.name} saved`);
      onClose();
    },
    (v) => cleanTemplate(v, template.transportDefaults),
  );
  return (
    <FormModal title={`Edit ${template.name}`} form={form} submitLabel="Save template" onClose={onClose} wide>
      <TemplateFieldInputs form={form} />
    </FormModal>
  );
}
