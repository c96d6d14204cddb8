/**
 * Lists: a table with loading, error and empty states, optional row selection for bulk
 * actions, and offset pagination. `QueryView` gives any query the same three states.
 */
import type { ReactNode } from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import { errorMessage } from "../lib/api";
import { Button } from "./controls";

export interface Column<T> {
  key: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  className?: string;
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden /> {label}
    </div>
  );
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <strong>Could not load this.</strong> {errorMessage(error)} {retry ? <Button variant="ghost" onClick={retry}>Try again</Button> : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

/** Renders loading / error / content for one query. */
export function QueryView<T>({ query, children }: { query: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorBox error={query.error} retry={() => void query.refetch()} />;
  return <>{children(query.data)}</>;
}

export function DataTable<T>({
  query,
  rows,
  columns,
  rowKey,
  empty,
  onRowClick,
  selected,
  onSelect,
  caption,
}: {
  query?: UseQueryResult<unknown>;
  rows: T[] | undefined;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  empty: ReactNode;
  onRowClick?: (row: T) => void;
  selected?: Set<string>;
  onSelect?: (next: Set<string>) => void;
  caption?: string;
}) {
  if (query?.isPending) return <Loading />;
  if (query?.isError) return <ErrorBox error={query.error} retry={() => void query.refetch()} />;
  if (!rows?.length) return <Empty>{empty}</Empty>;
  const all = selected && rows.every((r) => selected.has(rowKey(r)));
  const toggle = (k: string) => {
    const next = new Set(selected);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    onSelect?.(next);
  };
  return (
    <div className="table-wrap">
      <table className={`table ${onRowClick ? "table-clickable" : ""}`}>
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead>
          <tr>
            {onSelect ? (
              <th className="col-check">
                <input type="checkbox" aria-label="Select all on this page" checked={!!all} onChange={() => onSelect(all ? new Set() : new Set(rows.map(rowKey)))} />
              </th>
            ) : null}
            {columns.map((c) => (
              <th key={c.key} className={c.className} scope="col">
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const k = rowKey(r);
            return (
              <tr
                key={k}
                tabIndex={onRowClick ? 0 : undefined}
                onClick={onRowClick ? (e) => (e.target as HTMLElement).closest("a,button,input,label") || onRowClick(r) : undefined}
                onKeyDown={
                  onRowClick
                    ? (e) => {
                        if (e.key !== "Enter" || e.target !== e.currentTarget) return;
                        // Else the same keypress would press whatever the row opens (a dialog's first button).
                        e.preventDefault();
                        onRowClick(r);
                      }
                    : undefined
                }
                aria-selected={selected?.has(k) || undefined}
              >
                {onSelect ? (
                  <td className="col-check">
                    <input type="checkbox" aria-label={`Select ${k}`} checked={selected!.has(k)} onChange={() => toggle(k)} />
                  </td>
                ) : null}
                {columns.map((c) => (
                  <td key={c.key} className={c.className}>
                    {c.cell(r)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function Pagination({ total, limit, offset, onChange }: { total: number; limit: number; offset: number; onChange: (offset: number) => void }) {
  if (total <= limit && offset === 0) return total ? <div className="pager muted">{total} in all</div> : null;
  const last = Math.max(0, Math.floor((total - 1) / limit) * limit);
  return (
    <nav className="pager" aria-label="Pages">
      <span className="muted">
        {total ? offset + 1 : 0}–{Math.min(total, offset + limit)} of {total}
      </span>
      <Button variant="ghost" disabled={offset === 0} onClick={() => onChange(0)}>First</Button>
      <Button variant="ghost" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>Previous</Button>
      <Button variant="ghost" disabled={offset + limit >= total} onClick={() => onChange(offset + limit)}>Next</Button>
      <Button variant="ghost" disabled={offset >= last} onClick={() => onChange(last)}>Last</Button>
    </nav>
  );
}
