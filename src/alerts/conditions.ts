/**
 * The rule state machines. Each takes the state of one (rule, device) and one telemetry sample
 * (or a timer) and returns the next state and what it learned. The evaluator keeps the states
 * in memory and checkpoints them as JSON to rule_state; a backtest replays stored telemetry
 * through the same functions.
 *
 * Inputs are never mutated: a caller whose commit fails can retry with the state it had, which
 * matters because a redelivered sample is recognised as a duplicate by the state it produced.
 * A metric whose value is null or missing is absent from the sample ("no reading").
 */
import {
  type AnomalyDefinition,
  compare,
  type Condition,
  durationText,
  fmt,
  type GapDefinition,
  numericValue,
  OPERATOR_SYMBOLS,
  type Rule,
  type ThresholdDefinition,
  type WindowDefinition,
} from "./rules";

export interface Sample {
  t: number;
  metrics: Readonly<Record<string, unknown>>;
}

/** Latest value per condition metric (null: the last one was not a number); since: the condition has held from then. */
export interface ThresholdState { v: 1; kind: "threshold"; lastT: number; last: Record<string, number | null>; since: number | null; held: boolean }
/** The metric's samples inside the window, by time: ts[i] with value vs[i]. */
export interface WindowState { v: 1; kind: "window"; ts: number[]; vs: number[] }
export interface GapState { v: 1; kind: "telemetry_gap"; lastSeen: number }
/** One bucket per minute (epoch minutes), oldest first: count, mean and Welford's M2, which keep their precision where sum/sumsq cancel out on large values. */
export type AnomalyBucket = [minute: number, n: number, mean: number, m2: number];
export interface AnomalyState { v: 1; kind: "anomaly"; lastT: number; lastV: number | null; buckets: AnomalyBucket[] }
export type RuleState = ThresholdState | WindowState | GapState | AnomalyState;

export interface Step {
  state: RuleState;
  /** true: the condition holds now (open/keep the alert); false: it is clear (close it); null: nothing learned (e.g. the rule's metric is absent from this sample). */
  breach: boolean | null;
  /** When to call onTime even if no sample arrives; null: no timer. An ignored sample repeats the timer its state still needs. */
  dueAt: number | null;
  /** Human summary of the current evaluation, e.g. "temp_c 85.2 > 80" or "no temp_c for 10 min". */
  summary: string;
  /** Alert details: metric(s), value(s), operator, threshold, aggregate, z, etc. */
  details: Record<string, unknown>;
  /**
   * A sample older than the newest one seen (batches stored out of order, a device resending)
   * met the condition on its own: the breach happened, at that time, and is already over
   * unless the newer samples breach too. The state is unchanged.
   */
  late?: true;
}

type RuleLike = Pick<Rule, "type" | "definition">;

/** Past this many samples a window drops its oldest first: one a second fills the longest window. */
export const MAX_WINDOW_SAMPLES = 3600;

/** Feeds one sample (of one device) to a rule; a state of another rule type or version starts afresh. */
export function onSample(rule: RuleLike, state: RuleState | undefined, s: Sample): Step {
  const st = state?.v === 1 && state.kind === rule.type ? state : undefined;
  switch (rule.type) {
    case "threshold":
      return thresholdSample(rule.definition as ThresholdDefinition, st as ThresholdState | undefined, s);
    case "window":
      return windowSample(rule.definition as WindowDefinition, st as WindowState | undefined, s);
    case "telemetry_gap":
      return gapSample(rule.definition as GapDefinition, st as GapState | undefined, s);
    case "anomaly":
      return anomalySample(rule.definition as AnomalyDefinition, st as AnomalyState | undefined, s);
  }
}

/** Re-checks a rule at `now` without a sample: a hold duration elapsing, a telemetry gap deadline. */
export function onTime(rule: RuleLike, state: RuleState, now: number): Step {
  if (state.v !== 1 || state.kind !== rule.type) return idle(state, "no state for this rule", null);
  if (state.kind === "threshold") return thresholdTime(rule.definition as ThresholdDefinition, state, now);
  if (state.kind === "telemetry_gap") return gapTime(rule.definition as GapDefinition, state, now);
  return idle(state, "nothing to re-check", null);
}

