/** The inbox's filter bar: minimum severity, type, device (with suggestions), site and summary text. */
import { useId } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Page } from "../../lib/api";
import { SEVERITIES } from "../../lib/format";
import { Button, SearchInput, SelectField, TextField } from "../../ui/controls";
import type { InboxState } from "./inbox-query";
import { useScopeNames } from "./scope-picker";
import { ALERT_TYPES } from "./types";

const SEVERITY_OPTIONS = [{ value: "", label: "Any" }, ...Object.entries(SEVERITIES).slice(1).map(([n, name]) => ({ value: n, label: n === "5" ? name : `${name} or worse` }))];
const TYPE_OPTIONS = [{ value: "", label: "Any" }, ...ALERT_TYPES.map((t) => ({ value: t, label: t.toLowerCase().replaceAll("_", " ") }))];

/** Device ids starting like what is typed, for the device filter's suggestions. */
function useDeviceSuggestions(text: string): string[] {
  const q = text.trim();
  const r = useQuery({
    queryKey: ["devices", "suggest", q],
    queryFn: async () => (await api.get<Page<{ deviceId: string }>>("/api/v1/customer/devices", { search: q, limit: 10 })).items.map((d) => d.deviceId),
    enabled: q.length > 0,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
  return r.data ?? [];
}

export function InboxFilters({ state: s, set }: { state: InboxState; set: (patch: Partial<Record<keyof InboxState, string | null>>) => void }) {
  const listId = useId();
  const { sites } = useScopeNames();
  const suggestions = useDeviceSuggestions(s.device);
  const change = (patch: Partial<InboxState>) => set({ ...patch, offset: null });
  const filtered = s.severity || s.type || s.device || s.site || s.q;
  return (
    <div className="toolbar" role="search" aria-label="Filter alerts">
      <SelectField label="Severity" value={s.severity} onChange={(severity) => change({ severity })} options={SEVERITY_OPTIONS} />
      <SelectField label="Type" value={s.type} onChange={(type) => change({ type })} options={TYPE_OPTIONS} />
      <TextField label="Device" list={listId} placeholder="device id" autoComplete="off" value={s.device} onChange={(device) => change({ device })} />
      <datalist id={listId}>
        {suggestions.map((d) => (
          <option key={d} value={d} />
        ))}
      </datalist>
      <SelectField label="Site" value={s.site} onChange={(site) => change({ site })} options={[{ value: "", label: "Any" }, ...(sites ?? []).map((x) => ({ value: x.id, label: x.name }))]} />
      <div className="field">
        <SearchInput label="Search summaries" placeholder="Search summaries" value={s.q} onChange={(q) => change({ q })} />
      </div>
      {filtered ? (
        <Button variant="ghost" onClick={() => change({ severity: "", type: "", device: "", site: "", q: "" })}>
          Clear filters
        </Button>
      ) : null}
    </div>
  );
}
