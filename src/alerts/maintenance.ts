/**
 * Maintenance windows: while one covering a device is on, alerts for it are not opened (open
 * ones still close). A window is one-off (starts_at to ends_at) or, with a recurrence, on for
 * certain wall-clock hours of certain weekdays in its own time zone within that span.
 */
import { z } from "zod";
import { inScope, type RuleScope, type ScopeDevice } from "./rules";

const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "expected a time of day HH:MM, 00:00 to 23:59" });

function isTimeZone(tz: string): boolean {
  // Intl also takes offsets such as "+01:00", which know nothing of daylight saving.
  if (tz.startsWith("+") || tz.startsWith("-")) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Weekly hours: `days` (Sunday 0) name the day a period starts; end <= start runs past midnight into the next day. */
export const Recurrence = z
  .object({
    days: z
      .array(z.number().int().min(0).max(6))
      .min(1)
      .max(7)
      .refine((d) => new Set(d).size === d.length, { error: "a day is listed twice" }),
    start: Clock,
    end: Clock,
    timezone: z.string().refine(isTimeZone, { error: "expected an IANA time zone such as Europe/Amsterdam" }),
  })
  .strict();
export type Recurrence = z.output<typeof Recurrence>;

export interface MaintenanceWindow {
  windowId: string;
  name: string;
  enabled: boolean;
  startsAt: Date;
  endsAt: Date | null;
  recurrence: Recurrence | null;
  scope: RuleScope;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday (Sunday 0) and minutes since local midnight at `at` in zone `tz`. */
function localClock(tz: string, at: number): { day: number; minutes: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    formatters.set(tz, f);
  }
  let day = 0;
  let minutes = 0;
  for (const p of f.formatToParts(at)) {
    if (p.type === "weekday") day = WEEKDAYS[p.value] ?? 0;
    else if (p.type === "hour") minutes += (Number(p.value) % 24) * 60;
    else if (p.type === "minute") minutes += Number(p.value);
  }
  return { day, minutes };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether the window is on at `at` (epoch ms): every start edge inclusive, every end edge exclusive. */
export function windowActive(w: MaintenanceWindow, at: number): boolean {
  if (!w.enabled || at < w.startsAt.getTime()) return false;
  if (w.endsAt && at >= w.endsAt.getTime()) return false;
  const r = w.recurrence;
  if (!r) return true;
  const { day, minutes } = localClock(r.timezone, at);
  const start = minutesOf(r.start);
  const end = minutesOf(r.end);
  if (start < end) return start <= minutes && minutes < end && r.days.includes(day);
  return (minutes >= start && r.days.includes(day)) || (minutes < end && r.days.includes((day + 6) % 7));
}

/** The first window that is on at `at` and covers the device, or null. */
export function activeWindow(windows: readonly MaintenanceWindow[], d: ScopeDevice, at: number): MaintenanceWindow | null {
  for (const w of windows) if (windowActive(w, at) && inScope(w.scope, d)) return w;
  return null;
}
