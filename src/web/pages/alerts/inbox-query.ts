/**
 * The inbox's pure parts: its URL state and the API query made from it, the trend ranges and
 * chart series, which actions an alert allows, how its history reads, and bulk outcomes.
 */
import type { Alert, AlertEvent, AlertStatus, AlertTrend } from "./types";

export const INBOX_DEFAULTS = { status: "open", severity: "", type: "", device: "", site: "", q: "", offset: "0", trend: "7d" };
export type InboxState = typeof INBOX_DEFAULTS;
export const PAGE_SIZE = 25;

export const STATUS_TABS = [
  { id: "open", label: "Open", statuses: ["OPEN"] },
  { id: "acknowledged", label: "Acknowledged", statuses: ["ACKNOWLEDGED"] },
  { id: "closed", label: "Closed", statuses: ["CLOSED"] },
  { id: "all", label: "All", statuses: [] },
] as const satisfies readonly { id: string; label: string; statuses: readonly AlertStatus[] }[];
export type StatusTab = (typeof STATUS_TABS)[number]["id"];
export const tabOf = (s: string): StatusTab => STATUS_TABS.find((t) => t.id === s)?.id ?? "open";

/** GET /alerts query parameters for the page's URL state. */
/** A type, not an interface, so it passes as api.get's query record. */
export type AlertsQuery = {
  status?: string;
  minSeverity?: string;
  type?: string;
  deviceId?: string;
  siteId?: string;
  search?: string;
  limit: number;
  offset: number;
};

export function alertsQuery(s: InboxState): AlertsQuery {
  const statuses = STATUS_TABS.find((t) => t.id === tabOf(s.status))!.statuses;
  return {
    status: statuses.length ? statuses.join(",") : undefined,
    minSeverity: s.severity || undefined,
    type: s.type || undefined,
    deviceId: s.device.trim() || undefined,
    siteId: s.site || undefined,
    search: s.q.trim() || undefined,
    limit: PAGE_SIZE,
    offset: Math.max(0, Number(s.offset) || 0),
  };
}

const HOUR = 3_600_000;
export const TREND_RANGES = [
  { id: "24h", label: "24 h", ms: 24 * HOUR, bucket: "hour" },
  { id: "7d", label: "7 days", ms: 7 * 24 * HOUR, bucket: "day" },
  { id: "30d", label: "30 days", ms: 30 * 24 * HOUR, bucket: "day" },
] as const;

/** GET /alerts/trend query for a range ending now. */
export function trendQuery(range: string, now: number) {
  const r = TREND_RANGES.find((x) => x.id === range) ?? TREND_RANGES[1];
  return { from: new Date(now - r.ms).toISOString(), to: new Date(now).toISOString(), bucket: r.bucket };
}

/** Opened (all severities, and high or worse) and closed per bucket, for TimeChart. */
export function trendSeries(t: AlertTrend) {
  return {
    time: t.buckets.map((b) => Date.parse(b.start)),
    series: [
      { label: "opened", values: t.buckets.map((b) => b.openedTotal) },
      { label: "opened, high or critical", values: t.buckets.map((b) => b.opened.high + b.opened.critical) },
      { label: "closed", values: t.buckets.map((b) => b.closed) },
    ],
  };
}

export const SILENCE_PRESETS = [
  { label: "15 min", minutes: 15 },
  { label: "1 h", minutes: 60 },
  { label: "4 h", minutes: 240 },
  { label: "24 h", minutes: 1440 },
] as const;

/** What the API lets happen to an alert in its current state. */
export function allowed(a: Pick<Alert, "status" | "silenced">) {
  const live = a.status !== "CLOSED";
  return { acknowledge: a.status === "OPEN", close: live, silence: live && !a.silenced, unsilence: live && a.silenced };
}

/** Actors that are the platform itself, not a person. */
const MACHINES = new Set(["evaluator", "escalation", "system"]);

/** One line of an alert's history. */
export function eventText(e: AlertEvent): string {
  const d = e.details;
  const by = e.actor && !MACHINES.has(e.actor) ? ` by ${e.actor}` : "";
  switch (e.transition) {
    case "OPEN":
      return "Opened";
    case "ACKNOWLEDGED":
      return `Acknowledged${by}`;
    case "CLOSED":
      return `Closed${by}${typeof d.reason === "string" && d.reason ? `: ${d.reason}` : ""}`;
    case "SILENCED":
      return `Silenced for ${typeof d.minutes === "number" ? minutesText(d.minutes) : "a while"}${by}`;
    case "UNSILENCED":
      return `Silence lifted${by}`;
    case "ESCALATED":
      return `Escalated to level ${e.level}`;
    default:
      return `${e.transition.charAt(0)}${e.transition.slice(1).toLowerCase().replaceAll("_", " ")}${by}`;
  }
}

export const minutesText = (m: number) => (m % 60 === 0 ? `${m / 60} h` : `${m} min`);

/** "3 acknowledged" or "2 closed, 1 failed (alert 7 is CLOSED; …)". */
export function bulkOutcome(verb: string, ids: number[], results: PromiseSettledResult<unknown>[]): { text: string; ok: boolean } {
  const failed = results.flatMap((r, i) => (r.status === "rejected" ? [`${ids[i]}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`] : []));
  const done = results.length - failed.length;
  if (!failed.length) return { text: `${done} ${verb}`, ok: true };
  return { text: `${done} ${verb}, ${failed.length} failed (${failed.slice(0, 3).join("; ")}${failed.length > 3 ? "; …" : ""})`, ok: false };
}
