/**
 * Forms validated with the API's own zod schemas: the same rules give the same messages before
 * the request is sent, and the server's problem+json field errors land on the same fields.
 */
import { useState } from "react";
import type { z } from "zod";
import { ApiError, errorMessage } from "./api";

export interface FormState<T> {
  values: T;
  set<K extends keyof T>(key: K, v: T[K]): void;
  setAll(v: T): void;
  errors: Record<string, string>;
  /** An error that belongs to no field (network, conflict, permission). */
  formError: string | null;
  busy: boolean;
  /** Validates with `schema`, then runs `action` with the parsed value; maps server errors back. */
  submit(e?: { preventDefault(): void }): Promise<void>;
}

export function issuesToErrors(issues: z.core.$ZodIssue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) out[i.path.join(".") || "_"] ??= i.message;
  return out;
}

export function useForm<T, S extends z.ZodType>(initial: T, schema: S, action: (parsed: z.output<S>) => Promise<unknown>, clean?: (v: T) => unknown): FormState<T> {
  const [values, setValues] = useState<T>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return {
    values,
    errors,
    formError,
    busy,
    set: (k, v) => {
      setValues((old) => ({ ...old, [k]: v }));
      setErrors((old) => {
        if (!old[k as string]) return old;
        const { [k as string]: _, ...rest } = old;
        return rest;
      });
    },
    setAll: setValues,
    async submit(e) {
      e?.preventDefault();
      setFormError(null);
      const parsed = schema.safeParse(clean ? clean(values) : values);
      if (!parsed.success) {
        setErrors(issuesToErrors(parsed.error.issues));
        return;
      }
      setErrors({});
      setBusy(true);
      try {
        await action(parsed.data);
      } catch (err) {
        if (err instanceof ApiError && err.errors.length) setErrors(err.fieldErrors());
        setFormError(errorMessage(err));
      } finally {
        setBusy(false);
      }
    },
  };
}

/** Empty strings in a form become absent (optional) fields. */
export function blanksToUndefined<T extends Record<string, unknown>>(v: T): T {
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === "" ? undefined : x])) as T;
}
