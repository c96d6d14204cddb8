/** A form in a modal dialog, as every add and edit of the device and template pages uses it. */
import type { ReactNode } from "react";
import type { FormState } from "../../lib/form";
import { Button } from "../../ui/controls";
import { Modal } from "../../ui/layout";

export function FormModal<T>({ title, form, submitLabel, onClose, children, wide }: { title: string; form: FormState<T>; submitLabel: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  return (
    <Modal open title={title} onClose={onClose} wide={wide}>
      <form onSubmit={(e) => void form.submit(e)} noValidate>
        <div className="form-grid">{children}</div>
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
            {submitLabel}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

/** One option list for a SelectField from enum values, with an optional blank choice first. */
export const choices = (values: readonly string[], blank?: string) => [...(blank !== undefined ? [{ value: "", label: blank }] : []), ...values.map((v) => ({ value: v, label: v.replaceAll("_", " ") }))];