const idle = (state: RuleState, summary: string, dueAt: number | null): Step => ({ state, breach: null, dueAt, summary, details: {} });

const verdict = (ok: boolean, op: Condition["op"], threshold: number) => `${ok ? "" : ", not"} ${OPERATOR_SYMBOLS[op]} ${fmt(threshold)}`;

/** Three-valued: a metric never seen is unknown, so "all" with an unseen metric is null unless another condition is false. */
function evaluate(def: ThresholdDefinition, last: Readonly<Record<string, number | null>>): boolean | null {
  const all = def.match === "all";
  let unknown = false;
  for (const c of def.conditions) {
    const v = last[c.metric];
    if (v === undefined) {
      unknown = true;
      continue;
    }
    const ok = v !== null && compare(c.op, v, c.value);
    if (ok !== all) return ok;
  }
  return unknown ? null : all;
}

const pendingDue = (def: ThresholdDefinition, st: ThresholdState) => (st.since !== null && !st.held ? st.since + def.holdSeconds * 1000 : null);
const freshThreshold = (): ThresholdState => ({ v: 1, kind: "threshold", lastT: 0, last: {}, since: null, held: false });

function thresholdSample(def: ThresholdDefinition, st: ThresholdState | undefined, s: Sample): Step {
  if (st && s.t < st.lastT) return lateThreshold(def, st, s);
  let carried = false;
  let same = true;
  for (const c of def.conditions) {
    const raw = s.metrics[c.metric];
    if (raw === undefined || raw === null) continue;
    carried = true;
    if (st?.last[c.metric] !== (numericValue(raw) ?? null)) same = false;
  }
  const prev = st ?? freshThreshold();
  if (!carried) return idle(prev, "none of the rule's metrics in the sample", pendingDue(def, prev));
  if (st && s.t === st.lastT && same) return idle(st, "duplicate sample ignored", pendingDue(def, st));
  const last = { ...prev.last };
  for (const c of def.conditions) {
    const raw = s.metrics[c.metric];
    if (raw !== undefined && raw !== null) last[c.metric] = numericValue(raw) ?? null;
  }
  const cond = evaluate(def, last);
  const state: ThresholdState = { v: 1, kind: "threshold", lastT: s.t, last, since: null, held: false };
  if (cond === null) {
    state.since = prev.since;
    state.held = prev.held;
  } else if (cond && def.holdSeconds > 0) {
    state.since = prev.since ?? s.t;
    state.held = prev.held || s.t - state.since >= def.holdSeconds * 1000;
  }
  return thresholdStep(def, state, cond === true && def.holdSeconds > 0 && !state.held ? null : cond);
}

/** An older sample can still show a breach that happened (without a hold: a hold needs the order). */
function lateThreshold(def: ThresholdDefinition, st: ThresholdState, s: Sample): Step {
  const ignored = idle(st, "sample older than the last one, ignored", pendingDue(def, st));
  if (def.holdSeconds > 0) return ignored;
  const last = { ...st.last };
  for (const c of def.conditions) {
    const raw = s.metrics[c.metric];
    if (raw !== undefined && raw !== null) last[c.metric] = numericValue(raw) ?? null;
  }
  if (evaluate(def, last) !== true) return ignored;
  const step = thresholdStep(def, { ...st, last }, true);
  return { ...step, state: st, breach: null, dueAt: ignored.dueAt, late: true };
}

function thresholdTime(def: ThresholdDefinition, st: ThresholdState, now: number): Step {
  const due = pendingDue(def, st);
  if (due === null) return idle(st, "no hold pending", null);
  if (now < due) return idle(st, "hold not yet elapsed", due);
  return thresholdStep(def, { ...st, held: true }, true);
}

