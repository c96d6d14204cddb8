/**
 * On-call schedules: who is on call at an instant, and the final timeline over a window.
 * Pure functions over a schedule already loaded from oncall_schedules/_layers/_overrides.
 *
 * Daily and weekly rotations hand off at the same wall-clock time in the schedule's zone, so
 * across a DST change a shift is 23 or 25 hours long; custom rotations advance by exactly
 * shiftHours of absolute time.
 */
import { z } from "zod";
import { PulseError } from "../platform/errors";

export const Responder = z
  .object({ name: z.string().min(1).max(200), email: z.email().optional(), phone: z.string().max(40).optional() })
  .strict();
export type Responder = z.infer<typeof Responder>;

export interface Layer {
  layerId: string;
  name: string;
  order: number;
  rotation: "daily" | "weekly" | "custom";
  shiftHours: number;
  startsAt: Date;
  responders: Responder[];
}

export interface Override {
  overrideId: string;
  responder: Responder;
  startsAt: Date;
  endsAt: Date;
  reason: string | null;
}

export interface Schedule {
  scheduleId: string;
  name: string;
  timezone: string;
  layers: Layer[];
  overrides: Override[];
}

export interface Shift {
  start: Date;
  end: Date;
  responder: Responder;
  source: "override" | "layer";
  layerId?: string;
  overrideId?: string;
}

const HOUR = 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: tz,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch (err) {
      throw new PulseError("BAD_REQUEST", `unknown time zone ${JSON.stringify(tz)}`, { timezone: tz }, { cause: err });
    }
    formatters.set(tz, f);
  }
  return f;
}

/** IANA zone names only: Intl also accepts "+01:00"-style offsets, which have no DST rules. */
export function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z]/.test(tz)) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time in `tz` at `utcMs`, expressed as milliseconds of a UTC calendar. */
function toWall(tz: string, utcMs: number): number {
  const p: Record<string, number> = {};
  for (const { type, value } of formatter(tz).formatToParts(utcMs)) p[type] = Number(value);
  const ms = ((utcMs % 1000) + 1000) % 1000;
  return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour, p.minute, p.second) + ms;
}

/**
 * Two rounds of offset guessing: the second corrects a first guess taken on the other side of
 * a DST change. A wall time inside a spring-forward gap comes out moved forward by the gap.
 */
function fromWall(tz: string, wallMs: number): number {
  const first = wallMs - (toWall(tz, wallMs) - wallMs);
  return wallMs - (toWall(tz, first) - first);
}

/** Shift boundaries of one layer: shift k covers [start(k), start(k + 1)). */
interface Rotation {
  start(k: number): number;
  /** The shift covering `t`, or -1 before the layer's first shift. */
  indexAt(t: number): number;
}

function rotationOf(layer: Layer, tz: string): Rotation {
  const s0 = layer.startsAt.getTime();
  if (layer.rotation === "custom") {
    const step = layer.shiftHours * HOUR;
    if (!(step > 0)) throw new PulseError("BAD_REQUEST", `layer ${layer.layerId}: shiftHours must be positive`);
    return { start: (k) => s0 + k * step, indexAt: (t) => (t < s0 ? -1 : Math.floor((t - s0) / step)) };
  }
  const step = (layer.rotation === "weekly" ? 168 : 24) * HOUR;
  const w0 = toWall(tz, s0);
  const start = (k: number) => (k === 0 ? s0 : fromWall(tz, w0 + k * step));
  const indexAt = (t: number) => {
    if (t < s0) return -1;
    // The absolute-time estimate is off by at most one shift (DST moves handoffs by hours).
    let k = Math.floor((t - s0) / step);
    while (k > 0 && start(k) > t) k--;
    while (start(k + 1) <= t) k++;
    return k;
  };
  return { start, indexAt };
}

function layerShift(layer: Layer, rot: Rotation, k: number): Shift {
  return {
    start: new Date(rot.start(k)),
    end: new Date(rot.start(k + 1)),
    responder: layer.responders[k % layer.responders.length] as Responder,
    source: "layer",
    layerId: layer.layerId,
  };
}

