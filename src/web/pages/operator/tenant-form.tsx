/**
 * The tenant profile form, in three uses: an operator creates a tenant ("Tenant ID", "Name", …),
 * an operator edits one, a tenant admin edits their organization. Validated with the route's
 * own body schema; the server's field errors land on the same inputs.
 */
import type { z } from "zod";
import { useForm } from "../../lib/form";
import { Button, TextField } from "../../ui/controls";
import { emptyProfile, profileBody, type ProfileValues } from "./tenant-model";

type Mode = "create" | "edit" | "organization";

const SUBMIT: Record<Mode, string> = { create: "Create tenant", edit: "Save", organization: "Save" };

export function TenantProfileForm<S extends z.ZodType>({
  mode,
  schema,
  initial,
  onSubmit,
  onCancel,
}: {
  mode: Mode;
  schema: S;
  initial?: ProfileValues;
  onSubmit: (body: z.output<S>) => Promise<unknown>;
  onCancel: () => void;
}) {
  const form = useForm(initial ?? emptyProfile(), schema, onSubmit, (v) => profileBody(v, mode));
  const { values: v, errors: e, set } = form;
  return (
    <form onSubmit={(ev) => void form.submit(ev)} noValidate>
      <div className="form-grid">
        {mode === "create" ? (
          <TextField label="Tenant ID" value={v.tenantId} onChange={(x) => set("tenantId", x)} error={e.tenantId} autoFocus hint="Lowercase letters, digits, '_' or '-'. Permanent: it appears in MQTT topics." />
        ) : null}
        <TextField label="Name" value={v.name} onChange={(x) => set("name", x)} error={e.name} autoFocus={mode !== "create"} />
        <TextField label="Contact email" type="email" value={v.contactEmail} onChange={(x) => set("contactEmail", x)} error={e.contactEmail} />
        <TextField label="Legal name" value={v.legalName} onChange={(x) => set("legalName", x)} error={e.legalName} />
        <TextField label="Industry" value={v.industry} onChange={(x) => set("industry", x)} error={e.industry} />
        <TextField label="Country" value={v.country} onChange={(x) => set("country", x)} error={e.country} hint="Two-letter code, e.g. NL" maxLength={2} />
        {mode !== "organization" ? (
          <TextField label="Data region" value={v.dataRegion} onChange={(x) => set("dataRegion", x)} error={e.dataRegion} hint="Where the tenant's data lives, e.g. eu-west" />
        ) : null}
      </div>
      {form.formError && !Object.keys(e).length ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" busy={form.busy}>{SUBMIT[mode]}</Button>
      </div>
    </form>
  );
}
