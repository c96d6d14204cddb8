/**
 * Wall-clock times in an on-call schedule's time zone: hand-offs and overrides are typed and
 * shown in the schedule's zone (not the browser's), and the timeline's days start at its midnight.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall-clock time in `tz` at `utcMs`, as milliseconds of a UTC calendar. */
export function toWall(tz: string, utcMs: number): number {
  const p: Record<string, number> = {};
  for (const { type, value } of parts(tz).formatToParts(utcMs)) p[type] = Number(value);
  return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour, p.minute, p.second) + (((utcMs % 1000) + 1000) % 1000);
}

/** The instant showing `wallMs` on the clocks of `tz`; a time inside a spring-forward gap moves forward. */
export function fromWall(tz: string, wallMs: number): number {
  const first = wallMs - (toWall(tz, wallMs) - wallMs);
  return wallMs - (toWall(tz, first) - first);
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** A datetime-local value ("2026-01-05T09:00") read in `tz`, as an ISO instant; "" when malformed or empty. */
export function localInputToIso(value: string, tz: string): string {
  const m = LOCAL_INPUT.exec(value.trim());
  if (!m) return "";
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!, Number.isNaN(s) ? 0 : s);
  return new Date(fromWall(tz, wall)).toISOString();
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An instant as a datetime-local value in `tz`. */
export function isoToLocalInput(iso: string | number, tz: string): string {
  const w = new Date(toWall(tz, typeof iso === "number" ? iso : Date.parse(iso)));
  return `${w.getUTCFullYear()}-${pad(w.getUTCMonth() + 1)}-${pad(w.getUTCDate())}T${pad(w.getUTCHours())}:${pad(w.getUTCMinutes())}`;
}

/** The calendar day in `tz` at `ms`: "2026-01-05". */
export const dayIn = (ms: number, tz: string) => isoToLocalInput(ms, tz).slice(0, 10);

/** Midnight of `day` ("2026-01-05") in `tz`; NaN when malformed. */
export function dayStart(day: string, tz: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? fromWall(tz, Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : Number.NaN;
}

/** `day` moved by `n` calendar days. */
export function addDays(day: string, n: number): string {
  const t = Date.parse(`${day}T00:00:00Z`) + n * DAY;
  return new Date(t).toISOString().slice(0, 10);
}

const shortFormats = new Map<string, Intl.DateTimeFormat>();

/** "Mon 5 Jan, 09:00" in `tz` (the reader's locale). */
export function shortTime(ms: number | string, tz: string): string {
  let f = shortFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, { timeZone: tz, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    shortFormats.set(tz, f);
  }
  return f.format(typeof ms === "string" ? Date.parse(ms) : ms);
}

/** The zones the browser knows, for a picker (UTC first). */
export function timeZones(): string[] {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return ["UTC", ...all.filter((z) => z !== "UTC")];
}
