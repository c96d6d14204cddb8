/**
 * Page state in the query string, so a filtered list is a link that can be shared: read with
 * `useUrlState`, written with `set` (replacing history entries while typing).
 */
import { useCallback, useMemo } from "react";
import { useLocation, useSearch } from "wouter";

/**
 * wouter hands out the query string through decodeURI, which turns an escaped "%25" or "%2C"
 * inside a value into something else: read the browser's own (still encoded) string instead,
 * and use wouter's only to re-render when it changes.
 */
const rawSearch = () => window.location.search;

export function useUrlState<K extends string>(defaults: Record<K, string>): [Record<K, string>, (patch: Partial<Record<K, string | null>>, push?: boolean) => void] {
  const changed = useSearch();
  const search = useMemo(rawSearch, [changed]);
  const [location, navigate] = useLocation();
  const values = useMemo(() => {
    const p = new URLSearchParams(search);
    const out = { ...defaults };
    for (const k of Object.keys(defaults) as K[]) out[k] = p.get(k) ?? defaults[k];
    return out;
    // defaults are literals at the call site
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);
  const set = useCallback(
    (patch: Partial<Record<K, string | null>>, push = false) => {
      const p = new URLSearchParams(search);
      for (const [k, v] of Object.entries(patch) as [K, string | null | undefined][]) {
        if (v === null || v === undefined || v === "" || v === defaults[k]) p.delete(k);
        else p.set(k, v);
      }
      const q = p.toString();
      navigate(q ? `${location}?${q}` : location, { replace: !push });
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [search, location, navigate],
  );
  return [values, set];
}