function thresholdStep(def: ThresholdDefinition, st: ThresholdState, breach: boolean | null): Step {
  const holding = st.since !== null;
  const onlyMet = holding || breach === true; // while the condition holds, name only what makes it hold
  const parts: string[] = [];
  const conditions: Record<string, unknown>[] = [];
  for (const c of def.conditions) {
    const v = st.last[c.metric];
    const met = v !== undefined && v !== null && compare(c.op, v, c.value);
    conditions.push({ metric: c.metric, op: c.op, threshold: c.value, value: v ?? null, met });
    if (onlyMet && !met) continue;
    parts.push(v === undefined ? `${c.metric} unknown` : v === null ? `${c.metric} not a number` : `${c.metric} ${fmt(v)}${verdict(met, c.op, c.value)}`);
  }
  let summary = parts.join(def.match === "all" ? " and " : " or ");
  if (holding) summary += st.held ? ` for ${durationText(def.holdSeconds)}` : `, not yet for ${durationText(def.holdSeconds)}`;
  const details: Record<string, unknown> = { match: def.match, holdSeconds: def.holdSeconds, conditions };
  if (holding) details.since = st.since;
  return { state: st, breach, dueAt: pendingDue(def, st), summary, details };
}

const freshWindow = (): WindowState => ({ v: 1, kind: "window", ts: [], vs: [] });

function windowSample(def: WindowDefinition, st: WindowState | undefined, s: Sample): Step {
  const prev = st ?? freshWindow();
  const raw = s.metrics[def.metric];
  const v = numericValue(raw);
  if (v === undefined) return idle(prev, raw == null ? `no ${def.metric} in the sample` : `${def.metric} is not a number`, null);
  const { ts, vs } = prev;
  const n = ts.length;
  const cut = Math.max(n ? ts[n - 1]! : s.t, s.t) - def.windowSeconds * 1000;
  if (s.t <= cut) return idle(prev, "sample older than the window, ignored", null);
  let at = n;
  while (at > 0 && ts[at - 1]! > s.t) at--;
  for (let k = at - 1; k >= 0 && ts[k] === s.t; k--) if (vs[k] === v) return idle(prev, "duplicate sample ignored", null);
  let from = 0;
  while (from < n && ts[from]! <= cut) from++;
  const nts = ts.slice(from);
  const nvs = vs.slice(from);
  nts.splice(at - from, 0, s.t);
  nvs.splice(at - from, 0, v);
  if (nts.length > MAX_WINDOW_SAMPLES) {
    nts.splice(0, nts.length - MAX_WINDOW_SAMPLES);
    nvs.splice(0, nvs.length - MAX_WINDOW_SAMPLES);
  }
  return windowStep(def, { v: 1, kind: "window", ts: nts, vs: nvs });
}

function aggregate(kind: WindowDefinition["aggregation"], vs: readonly number[]): number {
  if (kind === "count") return vs.length;
  let acc = kind === "min" ? Infinity : kind === "max" ? -Infinity : 0;
  if (kind === "min") for (const x of vs) acc = x < acc ? x : acc;
  else if (kind === "max") for (const x of vs) acc = x > acc ? x : acc;
  else for (const x of vs) acc += x;
  return kind === "avg" ? acc / vs.length : acc;
}

function windowStep(def: WindowDefinition, st: WindowState): Step {
  const samples = st.vs.length;
  const label = `${def.aggregation}(${def.metric}) over ${durationText(def.windowSeconds)}`;
  if (samples < def.minSamples) return idle(st, `${label}: ${samples} of ${def.minSamples} samples needed`, null);
  const value = aggregate(def.aggregation, st.vs);
  const breach = compare(def.op, value, def.value);
  return {
    state: st,
    breach,
    dueAt: null,
    summary: `${label} = ${fmt(value)}${verdict(breach, def.op, def.value)}`,
    details: { metric: def.metric, aggregation: def.aggregation, windowSeconds: def.windowSeconds, aggregate: value, samples, op: def.op, threshold: def.value },
  };
}

