/**
 * Pure logic of the operator pages: the wire shapes they read, URL filters turned into API
 * queries, and the groupings the system-health and quarantine views draw. No DOM, no fetch,
 * so it is tested with bun:test alone.
 */
import type { Query } from "../../lib/api";

/** GET /api/v1/operator/system. */
export interface RoleInstance {
  role: string;
  instanceId: string;
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  lastSeenAt: string;
  up: boolean;
  info?: Record<string, unknown>;
}
/** `pending` and the other counts are null, with `error` saying why, when the bus did not answer. */
export type BusStream = { stream: string; pending: number | null; error?: string | null } & Record<string, unknown>;
export interface SystemHealth {
  roles: RoleInstance[];
  bus: BusStream[];
  database: { sizeBytes: number; tables: { name: string; bytes: number }[]; connections: number };
  ingest: { perSecond1m: number; perSecond15m: number; quarantinedLastHour: number };
  alerts: { open: number; acknowledged?: number };
}
export interface PlatformSummary {
  tenantsByStatus: Record<string, number>;
  devices: number;
  devicesByConnectivity: Record<string, number>;
}

/** The order the architecture lists the roles in; unknown roles follow by name. */
const ROLE_ORDER = ["serve", "ingest", "evaluate", "bridge", "deliver", "ops", "up"];

export interface RoleGroup {
  role: string;
  up: number;
  down: number;
  /** Down instances first, then the most recently seen. */
  instances: RoleInstance[];
}

export function groupRoles(roles: RoleInstance[]): RoleGroup[] {
  const by = new Map<string, RoleInstance[]>();
  for (const r of roles) by.set(r.role, [...(by.get(r.role) ?? []), r]);
  const rank = (role: string) => (ROLE_ORDER.includes(role) ? ROLE_ORDER.indexOf(role) : ROLE_ORDER.length);
  return [...by]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([role, list]) => ({
      role,
      up: list.filter((r) => r.up).length,
      down: list.filter((r) => !r.up).length,
      instances: [...list].sort((a, b) => Number(a.up) - Number(b.up) || b.lastSeenAt.localeCompare(a.lastSeenAt)),
    }));
}

/** Backlog counts a stream reports beyond `pending` (e.g. inFlight), in first-seen order. */
export function busColumns(bus: BusStream[]): string[] {
  const cols: string[] = [];
  for (const s of bus) for (const [k, v] of Object.entries(s)) if (k !== "pending" && (typeof v === "number" || (v === null && k !== "error")) && !cols.includes(k)) cols.push(k);
  return cols;
}

/** "ackPending" → "ack pending". */
export const humanize = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase();

export interface Bar<K extends string = string> {
  key: K;
  count: number;
  /** Of the largest bar, 0..100: the bar's drawn width. */
  width: number;
}

/** Counts summed per key, largest first, each with its width against the largest. */
export function bars<T>(rows: T[], key: (r: T) => string, count: (r: T) => number, top = Infinity): Bar[] {
  const sums = new Map<string, number>();
  for (const r of rows) sums.set(key(r), (sums.get(key(r)) ?? 0) + count(r));
  const sorted = [...sums].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, top);
  const max = sorted[0]?.[1] ?? 0;
  return sorted.map(([k, n]) => ({ key: k, count: n, width: max ? Math.max(1, Math.round((n / max) * 100)) : 0 }));
}

export const PAGE_SIZE = 50;
const offsetOf = (s: string) => Math.max(0, Number.parseInt(s, 10) || 0);

/** URL state of the device inventory → GET /api/v1/operator/devices. */
export function devicesQuery(f: { tenant: string; q: string; status: string; connectivity: string; decommissioned: string; offset: string }): Query {
  return {
    tenantId: f.tenant,
    search: f.q.trim(),
    status: f.status,
    connectivity: f.connectivity,
    includeDecommissioned: f.decommissioned === "1" && !f.status ? "true" : undefined,
    limit: PAGE_SIZE,
    offset: offsetOf(f.offset),
  };
}

/** "live" is the default inbox view: open and acknowledged. */
export const ALERT_STATUS_FILTERS = [
  { value: "live", label: "Open or acknowledged" },
  { value: "OPEN", label: "Open" },
  { value: "ACKNOWLEDGED", label: "Acknowledged" },
  { value: "CLOSED", label: "Closed" },
  { value: "all", label: "Any status" },
] as const;

/** URL state of the alert list → GET /api/v1/operator/alerts. */
export function alertsQuery(f: { tenant: string; status: string; severity: string; type: string; offset: string }): Query {
  const status = f.status === "live" ? "OPEN,ACKNOWLEDGED" : f.status === "all" ? undefined : f.status;
  return { tenantId: f.tenant, status, minSeverity: f.severity, type: f.type, limit: PAGE_SIZE, offset: offsetOf(f.offset) };
}

