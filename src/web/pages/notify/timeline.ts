/**
 * The on-call timeline's layout: one row per layer (its own rotation, before precedence), a row
 * of overrides, and the final row (the API's resolved timeline), as bars positioned in percent of
 * the window, with day ticks at the schedule's midnights and a "now" marker. Layer rows run the
 * API's own rotation code (notify/oncall, pure), so they hand off exactly where the API does.
 */
import { timeline as resolve, type Layer as DomainLayer } from "../../../notify/oncall";
import type { Layer, Override, Responder, ScheduleDetail, Shift } from "./types";
import { addDays, dayIn, dayStart, shortTime } from "./zone";

export const PALETTE_SIZE = 8;

export interface Bar {
  key: string;
  name: string;
  /** Percent of the window from its start, and of its length. */
  left: number;
  width: number;
  /** Palette slot of the responder: the same person has the same color in every row. */
  color: number;
  /** What a screen reader says: who, from when to when. */
  label: string;
}
export interface Row {
  id: string;
  kind: "layer" | "overrides" | "final";
  label: string;
  bars: Bar[];
}
export interface Tick {
  left: number;
  label: string;
}
export interface TimelineLayout {
  rows: Row[];
  ticks: Tick[];
  /** Percent position of now, or null outside the window. */
  now: number | null;
}

interface Span {
  key: string;
  start: number;
  end: number;
  responder: Responder;
  note?: string;
}

const who = (r: Responder) => `${r.name}\u0000${r.email ?? ""}\u0000${r.phone ?? ""}`;

/** Palette slots by first appearance, so colors stay put while the window moves within a week. */
function colorsFor(spans: Span[][]): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of spans) for (const s of row) if (!out.has(who(s.responder))) out.set(who(s.responder), out.size % PALETTE_SIZE);
  return out;
}

/** Spans clipped to [from, to) as bars; those outside are dropped. */
export function barsOf(spans: Span[], from: number, to: number, tz: string, colors: Map<string, number>): Bar[] {
  const len = to - from;
  const out: Bar[] = [];
  for (const s of spans) {
    const a = Math.max(s.start, from);
    const b = Math.min(s.end, to);
    if (!(b > a)) continue;
    const note = s.note ? ` (${s.note})` : "";
    out.push({
      key: s.key,
      name: s.responder.name,
      left: ((a - from) / len) * 100,
      width: ((b - a) / len) * 100,
      color: colors.get(who(s.responder)) ?? 0,
      label: `${s.responder.name}${note}, ${shortTime(s.start, tz)} to ${shortTime(s.end, tz)}`,
    });
  }
  return out;
}

function layerSpans(layer: Layer, tz: string, from: number, to: number): Span[] {
  const l: DomainLayer = { ...layer, startsAt: new Date(layer.startsAt) };
  const shifts = resolve({ scheduleId: "", name: "", timezone: tz, layers: [l], overrides: [] }, new Date(from), new Date(to));
  return shifts.map((s, i) => ({ key: `${layer.layerId}-${i}`, start: s.start.getTime(), end: s.end.getTime(), responder: s.responder }));
}

const overrideSpans = (os: Override[]): Span[] =>
  os.map((o) => ({ key: o.overrideId, start: Date.parse(o.startsAt), end: Date.parse(o.endsAt), responder: o.responder, note: o.reason ?? undefined }));

const finalSpans = (shifts: Shift[]): Span[] =>
  shifts.map((s, i) => ({ key: `final-${i}`, start: Date.parse(s.start), end: Date.parse(s.end), responder: s.responder, note: s.source === "override" ? "override" : undefined }));

/** Midnights of the schedule's zone within the window. */
export function dayTicks(from: number, to: number, tz: string): Tick[] {
  const ticks: Tick[] = [];
  const label = new Intl.DateTimeFormat(undefined, { timeZone: tz, weekday: "short", day: "numeric" });
  for (let day = dayIn(from, tz), t = dayStart(day, tz); t < to; day = addDays(day, 1), t = dayStart(day, tz)) {
    if (t >= from) ticks.push({ left: ((t - from) / (to - from)) * 100, label: label.format(t) });
  }
  return ticks;
}

/** Layers in precedence order (highest order first), then overrides, then the final row. */
export function layoutTimeline(s: ScheduleDetail, finalShifts: Shift[], from: number, to: number, now: number): TimelineLayout {
  const layers = [...s.layers].sort((a, b) => b.order - a.order);
  const spans = [finalSpans(finalShifts), ...layers.map((l) => layerSpans(l, s.timezone, from, to)), overrideSpans(s.overrides)];
  const colors = colorsFor(spans);
  const [final, ...rest] = spans.map((x) => barsOf(x, from, to, s.timezone, colors));
  const rows: Row[] = layers.map((l, i) => ({ id: l.layerId, kind: "layer" as const, label: l.name, bars: rest[i]! }));
  if (s.overrides.length) rows.push({ id: "overrides", kind: "overrides", label: "Overrides", bars: rest.at(-1)! });
  rows.push({ id: "final", kind: "final", label: "On call", bars: final! });
  return { rows, ticks: dayTicks(from, to, s.timezone), now: now >= from && now < to ? ((now - from) / (to - from)) * 100 : null };
}
