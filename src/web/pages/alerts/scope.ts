/**
 * Rule and maintenance-window scopes in forms: the editable draft (free-text lists stay text
 * while typed), the API's scope object, and the one-line description lists show.
 */
import type { Named, Scope } from "./types";

export interface ScopeDraft {
  siteIds: string[];
  groupIds: string[];
  templateIds: string[];
  /** Comma-separated, as typed. */
  tags: string;
  deviceIds: string;
}

export const EMPTY_SCOPE: ScopeDraft = { siteIds: [], groupIds: [], templateIds: [], tags: "", deviceIds: "" };

/** "a, b,,c " → ["a", "b", "c"]; duplicates kept once. */
export const parseList = (s: string): string[] => [...new Set(s.split(",").map((x) => x.trim()).filter(Boolean))];

/** The API's scope: only the lists that name something (none at all means every device). */
export function toScope(d: ScopeDraft): Scope {
  const out: Scope = {};
  if (d.siteIds.length) out.siteIds = d.siteIds;
  if (d.groupIds.length) out.groupIds = d.groupIds;
  if (d.templateIds.length) out.templateIds = d.templateIds;
  const tags = parseList(d.tags);
  if (tags.length) out.tags = tags;
  const devices = parseList(d.deviceIds);
  if (devices.length) out.deviceIds = devices;
  return out;
}

export function fromScope(s: Scope | null | undefined): ScopeDraft {
  return {
    siteIds: s?.siteIds ?? [],
    groupIds: s?.groupIds ?? [],
    templateIds: s?.templateIds ?? [],
    tags: (s?.tags ?? []).join(", "),
    deviceIds: (s?.deviceIds ?? []).join(", "),
  };
}

export interface ScopeNames {
  sites?: Named[];
  groups?: Named[];
  templates?: Named[];
}

const nameOf = (list: Named[] | undefined, id: string) => list?.find((x) => x.id === id)?.name ?? id;

/** "site Berlin cold store · tags freezer, demo" or "every device". */
export function scopeText(s: Scope | null | undefined, names: ScopeNames = {}): string {
  const parts: string[] = [];
  const add = (one: string, many: string, ids: string[] | undefined, list?: Named[]) => {
    if (ids?.length) parts.push(`${ids.length === 1 ? one : many} ${ids.map((id) => nameOf(list, id)).join(", ")}`);
  };
  add("site", "sites", s?.siteIds, names.sites);
  add("group", "groups", s?.groupIds, names.groups);
  add("template", "templates", s?.templateIds, names.templates);
  add("tag", "tags", s?.tags);
  add("device", "devices", s?.deviceIds);
  return parts.length ? parts.join(" · ") : "every device";
}

/** zod's stock wording, as people filling in a form would rather read it. */
const PLAIN: [RegExp, string][] = [
  [/^Invalid input: expected number, received NaN$/, "enter a number"],
  [/^Invalid input: expected number, received undefined$/, "required: enter a number"],
  [/^Too small: expected string to have >=1 characters$/, "required"],
  [/^Too small: expected array to have >=1 items$/, "choose at least one"],
  [/^Invalid input: expected int, received number$/, "enter a whole number"],
];
export const plainMessage = (m: string) => PLAIN.find(([re]) => re.test(m))?.[1] ?? m;
export const plainErrors = (errors: Record<string, string>) => Object.fromEntries(Object.entries(errors).map(([k, m]) => [k, plainMessage(m)]));

/** The first error at `path` or below it ("scope.tags" also finds "scope.tags.0"). */
export function errorAt(errors: Record<string, string>, path: string): string | undefined {
  if (errors[path]) return errors[path];
  const key = Object.keys(errors).find((k) => k.startsWith(path + "."));
  return key ? errors[key] : undefined;
}
