/**
 * The group form's values, the bodies they become (checked by NewGroup / GroupPatch), and a
 * dynamic group's filter read back into the form or into a sentence for the list.
 */

export const GROUP_FORM = {
  kind: "static" as "static" | "dynamic",
  name: "",
  description: "",
  /** Static groups: ids separated by commas, spaces or lines. */
  deviceIds: "",
  status: [] as string[],
  connectivity: [] as string[],
  /** Comma-separated, as the device filter also reads them. */
  siteId: "",
  templateId: "",
  tag: "",
  search: "",
  /** Kept from a stored filter the form does not show. */
  includeDecommissioned: undefined as boolean | undefined,
};
export type GroupForm = typeof GROUP_FORM;

export const splitIds = (s: string) => [...new Set(s.split(/[\s,;]+/).filter(Boolean))];
const csv = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);

/** The device filter of a dynamic group: only what was chosen. */
export function filterBody(v: GroupForm): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  if (v.status.length) f.status = v.status;
  if (v.connectivity.length) f.connectivity = v.connectivity;
  for (const k of ["siteId", "templateId", "tag"] as const) if (csv(v[k]).length) f[k] = csv(v[k]);
  if (v.search.trim()) f.search = v.search.trim();
  if (v.includeDecommissioned !== undefined) f.includeDecommissioned = v.includeDecommissioned;
  return f;
}

export function newGroupBody(v: GroupForm): Record<string, unknown> {
  const base = { kind: v.kind, name: v.name, ...(v.description.trim() ? { description: v.description.trim() } : {}) };
  if (v.kind === "dynamic") return { ...base, filter: filterBody(v) };
  const ids = splitIds(v.deviceIds);
  return ids.length ? { ...base, deviceIds: ids } : base;
}

export function groupPatchBody(v: GroupForm): Record<string, unknown> {
  const body: Record<string, unknown> = { name: v.name, description: v.description.trim() || null };
  if (v.kind === "dynamic") body.filter = filterBody(v);
  return body;
}

const list = (x: unknown): string[] => (Array.isArray(x) ? x.map(String) : typeof x === "string" ? csv(x) : []);

export function toGroupForm(g: { kind: "static" | "dynamic"; name: string; description: string | null; filter: Record<string, unknown> | null }): GroupForm {
  const f = g.filter ?? {};
  return {
    ...GROUP_FORM,
    kind: g.kind,
    name: g.name,
    description: g.description ?? "",
    status: list(f.status),
    connectivity: list(f.connectivity),
    siteId: list(f.siteId).join(","),
    templateId: list(f.templateId).join(","),
    tag: list(f.tag).join(","),
    search: typeof f.search === "string" ? f.search : "",
    includeDecommissioned: typeof f.includeDecommissioned === "boolean" ? f.includeDecommissioned : undefined,
  };
}

/** "connectivity stale or offline · site Berlin · tags north and cold": a filter read aloud. */
export function describeFilter(f: Record<string, unknown> | null, names: { sites?: Map<string, string>; templates?: Map<string, string> } = {}): string {
  if (!f) return "";
  const or = (xs: string[]) => xs.join(" or ");
  const parts: string[] = [];
  if (list(f.status).length) parts.push(`status ${or(list(f.status).map((s) => s.toLowerCase()))}`);
  if (list(f.connectivity).length) parts.push(`connectivity ${or(list(f.connectivity).map((s) => s.toLowerCase()))}`);
  if (list(f.siteId).length) parts.push(`site ${or(list(f.siteId).map((s) => names.sites?.get(s) ?? s))}`);
  if (list(f.templateId).length) parts.push(`template ${or(list(f.templateId).map((t) => names.templates?.get(t) ?? t))}`);
  if (list(f.tag).length) parts.push(`${list(f.tag).length > 1 ? "tags" : "tag"} ${list(f.tag).join(" and ")}`);
  if (typeof f.search === "string" && f.search) parts.push(`matching "${f.search}"`);
  if (f.includeDecommissioned === true) parts.push("decommissioned included");
  return parts.length ? parts.join(" · ") : "every device";
}

/** Errors on the form's fields: `filter.siteId.0` → siteId, `deviceIds.3` → deviceIds. */
export function groupFieldErrors(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(errors)) {
    const parts = path.split(".");
    out[(parts[0] === "filter" && parts[1] ? parts[1] : parts[0])!] ??= message;
  }
  return out;
}
