/** Which channels hear an alert transition: the tenant's routing rules, matched in priority order. */
import type { NotifyAlert, RoutingRow } from "./delivery-queries";

/** Channels to notify (in rule priority order, each once) with the throttle of the first rule that chose it. */
export function matchRouting(rules: readonly RoutingRow[], alert: NotifyAlert, transition: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rules) {
    if (out.has(r.channelId) || !r.transitions.includes(transition)) continue;
    if (alert.severity < r.minSeverity) continue;
    if (r.alertTypes.length > 0 && !r.alertTypes.includes(alert.alertType)) continue;
    if (r.siteIds.length > 0 && (!alert.siteId || !r.siteIds.includes(alert.siteId))) continue;
    if (r.tags.length > 0 && !r.tags.some((t) => alert.tags.includes(t))) continue;
    if (r.devicePrefixes.length > 0 && (!alert.deviceId || !r.devicePrefixes.some((p) => alert.deviceId!.startsWith(p)))) continue;
    out.set(r.channelId, r.throttleMinutes);
  }
  return out;
}

/** Exponential backoff for redelivery: base · 2^(attempt-1), capped, with ±20 % jitter so a recovering receiver is not hit by every job at once. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}
