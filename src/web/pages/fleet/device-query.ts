/**
 * The device list's URL state and the API query it stands for, and the runner of its bulk
 * actions. Values from a hand-edited or stale link that the API would refuse are dropped, so a
 * bad link shows the list unfiltered on that point instead of an error.
 */
import { DeviceFilter } from "../../../http/api/bodies/devices";
import type { Query } from "../../lib/api";

export const LIST_DEFAULTS = { q: "", status: "", connectivity: "", site: "", template: "", tag: "", offset: "0" };
export type ListState = typeof LIST_DEFAULTS;
export const PAGE_SIZE = 50;

/** URL parameter → device filter field. */
const FIELDS = { q: "search", status: "status", connectivity: "connectivity", site: "siteId", template: "templateId", tag: "tag" } as const;

export function deviceQuery(s: ListState): Query {
  const out: Query = { limit: PAGE_SIZE, offset: Math.max(0, Math.floor(Number(s.offset)) || 0) };
  for (const [param, field] of Object.entries(FIELDS) as [keyof typeof FIELDS, (typeof FIELDS)[keyof typeof FIELDS]][]) {
    const v = s[param].trim();
    if (v && DeviceFilter.shape[field].safeParse(v).success) out[field] = v;
  }
  return out;
}

/** Whether any filter narrows the list (for the empty state). */
export const isFiltered = (s: ListState) => Object.keys(FIELDS).some((k) => s[k as keyof typeof FIELDS].trim() !== "");

/** Select options that include the current value even when it is not one of them (e.g. `ONLINE,STALE` from a link). */
export function withCurrent(options: { value: string; label: string }[], value: string): { value: string; label: string }[] {
  return !value || options.some((o) => o.value === value) ? options : [...options, { value, label: value }];
}

/** Runs `fn` for each id, a few at a time; answers which ids failed and why. */
export async function forEach(ids: string[], fn: (id: string) => Promise<unknown>, concurrency = 4): Promise<{ done: number; failed: { id: string; error: unknown }[] }> {
  const failed: { id: string; error: unknown }[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        await fn(id);
        done++;
      } catch (error) {
        failed.push({ id, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return { done, failed };
}
