/**
 * Pieces of both audit pages: the time-range filter (relative or between two local times, kept
 * in the URL as ISO instants) and a table whose rows expand to show an entry's details.
 */
import { Fragment, useEffect, useState, type ReactNode } from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import { ApiError } from "../../lib/api";
import { Field, SelectField, TextField } from "../../ui/controls";
import { Empty, ErrorBox, Loading, type Column } from "../../ui/table";
import { fromLocalInput, RANGES, toLocalInput } from "./audit-query";

/** Field errors of a failed list query (problem+json `query.x` → `x`), to show on the filters. */
export const queryFieldErrors = (q: UseQueryResult<unknown>) => (q.error instanceof ApiError ? q.error.fieldErrors() : {});

export function TimeRangeFilter({ range, from, to, errors, onChange }: { range: string; from: string; to: string; errors: Record<string, string>; onChange: (p: { range?: string; from?: string | null; to?: string | null }) => void }) {
  return (
    <>
      <SelectField label="Time" value={range} options={RANGES} onChange={(r) => onChange(r === "custom" ? { range: r } : { range: r, from: null, to: null })} />
      {range === "custom" ? (
        <>
          <LocalTime label="From" value={from} error={errors.from} onChange={(v) => onChange({ from: v })} />
          <LocalTime label="To" value={to} error={errors.to} onChange={(v) => onChange({ to: v })} />
        </>
      ) : null}
    </>
  );
}

/** A text filter applied on Enter or when focus leaves it, not on every keystroke (a half-typed value is often invalid). */
export function TextFilter({ label, value, error, placeholder, list, onApply }: { label: string; value: string; error?: string; placeholder?: string; list?: string; onApply: (v: string) => void }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const apply = () => draft.trim() !== value && onApply(draft.trim());
  return (
    <TextField
      label={label}
      value={draft}
      error={error}
      placeholder={placeholder}
      list={list}
      onChange={setDraft}
      onBlur={apply}
      onKeyDown={(e) => {
        if (e.key !== "Enter") return;
        e.preventDefault();
        apply();
      }}
    />
  );
}

function LocalTime({ label, value, error, onChange }: { label: string; value: string; error?: string; onChange: (iso: string | null) => void }) {
  return (
    <Field label={label} error={error}>
      {(id, d) => <input id={id} type="datetime-local" aria-describedby={d} aria-invalid={!!error || undefined} value={toLocalInput(value)} onChange={(e) => onChange(fromLocalInput(e.target.value) || null)} />}
    </Field>
  );
}

/** A table whose rows open (button in the last column) onto a full-width detail row. */
export function ExpandableTable<T>({ query, rows, columns, rowKey, detail, empty, caption }: {
  query: UseQueryResult<unknown>;
  rows: T[] | undefined;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  detail: (row: T) => ReactNode;
  empty: ReactNode;
  caption: string;
}) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorBox error={query.error} retry={() => void query.refetch()} />;
  if (!rows?.length) return <Empty>{empty}</Empty>;
  const toggle = (k: string) => setOpen((old) => {
    const next = new Set(old);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    return next;
  });
  return (
    <div className="table-wrap">
      <table className="table admin-audit">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => <th key={c.key} scope="col" className={c.className}>{c.header}</th>)}
            <th scope="col"><span className="sr-only">Details</span></th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const k = rowKey(r);
            const isOpen = open.has(k);
            return (
              <Fragment key={k}>
                <tr className={isOpen ? "admin-open" : undefined}>
                  {columns.map((c) => <td key={c.key} className={c.className}>{c.cell(r)}</td>)}
                  <td className="admin-toggle">
                    <button type="button" className="btn btn-ghost" aria-expanded={isOpen} aria-controls={isOpen ? `audit-${k}` : undefined} onClick={() => toggle(k)}>
                      {isOpen ? "Hide" : "Details"}
                    </button>
                  </td>
                </tr>
                {isOpen ? (
                  <tr id={`audit-${k}`} className="admin-detail">
                    <td colSpan={columns.length + 1}>{detail(r)}</td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export const prettyJson = (v: unknown) => JSON.stringify(v, null, 2);
