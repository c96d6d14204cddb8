/**
 * Pieces the notify pages share: the lists they pick from (channels, schedules, sites), a
 * labelled group of checkboxes, the enabled badge, a send result, and the write-action helper
 * that toasts and refreshes.
 */
import { useState, type ReactNode } from "react";
import { useQuery, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { api, errorMessage, type Page } from "../../lib/api";
import { Checkbox } from "../../ui/controls";
import { ErrorBox, Loading } from "../../ui/table";
import { toast } from "../../ui/toast";
import { ALL, PATHS, sendSummary, type Channel, type Schedule, type SendResult } from "./types";

export const useAllChannels = () => useQuery({ queryKey: ["channels", "all"], queryFn: () => api.get<Page<Channel>>(PATHS.channels, ALL) });
export const useAllSchedules = () => useQuery({ queryKey: ["oncall", "all"], queryFn: () => api.get<Page<Schedule>>(PATHS.schedules, ALL) });
export const useAllSites = () =>
  useQuery({ queryKey: ["sites", "all"], queryFn: () => api.get<Page<{ siteId: string; name: string }>>(PATHS.sites, ALL), staleTime: 60_000 });

/**
 * Runs a write, toasts its outcome and refreshes the queries under `keys`; `busy` names the
 * write in flight (so only its button spins). Errors are toasted, not thrown.
 */
export function useAction() {
  const qc = useQueryClient();
  const [busy, setBusy] = useState<string | null>(null);
  async function run<T>(id: string, work: () => Promise<T>, o: { ok: string | ((r: T) => string); keys: string[][] }): Promise<T | undefined> {
    setBusy(id);
    try {
      const r = await work();
      toast(typeof o.ok === "function" ? o.ok(r) : o.ok);
      return r;
    } catch (err) {
      toast(errorMessage(err), "bad");
      return undefined;
    } finally {
      setBusy(null);
      await Promise.all(o.keys.map((queryKey) => qc.invalidateQueries({ queryKey })));
    }
  }
  return { busy, run };
}

/** Checkboxes under one legend; `none` says what an empty choice means. */
export function CheckGroup<T extends string>({
  legend,
  options,
  value,
  onChange,
  error,
  hint,
}: {
  legend: string;
  options: readonly (T | { value: T; label: ReactNode })[];
  value: readonly T[];
  onChange: (v: T[]) => void;
  error?: string;
  hint?: ReactNode;
}) {
  const items = options.map((o) => (typeof o === "string" ? { value: o, label: o } : o));
  return (
    <fieldset className={`notify-checks field ${error ? "field-invalid" : ""}`}>
      <legend>{legend}</legend>
      <div className="notify-checks-list">
        {items.map((o) => (
          <Checkbox key={o.value} label={o.label} checked={value.includes(o.value)} onChange={(on) => onChange(on ? [...value, o.value] : value.filter((x) => x !== o.value))} />
        ))}
      </div>
      {error ? (
        <div className="field-error" role="alert">
          {error}
        </div>
      ) : hint ? (
        <div className="field-hint">{hint}</div>
      ) : null}
    </fieldset>
  );
}

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return <span className={`badge ${enabled ? "badge-ok" : ""}`}>{enabled ? "enabled" : "disabled"}</span>;
}

/** A test outcome, announced when it arrives. */
export function ResultBox({ ok, children }: { ok: boolean; children: ReactNode }) {
  return (
    <div className={`notify-result ${ok ? "notify-result-ok" : "notify-result-bad"}`} role="status">
      {children}
    </div>
  );
}

export const SendResultBox = ({ result }: { result: SendResult }) => <ResultBox ok={result.ok}>{sendSummary(result)}</ResultBox>;

/** Text for an optional number field: "" stays absent; anything else goes to the schema as a number (NaN is named by it). */
export const numberOrAbsent = (s: string): number | undefined => (s.trim() === "" ? undefined : Number(s));

/** Loading and error states for what a form needs before it can show (the pickers' lists). */
export function WhenLoaded({ queries, children }: { queries: UseQueryResult<unknown>[]; children: () => ReactNode }) {
  const failed = queries.find((q) => q.isError);
  if (failed) return <ErrorBox error={failed.error} retry={() => void failed.refetch()} />;
  if (queries.some((q) => q.isPending)) return <Loading />;
  return <>{children()}</>;
}
