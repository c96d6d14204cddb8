/**
 * Create or edit a system template's own fields in a dialog, checked with the API's schemas
 * (NewTemplate, TemplateFields) before sending; the server's field errors land on the same
 * fields. Transport defaults are typed as a JSON object.
 */
import { useState } from "react";
import { NewTemplate, TemplateFields } from "../../../http/api/bodies/templates";
import { api, ApiError } from "../../lib/api";
import { useForm } from "../../lib/form";
import { Button, SelectField, TextArea, TextField } from "../../ui/controls";
import { Modal } from "../../ui/layout";
import { jsonText, parseJsonObject } from "../device/forms";
import { CATEGORIES, cleanTemplate, templateValues } from "../device/template-forms";
import type { TemplateDetail } from "../device/types";

export const TEMPLATES_API = "/api/v1/operator/templates";
export const categoryName = (c: string) => c.replace(/_/g, " ");

/** The one unique field of a template is its slug (per owner): a conflict belongs on it. */
const slugTaken = (err: unknown): never => {
  if (err instanceof ApiError && err.status === 409 && !err.errors.length)
    throw new ApiError(409, err.code, "A template with this slug already exists.", [{ path: "body.slug", message: "already taken: choose another slug" }], err.requestId);
  throw err;
};

export function TemplateFormModal({ template, onClose, onSaved }: { template?: TemplateDetail; onClose: () => void; onSaved: (t: TemplateDetail) => void }) {
  const [defaults, setDefaults] = useState(jsonText(template?.transportDefaults));
  const [defaultsError, setDefaultsError] = useState<string | null>(null);
  const parsedDefaults = parseJsonObject(defaults);
  const body = (v: ReturnType<typeof templateValues>) => cleanTemplate(v, parsedDefaults.ok ? parsedDefaults.value : {});
  const form = useForm(
    templateValues(template),
    template ? TemplateFields : NewTemplate,
    async (parsed) => onSaved(await (template ? api.put<TemplateDetail>(`${TEMPLATES_API}/${template.templateId}`, parsed) : api.post<TemplateDetail>(TEMPLATES_API, parsed)).catch(slugTaken)),
    body,
  );
  const submit = (e: { preventDefault(): void }) => {
    e.preventDefault();
    setDefaultsError(parsedDefaults.ok ? null : parsedDefaults.error);
    if (parsedDefaults.ok) void form.submit();
  };
  const v = form.values;
  const field = <K extends keyof typeof v>(k: K) => ({ value: v[k] as string, onChange: (x: string) => form.set(k, x as (typeof v)[K]), error: form.errors[k as string] });
  return (
    <Modal open title={template ? `Edit ${template.name}` : "New system template"} onClose={onClose} wide>
      <form onSubmit={submit} noValidate>
        <div className="form-grid">
          <TextField label="Name" autoFocus {...field("name")} />
          <TextField label="Slug" hint="Lowercase letters, digits and '-'; unique among system templates" {...field("slug")} />
          <SelectField label="Category" options={CATEGORIES.map((c) => ({ value: c, label: categoryName(c) }))} {...field("category")} />
          <TextField label="Manufacturer" {...field("manufacturer")} />
          <TextField label="Model" {...field("model")} />
          <TextField label="Firmware pattern" hint="A regular expression firmware versions must match" {...field("firmwarePattern")} />
          <TextField label="Image URL" type="url" {...field("imageUrl")} />
        </div>
        <TextArea label="Description" {...field("description")} />
        <TextArea
          label="Transport defaults"
          className="mono"
          hint={'A JSON object, e.g. {"ingestion_protocol": "mqtt_direct"}; blank for none'}
          value={defaults}
          onChange={(x) => (setDefaults(x), setDefaultsError(null))}
          error={defaultsError ?? form.errors.transportDefaults}
        />
        {form.formError ? (
          <div className="form-error" role="alert">
            {form.formError}
          </div>
        ) : null}
        <div className="form-actions">
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" busy={form.busy}>
            {template ? "Save" : "Create template"}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
