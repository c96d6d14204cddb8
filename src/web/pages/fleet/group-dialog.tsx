/** Creating or editing a device group: a static list of devices, or a dynamic device filter. */
import { useQueryClient } from "@tanstack/react-query";
import { GroupPatch, NewGroup } from "../../../http/api/bodies/devices";
import { api } from "../../lib/api";
import { useForm, type FormState } from "../../lib/form";
import { Button, Checkbox, SelectField, TextArea, TextField } from "../../ui/controls";
import { toast } from "../../ui/toast";
import { API, CONNECTIVITY, DEVICE_STATUSES, useSites, useTemplates, type Group } from "./data";
import { withCurrent } from "./device-query";
import { GROUP_FORM, groupFieldErrors, groupPatchBody, newGroupBody, toGroupForm, type GroupForm } from "./group-form";

function Choices({ legend, options, value, onChange, error }: { legend: string; options: readonly string[]; value: string[]; onChange: (v: string[]) => void; error?: string }) {
  return (
    <fieldset className="fleet-choices">
      <legend>{legend}</legend>
      {options.map((o) => (
        <Checkbox key={o} label={o.toLowerCase()} checked={value.includes(o)} onChange={(on) => onChange(on ? [...value, o] : value.filter((x) => x !== o))} />
      ))}
      {error ? <div className="field-error" role="alert">{error}</div> : null}
    </fieldset>
  );
}

function FilterFields({ form, errors }: { form: FormState<GroupForm>; errors: Record<string, string> }) {
  const sites = useSites();
  const templates = useTemplates();
  const v = form.values;
  const siteOptions = withCurrent([{ value: "", label: "Any site" }, ...(sites.data?.items ?? []).map((s) => ({ value: s.siteId, label: s.name }))], v.siteId);
  const templateOptions = withCurrent([{ value: "", label: "Any template" }, ...(templates.data?.items ?? []).map((t) => ({ value: t.templateId, label: t.name }))], v.templateId);
  return (
    <fieldset className="fleet-filter">
      <legend>Devices in this group</legend>
      <div className="grid-2">
        <Choices legend="Status (any of; decommissioned left out unless chosen)" options={DEVICE_STATUSES} value={v.status} onChange={(x) => form.set("status", x)} error={errors.status} />
        <Choices legend="Connectivity (any of)" options={CONNECTIVITY} value={v.connectivity} onChange={(x) => form.set("connectivity", x)} error={errors.connectivity} />
      </div>
      <div className="form-grid">
        <SelectField label="Site" value={v.siteId} onChange={(x) => form.set("siteId", x)} options={siteOptions} error={errors.siteId} />
        <SelectField label="Template" value={v.templateId} onChange={(x) => form.set("templateId", x)} options={templateOptions} error={errors.templateId} />
        <TextField label="Tags" hint="Comma-separated; devices need all of them." value={v.tag} onChange={(x) => form.set("tag", x)} error={errors.tag} />
        <TextField label="Search" hint="Words in id, name, serial or model." value={v.search} onChange={(x) => form.set("search", x)} error={errors.search} />
      </div>
    </fieldset>
  );
}

export function GroupDialog({ group, onClose, onSaved }: { group: Group | null; onClose: () => void; onSaved: (g: Group) => void }) {
  const qc = useQueryClient();
  const editing = group !== null;
  const form = useForm<GroupForm, typeof NewGroup | typeof GroupPatch>(
    group ? toGroupForm(group) : GROUP_FORM,
    editing ? GroupPatch : NewGroup,
    async (body) => {
      const saved = editing ? await api.patch<Group>(`${API}/device-groups/${group.groupId}`, body) : await api.post<Group>(`${API}/device-groups`, body);
      await qc.invalidateQueries({ queryKey: ["groups"] });
      toast(`Group ${saved.name} ${editing ? "saved" : "created"}`);
      onSaved(saved);
    },
    editing ? groupPatchBody : newGroupBody,
  );
  const v = form.values;
  const errors = groupFieldErrors(form.errors);
  return (
    <form onSubmit={(e) => void form.submit(e)} noValidate>
      {editing ? null : (
        <fieldset className="fleet-choices">
          <legend>Kind</legend>
          {(["static", "dynamic"] as const).map((k) => (
            <label key={k} className="check">
              <input type="radio" name="kind" value={k} checked={v.kind === k} onChange={() => form.set("kind", k)} />
              {k === "static" ? "Static: the devices you list" : "Dynamic: every device matching a filter"}
            </label>
          ))}
        </fieldset>
      )}
      <TextField label="Name" value={v.name} onChange={(x) => form.set("name", x)} error={errors.name} required autoFocus />
      <TextArea label="Description" value={v.description} onChange={(x) => form.set("description", x)} error={errors.description} rows={2} />
      {v.kind === "static" && !editing ? (
        <TextArea label="Device IDs" hint="Device ids, separated by commas, spaces or lines. You can add more later." value={v.deviceIds} onChange={(x) => form.set("deviceIds", x)} error={errors.deviceIds} rows={3} className="mono" />
      ) : null}
      {v.kind === "dynamic" ? <FilterFields form={form} errors={errors} /> : null}
      {form.formError && !Object.keys(errors).length ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button onClick={onClose}>Cancel</Button>
        <Button type="submit" variant="primary" busy={form.busy}>{editing ? "Save group" : "Create group"}</Button>
      </div>
    </form>
  );
}
