/**
 * Maintenance windows in the console: the dialog's draft (local date-times, weekly hours in a
 * chosen time zone), its translation to the API body, the schema it is checked with, and how
 * a window reads in the list.
 */
import { WindowFields } from "../../../http/api/bodies/alerts";
import { EMPTY_SCOPE, fromScope, toScope, type ScopeDraft } from "./scope";
import type { MaintenanceWindow } from "./types";

export interface WindowDraft {
  name: string;
  enabled: boolean;
  /** `<input type="datetime-local">` values, in the browser's time zone. */
  startsAt: string;
  endsAt: string;
  recurring: boolean;
  days: number[];
  start: string;
  end: string;
  timezone: string;
  scope: ScopeDraft;
}

export const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

const pad = (n: number) => String(n).padStart(2, "0");

/** An instant as a datetime-local value in this browser's zone ("2026-03-02T10:00"). */
export function isoToLocal(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value as an ISO instant; what cannot be read passes through for the schema to reject. */
export function localToIso(local: string): string {
  const t = new Date(local).getTime();
  return local && Number.isFinite(t) ? new Date(t).toISOString() : local;
}

export function newWindow(now = Date.now()): WindowDraft {
  const start = new Date(Math.ceil(now / 3_600_000) * 3_600_000);
  return { name: "", enabled: true, startsAt: isoToLocal(start.toISOString()), endsAt: isoToLocal(new Date(start.getTime() + 2 * 3_600_000).toISOString()), recurring: false, days: [], start: "02:00", end: "04:00", timezone: browserZone(), scope: EMPTY_SCOPE };
}

export function fromWindow(w: MaintenanceWindow): WindowDraft {
  const r = w.recurrence;
  return {
    name: w.name,
    enabled: w.enabled,
    startsAt: isoToLocal(w.startsAt),
    endsAt: isoToLocal(w.endsAt),
    recurring: !!r,
    days: r?.days ?? [],
    start: r?.start ?? "02:00",
    end: r?.end ?? "04:00",
    timezone: r?.timezone ?? browserZone(),
    scope: fromScope(w.scope),
  };
}

/** The body of POST /maintenance-windows (PATCH takes the same). */
export function toWindowBody(d: WindowDraft) {
  return {
    name: d.name,
    enabled: d.enabled,
    startsAt: localToIso(d.startsAt),
    endsAt: d.endsAt ? localToIso(d.endsAt) : null,
    recurrence: d.recurring ? { days: [...d.days].sort((a, b) => a - b), start: d.start, end: d.end, timezone: d.timezone.trim() } : null,
    scope: toScope(d.scope),
  };
}

/** The API's schema, and the span check the route makes (its 400 names body.endsAt too). */
export const WindowForm = WindowFields.superRefine((w, ctx) => {
  if (w.endsAt && w.endsAt <= w.startsAt) ctx.addIssue({ code: "custom", message: "endsAt must be after startsAt", path: ["endsAt"] });
});

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const fmt = (iso: string) => when.format(new Date(iso));

/** "Sun, Sat 02:00–04:00 · from 2 Mar 2026 until 1 Jun 2026" or a one-off span (its zone: windowZone). */
export function windowText(w: Pick<MaintenanceWindow, "startsAt" | "endsAt" | "recurrence">, format: (iso: string) => string = fmt): string {
  const span = w.endsAt ? `${format(w.startsAt)} → ${format(w.endsAt)}` : `from ${format(w.startsAt)}, open-ended`;
  const r = w.recurrence;
  if (!r) return span;
  const days = r.days.length === 7 ? "Every day" : [...r.days].sort((a, b) => a - b).map((d) => DAY_NAMES[d]).join(", ");
  const overnight = r.end <= r.start ? " (next day)" : "";
  return `${days} ${r.start}–${r.end}${overnight} · ${w.endsAt ? `${format(w.startsAt)} until ${format(w.endsAt)}` : `from ${format(w.startsAt)}`}`;
}

/** Weekly hours are in the window's zone; a one-off span is absolute, shown in the browser's. */
export const windowZone = (w: Pick<MaintenanceWindow, "recurrence">, mine = browserZone()) => (w.recurrence ? w.recurrence.timezone : `${mine} (yours)`);

/** Where a window stands now: on, waiting to start, over, or switched off. */
export function windowState(w: Pick<MaintenanceWindow, "enabled" | "activeNow" | "startsAt" | "endsAt">, now = Date.now()): "active" | "upcoming" | "ended" | "disabled" | "scheduled" {
  if (!w.enabled) return "disabled";
  if (w.activeNow) return "active";
  if (Date.parse(w.startsAt) > now) return "upcoming";
  if (w.endsAt && Date.parse(w.endsAt) <= now) return "ended";
  return "scheduled";
}
