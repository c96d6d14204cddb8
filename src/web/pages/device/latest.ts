/** A device's latest value per metric: the API's answer, overtaken by newer live values. */
import type { LatestMetric, MetricValue } from "./types";

export type LiveMetrics = Record<string, { value: MetricValue; time: string | null }>;

/** Every metric of either source, by key; a live value wins unless it is older than the stored one. */
export function mergeLatest(stored: LatestMetric[], live: LiveMetrics): LatestMetric[] {
  const out = new Map(stored.map((m) => [m.metricKey, m]));
  for (const [key, l] of Object.entries(live)) {
    const s = out.get(key);
    if (s && l.time && Date.parse(l.time) < Date.parse(s.time)) continue;
    out.set(key, { metricKey: key, value: l.value, time: l.time ?? s?.time ?? "", unit: s?.unit ?? null, displayName: s?.displayName ?? null });
  }
  return [...out.values()].sort((a, b) => (a.metricKey < b.metricKey ? -1 : a.metricKey > b.metricKey ? 1 : 0));
}
