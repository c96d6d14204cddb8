/**
 * The audit pages' filters: URL state (shareable, so times are absolute ISO or a relative range
 * name) turned into the API's query, and the datetime-local inputs converted both ways.
 */
import type { Query } from "../../lib/api";

export const PAGE_SIZE = 50;

export const RANGES = [
  { value: "", label: "Any time" },
  { value: "1h", label: "Last hour" },
  { value: "24h", label: "Last 24 hours" },
  { value: "7d", label: "Last 7 days" },
  { value: "30d", label: "Last 30 days" },
  { value: "custom", label: "Between…" },
] as const;

const SPAN_MS: Record<string, number> = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };

/** `from`/`to` of a relative range (computed at fetch time, so "last hour" stays the last hour) or a custom one. */
export function rangeBounds(s: { range: string; from: string; to: string }, now: number): { from?: string; to?: string } {
  const span = SPAN_MS[s.range];
  if (span) return { from: new Date(now - span).toISOString() };
  if (s.range === "custom") return { from: s.from || undefined, to: s.to || undefined };
  return {};
}

/** "a, b c" → ["a","b","c"]; nothing → undefined (the parameter is left out). */
export function splitList(s: string): string[] | undefined {
  const items = s.split(/[\s,]+/).filter(Boolean);
  return items.length ? items : undefined;
}

const offsetOf = (s: string) => Math.max(0, Number.parseInt(s, 10) || 0);

export interface TenantAuditState {
  action: string;
  entityType: string;
  actor: string;
  range: string;
  from: string;
  to: string;
  offset: string;
}

export function tenantAuditQuery(s: TenantAuditState, now: number): Query {
  return { limit: PAGE_SIZE, offset: offsetOf(s.offset), action: splitList(s.action), entityType: s.entityType.trim() || undefined, actorId: s.actor || undefined, ...rangeBounds(s, now) };
}

export interface OperatorAuditState {
  actor: string;
  tenant: string;
  range: string;
  from: string;
  to: string;
  offset: string;
}

export function operatorAuditQuery(s: OperatorAuditState, now: number): Query {
  return { limit: PAGE_SIZE, offset: offsetOf(s.offset), actorId: s.actor.trim() || undefined, tenantId: s.tenant.trim() || undefined, ...rangeBounds(s, now) };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** ISO instant → the value of an <input type="datetime-local"> in the browser's zone ("" when unset or invalid). */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (local wall time) → ISO instant; "" when empty or not a time. */
export function fromLocalInput(v: string): string {
  if (!v) return "";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}

/** One line about an entry's details for the collapsed row: `key: value` pairs, long values cut. */
export function detailsPreview(details: Record<string, unknown>, max = 120): string {
  const text = Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