function gapSample(def: GapDefinition, st: GapState | undefined, s: Sample): Step {
  const raw = s.metrics[def.metric];
  const gapMs = def.gapSeconds * 1000;
  if (raw !== undefined && raw !== null) {
    if (st && s.t < st.lastSeen) return idle(st, `late ${def.metric} sample, already seen newer`, st.lastSeen + gapMs);
    const state: GapState = { v: 1, kind: "telemetry_gap", lastSeen: s.t };
    const details = { metric: def.metric, gapSeconds: def.gapSeconds, lastSeenAt: s.t };
    return { state, breach: false, dueAt: s.t + gapMs, summary: `${def.metric} reported`, details };
  }
  // A device first seen without the metric starts the clock here.
  const state: GapState = st ?? { v: 1, kind: "telemetry_gap", lastSeen: s.t };
  // The sample's own time already proves the gap: say so rather than wait for a timer in the past.
  if (s.t - state.lastSeen >= gapMs) return gapBreach(def, state, s.t);
  return idle(state, `no ${def.metric} in the sample`, state.lastSeen + gapMs);
}

function gapTime(def: GapDefinition, st: GapState, now: number): Step {
  const due = st.lastSeen + def.gapSeconds * 1000;
  return now >= due ? gapBreach(def, st, now) : idle(st, `${def.metric} not yet overdue`, due);
}

function gapBreach(def: GapDefinition, st: GapState, now: number): Step {
  return {
    state: st,
    breach: true,
    dueAt: null,
    summary: `no ${def.metric} for ${durationText(def.gapSeconds)}`,
    details: { metric: def.metric, gapSeconds: def.gapSeconds, lastSeenAt: st.lastSeen, silentSeconds: Math.floor((now - st.lastSeen) / 1000) },
  };
}

const freshAnomaly = (): AnomalyState => ({ v: 1, kind: "anomaly", lastT: 0, lastV: null, buckets: [] });

function anomalySample(def: AnomalyDefinition, st: AnomalyState | undefined, s: Sample): Step {
  const prev = st ?? freshAnomaly();
  const raw = s.metrics[def.metric];
  const v = numericValue(raw);
  if (v === undefined) return idle(prev, raw == null ? `no ${def.metric} in the sample` : `${def.metric} is not a number`, null);
  if (s.t < prev.lastT) return idle(prev, "sample older than the last one, ignored", null);
  if (s.t === prev.lastT && v === prev.lastV) return idle(prev, "duplicate sample ignored", null);
  const minute = Math.floor(s.t / 60_000);
  const b = prev.buckets;
  let from = 0;
  while (from < b.length && b[from]![0] <= minute - def.windowMinutes) from++;
  // Chan et al.'s pairwise update merges the buckets without losing precision.
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = from; i < b.length; i++) {
    const [, bn, bmean, bm2] = b[i]!;
    const total = n + bn;
    const d = bmean - mean;
    mean += (d * bn) / total;
    m2 += bm2 + (d * d * n * bn) / total;
    n = total;
  }
  const buckets = b.slice(from);
  const tail = buckets[buckets.length - 1];
  if (tail && tail[0] === minute) buckets[buckets.length - 1] = addToBucket(tail, v);
  else buckets.push([minute, 1, v, 0]);
  const state: AnomalyState = { v: 1, kind: "anomaly", lastT: s.t, lastV: v, buckets };
  return anomalyStep(def, state, v, n, mean, n > 1 ? Math.sqrt(m2 / (n - 1)) : 0);
}

function addToBucket([minute, n, mean, m2]: AnomalyBucket, v: number): AnomalyBucket {
  const d = v - mean;
  const next = mean + d / (n + 1);
  return [minute, n + 1, next, m2 + d * (v - next)];
}

function anomalyStep(def: AnomalyDefinition, st: AnomalyState, v: number, n: number, mean: number, stddev: number): Step {
  const base = `${def.windowMinutes}-min`;
  if (n < def.minSamples) return idle(st, `${def.metric}: ${n} of ${def.minSamples} samples for a ${base} baseline`, null);
  if (stddev === 0) return idle(st, `${def.metric}: no variation in its ${base} baseline`, null);
  const z = Math.abs(v - mean) / stddev;
  return {
    state: st,
    breach: z > def.zThreshold,
    dueAt: null,
    summary: `${def.metric} ${fmt(v)} is ${z.toFixed(1)}σ from its ${base} mean ${fmt(mean)}`,
    details: { metric: def.metric, value: v, mean, stddev, z, zThreshold: def.zThreshold, samples: n, windowMinutes: def.windowMinutes },
  };
}
