/**
 * Choosing which devices a rule or maintenance window covers: sites, groups and templates
 * picked from the tenant's lists, tags and device ids typed. Shared by the rule editor and the
 * maintenance window dialog; `useScopeNames` also lets lists show names instead of ids.
 */
import { useQuery } from "@tanstack/react-query";
import { api, type Page } from "../../lib/api";
import { Field, TextField } from "../../ui/controls";
import { errorAt, type ScopeDraft, type ScopeNames } from "./scope";
import type { Named } from "./types";

const names = <T,>(path: string, pick: (x: T) => Named) => async () => (await api.get<Page<T>>(path, { limit: 1000 })).items.map(pick);

export function useScopeNames(): ScopeNames {
  const stale = 5 * 60_000;
  const sites = useQuery({ queryKey: ["sites", "names"], queryFn: names<{ siteId: string; name: string }>("/api/v1/customer/sites", (s) => ({ id: s.siteId, name: s.name })), staleTime: stale });
  const groups = useQuery({ queryKey: ["device-groups", "names"], queryFn: names<{ groupId: string; name: string }>("/api/v1/customer/device-groups", (g) => ({ id: g.groupId, name: g.name })), staleTime: stale });
  const templates = useQuery({ queryKey: ["templates", "names"], queryFn: names<{ templateId: string; name: string }>("/api/v1/customer/templates", (t) => ({ id: t.templateId, name: t.name })), staleTime: stale });
  return { sites: sites.data, groups: groups.data, templates: templates.data };
}

/** A select that adds to a list, and the chosen items as removable tags. */
function PickList({ label, noun, options, value, onChange, error, disabled }: { label: string; noun: string; options: Named[] | undefined; value: string[]; onChange: (v: string[]) => void; error?: string; disabled?: boolean }) {
  const left = (options ?? []).filter((o) => !value.includes(o.id));
  const nameOf = (id: string) => options?.find((o) => o.id === id)?.name ?? id;
  return (
    <Field label={label} error={error}>
      {(id, describedBy) => (
        <>
          <select id={id} aria-describedby={describedBy} value="" disabled={disabled || !left.length} aria-invalid={!!error || undefined} onChange={(e) => e.target.value && onChange([...value, e.target.value])}>
            <option value="">{options === undefined ? "Loading…" : !options.length ? `No ${noun}s yet` : left.length ? `Add a ${noun}…` : `No more ${noun}s`}</option>
            {left.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
          {value.length ? (
            <ul className="alerts-chips" aria-label={`Chosen ${noun}s`}>
              {value.map((v) => (
                <li key={v} className="tag">
                  {nameOf(v)}
                  <button type="button" className="alerts-chip-x" aria-label={`Remove ${noun} ${nameOf(v)}`} disabled={disabled} onClick={() => onChange(value.filter((x) => x !== v))}>
                    ×
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </>
      )}
    </Field>
  );
}

/** `errors` are keyed by body path; this scope sits at `at` ("scope"). */
export function ScopePicker({ value, onChange, errors, at = "scope", names, disabled }: { value: ScopeDraft; onChange: (v: ScopeDraft) => void; errors: Record<string, string>; at?: string; names: ScopeNames; disabled?: boolean }) {
  const set = <K extends keyof ScopeDraft>(k: K, v: ScopeDraft[K]) => onChange({ ...value, [k]: v });
  return (
    <fieldset className="alerts-scope">
      <legend>Which devices</legend>
      <p className="field-hint">Every list you fill in must match. Leave them all empty to cover every device.</p>
      <div className="form-grid">
        <PickList label="Sites" noun="site" options={names.sites} value={value.siteIds} onChange={(v) => set("siteIds", v)} error={errorAt(errors, `${at}.siteIds`)} disabled={disabled} />
        <PickList label="Groups" noun="group" options={names.groups} value={value.groupIds} onChange={(v) => set("groupIds", v)} error={errorAt(errors, `${at}.groupIds`)} disabled={disabled} />
        <PickList label="Templates" noun="template" options={names.templates} value={value.templateIds} onChange={(v) => set("templateIds", v)} error={errorAt(errors, `${at}.templateIds`)} disabled={disabled} />
        <TextField label="Tags" hint="Comma-separated; a device needs every tag" value={value.tags} onChange={(v) => set("tags", v)} error={errorAt(errors, `${at}.tags`)} disabled={disabled} />
        <TextField label="Device ids" hint="Comma-separated" value={value.deviceIds} onChange={(v) => set("deviceIds", v)} error={errorAt(errors, `${at}.deviceIds`)} disabled={disabled} />
      </div>
    </fieldset>
  );
}
