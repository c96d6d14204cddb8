/**
 * The rule editor's backtest: the ranges offered, the request for a draft rule, and the result
 * per device with each would-be alert placed on a timeline of the range.
 */
import { BacktestBody } from "../../../http/api/bodies/alerts";
import { parseList } from "./scope";
import type { BacktestAlert } from "./types";

const HOUR = 3_600_000;
export const BACKTEST_RANGES = [
  { id: "1h", label: "Last hour", ms: HOUR },
  { id: "24h", label: "Last 24 h", ms: 24 * HOUR },
  { id: "7d", label: "Last 7 days", ms: 7 * 24 * HOUR },
  { id: "31d", label: "Last 31 days", ms: 31 * 24 * HOUR },
] as const;
export type BacktestRange = (typeof BACKTEST_RANGES)[number]["id"];

export const rangeOf = (id: string) => BACKTEST_RANGES.find((r) => r.id === id) ?? BACKTEST_RANGES[1];

/** The request for a rule as drafted (type, definition, scope), over the range up to `now`. */
export function backtestRequest(rule: { type: string; definition: unknown; scope: unknown }, range: string, deviceIds: string, now: number) {
  const ids = parseList(deviceIds);
  const to = new Date(now);
  return {
    rule,
    from: new Date(now - rangeOf(range).ms).toISOString(),
    to: to.toISOString(),
    ...(ids.length ? { deviceIds: ids } : {}),
  };
}

/** Checks a request with the API's schema; issues keyed by body path ("rule.definition…"). */
export function checkBacktest(body: unknown): Record<string, string> | null {
  const r = BacktestBody.safeParse(body);
  if (r.success) return null;
  const out: Record<string, string> = {};
  for (const i of r.error.issues) out[i.path.join(".") || "_"] ??= i.message;
  return out;
}

export interface DeviceRow {
  deviceId: string;
  alerts: BacktestAlert[];
  /** Each alert as a span of the range, in percent. */
  spans: { left: number; width: number; open: boolean }[];
}

/** Would-be alerts grouped by device (most first), each placed on the range [from, to]. */
export function byDevice(alerts: BacktestAlert[], from: number, to: number): DeviceRow[] {
  const groups = new Map<string, BacktestAlert[]>();
  for (const a of alerts) (groups.get(a.deviceId) ?? groups.set(a.deviceId, []).get(a.deviceId)!).push(a);
  const span = Math.max(1, to - from);
  const pct = (t: number) => Math.min(100, Math.max(0, ((t - from) / span) * 100));
  return [...groups]
    .map(([deviceId, list]) => ({
      deviceId,
      alerts: list,
      spans: list.map((a) => {
        const left = pct(Date.parse(a.openedAt));
        const right = a.closedAt ? pct(Date.parse(a.closedAt)) : 100;
        return { left, width: Math.max(0.4, right - left), open: a.closedAt === null };
      }),
    }))
    .sort((a, b) => b.alerts.length - a.alerts.length || a.deviceId.localeCompare(b.deviceId));
}

/** A server error path of the backtest ("body.rule.definition.x") as the editor's field path. */
export const editorPath = (path: string) => path.replace(/^(body\.)?rule\./, "");