const overrideShift = (o: Override): Shift => ({
  start: o.startsAt,
  end: o.endsAt,
  responder: o.responder,
  source: "override",
  overrideId: o.overrideId,
});

/** The latest-starting override covering `t`; on a tie the later one in the list. */
function overrideAt(overrides: readonly Override[], t: number): Override | undefined {
  let best: Override | undefined;
  for (const o of overrides) {
    if (o.startsAt.getTime() > t || o.endsAt.getTime() <= t) continue;
    if (!best || o.startsAt.getTime() >= best.startsAt.getTime()) best = o;
  }
  return best;
}

/** Highest order first; equal orders keep their list order. */
const byPrecedence = (layers: readonly Layer[]): Layer[] =>
  layers.filter((l) => l.responders.length > 0).sort((a, b) => b.order - a.order);

/**
 * Who is on call at `at` (null when nobody: before every layer starts). The shift's bounds
 * are those of the winning override or layer shift, not cut by anything else.
 */
export function onCallAt(s: Schedule, at: Date): Shift | null {
  const t = at.getTime();
  const o = overrideAt(s.overrides, t);
  if (o) return overrideShift(o);
  for (const layer of byPrecedence(s.layers)) {
    const rot = rotationOf(layer, s.timezone);
    const k = rot.indexAt(t);
    if (k >= 0) return layerShift(layer, rot, k);
  }
  return null;
}

/** The layer's shifts overlapping [from, to), in order. */
function layerShifts(layer: Layer, tz: string, from: number, to: number): Shift[] {
  const rot = rotationOf(layer, tz);
  const out: Shift[] = [];
  for (let k = Math.max(0, rot.indexAt(from)); rot.start(k) < to; k++) out.push(layerShift(layer, rot, k));
  return out;
}

const sameResponder = (a: Responder, b: Responder) => a.name === b.name && a.email === b.email && a.phone === b.phone;

function append(out: Shift[], piece: Shift, start: number, end: number): void {
  const last = out.at(-1);
  const adjacent =
    last !== undefined &&
    last.end.getTime() === start &&
    last.source === piece.source &&
    last.layerId === piece.layerId &&
    last.overrideId === piece.overrideId &&
    sameResponder(last.responder, piece.responder);
  if (adjacent) last.end = new Date(end);
  else out.push({ ...piece, start: new Date(start), end: new Date(end) });
}

/**
 * The final schedule between from and to: overrides applied over layers, adjacent shifts of
 * the same responder from the same layer or override merged, clipped to [from, to).
 */
export function timeline(s: Schedule, from: Date, to: Date): Shift[] {
  const a = from.getTime();
  const b = to.getTime();
  if (!(a < b)) return [];
  const layers = byPrecedence(s.layers).map((l) => layerShifts(l, s.timezone, a, b));
  const overrides = s.overrides.filter((o) => o.startsAt.getTime() < b && o.endsAt.getTime() > a);
  const cuts = new Set<number>([a, b]);
  for (const shifts of layers) for (const sh of shifts) cuts.add(sh.start.getTime()).add(sh.end.getTime());
  for (const o of overrides) cuts.add(o.startsAt.getTime()).add(o.endsAt.getTime());
  const points = [...cuts].filter((t) => t >= a && t <= b).sort((x, y) => x - y);
  const cursors = layers.map(() => 0);
  const out: Shift[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const t = points[i] as number;
    const o = overrideAt(overrides, t);
    const piece = o ? overrideShift(o) : layerPieceAt(layers, cursors, t);
    if (piece) append(out, piece, t, points[i + 1] as number);
  }
  return out;
}

/** Advances each layer's cursor to `t` (called with increasing t); the first covering layer wins. */
function layerPieceAt(layers: Shift[][], cursors: number[], t: number): Shift | undefined {
  let found: Shift | undefined;
  for (let i = 0; i < layers.length; i++) {
    const shifts = layers[i] as Shift[];
    let c = cursors[i] as number;
    while (c < shifts.length && (shifts[c] as Shift).end.getTime() <= t) c++;
    cursors[i] = c;
    const sh = shifts[c];
    if (!found && sh && sh.start.getTime() <= t) found = sh;
  }
  return found;
}
