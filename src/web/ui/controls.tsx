/** Buttons and form controls. Every control has a visible label and shows its field error. */
import { useId, useState, type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";

type Variant = "primary" | "secondary" | "danger" | "ghost";

export function Button({ variant = "secondary", busy, children, ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean }) {
  return (
    <button type="button" {...rest} className={`btn btn-${variant} ${rest.className ?? ""}`} disabled={rest.disabled || busy} aria-busy={busy || undefined}>
      {busy ? <span className="spinner" aria-hidden /> : null}
      {children}
    </button>
  );
}

/** A label, its control, a hint and the field's error, wired with ids for screen readers. */
export function Field({ label, error, hint, children }: { label: string; error?: string; hint?: ReactNode; children: (id: string, describedBy?: string) => ReactNode }) {
  const id = useId();
  const describedBy = error ? `${id}-err` : hint ? `${id}-hint` : undefined;
  return (
    <div className={`field ${error ? "field-invalid" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children(id, describedBy)}
      {error ? (
        <div className="field-error" id={`${id}-err`} role="alert">
          {error}
        </div>
      ) : hint ? (
        <div className="field-hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
    </div>
  );
}

export function TextField({ label, error, hint, value, onChange, ...rest }: { label: string; error?: string; hint?: ReactNode; value: string; onChange: (v: string) => void } & Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange">) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(id, d) => <input id={id} aria-describedby={d} aria-invalid={!!error || undefined} value={value} onChange={(e) => onChange(e.target.value)} {...rest} />}
    </Field>
  );
}

export function TextArea({ label, error, hint, value, onChange, ...rest }: { label: string; error?: string; hint?: ReactNode; value: string; onChange: (v: string) => void } & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "value" | "onChange">) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(id, d) => <textarea id={id} aria-describedby={d} aria-invalid={!!error || undefined} value={value} onChange={(e) => onChange(e.target.value)} {...rest} />}
    </Field>
  );
}

export function SelectField({ label, error, hint, value, onChange, options, ...rest }: { label: string; error?: string; hint?: ReactNode; value: string; onChange: (v: string) => void; options: readonly (string | { value: string; label: string })[] } & Omit<SelectHTMLAttributes<HTMLSelectElement>, "value" | "onChange">) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(id, d) => (
        <select id={id} aria-describedby={d} aria-invalid={!!error || undefined} value={value} onChange={(e) => onChange(e.target.value)} {...rest}>
          {options.map((o) => (typeof o === "string" ? <option key={o} value={o}>{o || "—"}</option> : <option key={o.value} value={o.value}>{o.label}</option>))}
        </select>
      )}
    </Field>
  );
}

export function Checkbox({ label, checked, onChange, ...rest }: { label: ReactNode; checked: boolean; onChange: (v: boolean) => void } & Omit<InputHTMLAttributes<HTMLInputElement>, "checked" | "onChange">) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} {...rest} /> {label}
    </label>
  );
}

/** A search box for list filters (the value lives in the URL). */
export function SearchInput({ value, onChange, label = "Search", placeholder }: { value: string; onChange: (v: string) => void; label?: string; placeholder?: string }) {
  return <input type="search" className="search" aria-label={label} placeholder={placeholder ?? label} value={value} onChange={(e) => onChange(e.target.value)} />;
}

/** A button that asks once more before doing something that cannot be undone. */
export function ConfirmButton({ onConfirm, children, confirm = "Are you sure?", variant = "danger", busy }: { onConfirm: () => void; children: ReactNode; confirm?: string; variant?: Variant; busy?: boolean }) {
  const [asking, setAsking] = useState(false);
  if (!asking) return <Button variant={variant} busy={busy} onClick={() => setAsking(true)}>{children}</Button>;
  return (
    <span className="confirm" role="group" aria-label={confirm}>
      <span>{confirm}</span>
      <Button variant={variant} autoFocus onClick={() => (setAsking(false), onConfirm())}>Yes</Button>
      <Button variant="ghost" onClick={() => setAsking(false)}>No</Button>
    </span>
  );
}

/** Text with a copy button (credentials, snippets). */
export function CopyBlock({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="copy-block">
      <pre aria-label={label}>{text}</pre>
      <Button variant="ghost" onClick={() => void navigator.clipboard?.writeText(text).then(() => (setCopied(true), setTimeout(() => setCopied(false), 1500)))}>
        {copied ? "Copied" : "Copy"}
      </Button>
    </div>
  );
}