/** URL state of the rule list → GET /api/v1/operator/alert-rules. */
export function rulesQuery(f: { tenant: string; enabled: string; ruleType: string; offset: string }): Query {
  return { tenantId: f.tenant, enabled: f.enabled, type: f.ruleType, limit: PAGE_SIZE, offset: offsetOf(f.offset) };
}

/** A rule's scope: device lists that must all match (none: every device). */
export type RuleScope = Partial<Record<"siteIds" | "groupIds" | "templateIds" | "tags" | "deviceIds", string[]>>;

/** "2 sites, 1 tag" or "every device". */
export function scopeText(scope: RuleScope): string {
  const parts = Object.entries(scope)
    .filter((e): e is [string, string[]] => !!e[1]?.length)
    .map(([k, v]) => `${v.length} ${v.length === 1 ? k.replace(/Ids$|s$/, "") : k.replace(/Ids$/, "s")}`);
  return parts.length ? parts.join(", ") : "every device";
}

export const RANGES = [
  { value: "1h", label: "Last hour", ms: 3_600_000 },
  { value: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { value: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { value: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
  { value: "all", label: "Any time", ms: 0 },
  { value: "custom", label: "Between…", ms: 0 },
] as const;

/** A `datetime-local` value (local wall time) as an ISO instant; "" stays absent, garbage is null. */
export function localToIso(v: string): string | undefined | null {
  if (!v) return undefined;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export const REASON = /^[A-Z][A-Z0-9_]{1,63}$/;
/** What people type for a reason ("rate limited") → the code the API filters on ("RATE_LIMITED"). */
export const normalizeReason = (s: string) => s.trim().toUpperCase().replace(/[\s-]+/g, "_");

export interface QuarantineFilter {
  tenant: string;
  reason: string;
  range: string;
  from: string;
  to: string;
  offset: string;
}

/**
 * URL state of the quarantine list → its query, or the field errors that keep it from being
 * sent. Preset ranges are resolved against `now` when the request is made, so the cache key
 * (the URL state) stays stable while the window slides.
 */
export function quarantineQuery(f: QuarantineFilter, now: number): { query: Query; errors: null } | { query: null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const reason = normalizeReason(f.reason);
  if (reason && !REASON.test(reason)) errors.reason = "expected a reason code such as RATE_LIMITED";
  let from: string | undefined;
  let to: string | undefined;
  if (f.range === "custom") {
    const a = localToIso(f.from);
    const b = localToIso(f.to);
    if (a === null) errors.from = "expected a date and time";
    if (b === null) errors.to = "expected a date and time";
    if (a && b && a >= b) errors.to = "must be after the start";
    from = a ?? undefined;
    to = b ?? undefined;
  } else {
    const preset = RANGES.find((r) => r.value === f.range);
    if (preset?.ms) from = new Date(now - preset.ms).toISOString();
  }
  if (Object.keys(errors).length) return { query: null, errors };
  return { query: { tenantId: f.tenant, reason, from, to, limit: PAGE_SIZE, offset: offsetOf(f.offset) }, errors: null };
}

/** Device key in one URL parameter: tenant ids never contain "/", device ids neither. */
export const deviceRef = (tenantId: string, deviceId: string) => `${tenantId}/${deviceId}`;
export function parseDeviceRef(ref: string): { tenantId: string; deviceId: string } | null {
  const i = ref.indexOf("/");
  return i > 0 && i < ref.length - 1 ? { tenantId: ref.slice(0, i), deviceId: ref.slice(i + 1) } : null;
}

/** A device's latest metrics as rows; the registry stores `{v, t}`, live events `{value, time}`. */
export function metricRows(latest: Record<string, unknown>): { key: string; value: unknown; time: string | null }[] {
  return Object.entries(latest)
    .map(([key, raw]) => {
      const m = (raw && typeof raw === "object" ? raw : { v: raw }) as { v?: unknown; t?: string; value?: unknown; time?: string };
      return { key, value: "v" in m ? m.v : m.value, time: m.t ?? m.time ?? null };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * A row handler that opens a dialog, run after the current key event: DataTable opens rows on
 * Enter keydown, and the dialog that opens then would take the same Enter as a click on its
 * close button (focused by showModal) and shut at once.
 */
export const afterKeyEvent =
  <T>(fn: (row: T) => void) =>
  (row: T): void =>
    void setTimeout(() => fn(row));

/** JSON shown to people: stable, indented, never throwing. */
export function pretty(v: unknown): string {
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}
