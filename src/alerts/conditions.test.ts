import { describe, expect, test } from "bun:test";
import { type AnomalyState, MAX_WINDOW_SAMPLES, onSample, onTime, type RuleState, type Sample, type Step, type WindowState } from "./conditions";
import { type Operator, parseDefinition, type Rule, type RuleType } from "./rules";

type RuleLike = Pick<Rule, "type" | "definition">;
const rule = (type: RuleType, raw: unknown): RuleLike => ({ type, definition: parseDefinition(type, raw) });
const s = (t: number, metrics: Record<string, unknown>): Sample => ({ t, metrics });
const MIN = 60_000;

/** Feeds samples in order; returns every step. */
function run(r: RuleLike, samples: readonly Sample[], state?: RuleState): Step[] {
  const steps: Step[] = [];
  for (const x of samples) {
    const step = onSample(r, state, x);
    steps.push(step);
    state = step.state;
  }
  return steps;
}
const breaches = (steps: readonly Step[]) => steps.map((x) => x.breach);
const last = (steps: readonly Step[]) => steps.at(-1)!;

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

describe("threshold", () => {
  const hot = rule("threshold", { conditions: [{ metric: "temp_c", op: "GT", value: 80 }] });

  test("every operator, at and around its threshold", () => {
    const ops: Operator[] = ["GT", "GTE", "LT", "LTE", "EQ", "NEQ"];
    const table = ops.map((op) => {
      const r = rule("threshold", { conditions: [{ metric: "x", op, value: 80 }] });
      return [op, ...[79, 80, 81].map((x) => onSample(r, undefined, s(1, { x })).breach)];
    });
    const t = true;
    const f = false;
    expect(table).toEqual([["GT", f, f, t], ["GTE", f, t, t], ["LT", t, f, f], ["LTE", t, t, f], ["EQ", f, t, f], ["NEQ", t, f, t]]);
  });

  test("a breach carries a summary and the values behind it", () => {
    expect(onSample(hot, undefined, s(1000, { temp_c: 85.2, rh: 40 }))).toEqual({
      state: { v: 1, kind: "threshold", lastT: 1000, last: { temp_c: 85.2 }, since: null, held: false },
      breach: true,
      dueAt: null,
      summary: "temp_c 85.2 > 80",
      details: { match: "all", holdSeconds: 0, conditions: [{ metric: "temp_c", op: "GT", threshold: 80, value: 85.2, met: true }] },
    });
    const clear = onSample(hot, undefined, s(1000, { temp_c: 75 }));
    expect([clear.breach, clear.summary]).toEqual([false, "temp_c 75, not > 80"]);
  });

  test("booleans compare as 1/0, strings never match, null is no reading", () => {
    const door = rule("threshold", { conditions: [{ metric: "door_open", op: "EQ", value: 1 }] });
    expect(breaches(run(door, [s(1, { door_open: true }), s(2, { door_open: false })]))).toEqual([true, false]);
    const ne = rule("threshold", { conditions: [{ metric: "mode", op: "NEQ", value: 1 }] });
    const str = onSample(ne, undefined, s(1, { mode: "auto" }));
    expect([str.breach, str.summary, str.state]).toEqual([false, "mode not a number", { v: 1, kind: "threshold", lastT: 1, last: { mode: null }, since: null, held: false }]);
    const steps = run(hot, [s(1, { temp_c: 90 }), s(2, { temp_c: null }), s(3, { other: 1 })]);
    expect(breaches(steps)).toEqual([true, null, null]);
    expect(steps[2]!.state).toBe(steps[0]!.state);
  });

  test("all / any over the latest value of each metric, sent in separate messages", () => {
    const conds = [{ metric: "temp_c", op: "GT", value: 80 }, { metric: "rh", op: "GT", value: 90 }];
    const all = rule("threshold", { conditions: conds, match: "all" });
    const any = rule("threshold", { conditions: conds, match: "any" });
    const msgs = [s(1, { temp_c: 85 }), s(2, { rh: 95 }), s(3, { temp_c: 70 }), s(4, { rh: 50 }), s(5, { temp_c: 81 })];
    // "all" cannot decide while rh is unknown; "any" can once one condition holds.
    expect(breaches(run(all, msgs))).toEqual([null, true, false, false, false]);
    expect(breaches(run(any, msgs))).toEqual([true, true, true, false, true]);
    expect(breaches(run(any, [s(1, { temp_c: 70 })]))).toEqual([null]);
    expect(run(all, msgs)[1]!.summary).toBe("temp_c 85 > 80 and rh 95 > 90");
    expect(run(all, msgs)[0]!.summary).toBe("temp_c 85 > 80 and rh unknown");
    expect(run(any, msgs)[4]!.summary).toBe("temp_c 81 > 80");
    expect(run(any, msgs)[3]!.summary).toBe("temp_c 70, not > 80 or rh 50, not > 90");
  });

  describe("hold", () => {
    const held = rule("threshold", { conditions: [{ metric: "temp_c", op: "GT", value: 80 }], holdSeconds: 60 });

    test("not yet held: no verdict, and a timer for when it would be", () => {
      const [first, second] = run(held, [s(1000, { temp_c: 85 }), s(31_000, { temp_c: 86 })]);
      expect(first).toMatchObject({ breach: null, dueAt: 61_000, summary: "temp_c 85 > 80, not yet for 1 min" });
      expect(first!.details.since).toBe(1000);
      expect(second).toMatchObject({ breach: null, dueAt: 61_000 });
    });

    test("held by a later sample", () => {
      const steps = run(held, [s(1000, { temp_c: 85 }), s(61_000, { temp_c: 86 }), s(90_000, { temp_c: 87 })]);
      expect(steps.map((x) => [x.breach, x.dueAt])).toEqual([[null, 61_000], [true, null], [true, null]]);
      expect(steps[1]!.summary).toBe("temp_c 86 > 80 for 1 min");
    });

    test("cleared before the hold elapses: clear, no timer, and the clock restarts", () => {
      const steps = run(held, [s(1000, { temp_c: 85 }), s(30_000, { temp_c: 70 }), s(40_000, { temp_c: 90 }), s(61_000, { temp_c: 90 })]);
      expect(steps.map((x) => [x.breach, x.dueAt])).toEqual([[null, 61_000], [false, null], [null, 100_000], [null, 100_000]]);
    });

    test("onTime fires the hold once it has elapsed, and not before", () => {
      const [pending] = run(held, [s(1000, { temp_c: 85 })]);
      expect(onTime(held, pending!.state, 60_999)).toMatchObject({ breach: null, dueAt: 61_000, state: pending!.state });
      const fired = onTime(held, pending!.state, 61_000);
      expect(fired).toMatchObject({ breach: true, dueAt: null, summary: "temp_c 85 > 80 for 1 min" });
      expect(onTime(held, fired.state, 70_000)).toMatchObject({ breach: null, dueAt: null });
      // Once held, a redelivered sample asks for no timer and a fresh one keeps it open.
      expect(onSample(held, fired.state, s(1000, { temp_c: 85 }))).toMatchObject({ breach: null, dueAt: null });
      expect(onSample(held, fired.state, s(5000, { temp_c: 84 }))).toMatchObject({ breach: true, dueAt: null });
      expect(onSample(held, fired.state, s(5000, { temp_c: 20 }))).toMatchObject({ breach: false, dueAt: null });
    });

    test("holdSeconds 0 decides on every sample and never sets a timer", () => {
      expect(onTime(hot, onSample(hot, undefined, s(1, { temp_c: 99 })).state, 10 * MIN)).toMatchObject({ breach: null, dueAt: null });
    });
  });

  test("older samples and redeliveries are ignored; same time with other values is not", () => {
    const [first] = run(hot, [s(2000, { temp_c: 85 })]);
    const st = deepFreeze(first!.state);
    expect(onSample(hot, st, s(1000, { temp_c: 70 }))).toMatchObject({ state: st, breach: null, summary: "sample older than the last one, ignored" });
    expect(onSample(hot, st, s(2000, { temp_c: 85 }))).toMatchObject({ state: st, breach: null, summary: "duplicate sample ignored" });
    expect(onSample(hot, st, s(2000, { temp_c: 70 }))).toMatchObject({ breach: false });
    expect(onSample(hot, st, s(2000, { temp_c: 85, rh: 1 }))).toMatchObject({ state: st, breach: null });
  });

  test("an older sample that breaches on its own is reported late; the state stays the newest", () => {
    const [first] = run(hot, [s(2000, { temp_c: 20 })]);
    const st = deepFreeze(first!.state);
    const late = onSample(hot, st, s(1000, { temp_c: 200 }));
    expect(late).toMatchObject({ state: st, breach: null, late: true, summary: "temp_c 200 > 80" });
    expect(onSample(hot, st, s(1500, { temp_c: 30 }))).not.toHaveProperty("late");
  });
});

describe("window", () => {
  const def = { metric: "temp_c", windowSeconds: 300, op: "GT", value: 80, minSamples: 3 };
  const series = [s(0, { temp_c: 70 }), s(MIN, { temp_c: 90 }), s(2 * MIN, { temp_c: 95 }), s(3 * MIN, { temp_c: 60 })];

  test("each aggregation over the window, once minSamples are in", () => {
    const results = (["avg", "min", "max", "sum", "count"] as const).map((aggregation) => {
      const steps = run(rule("window", { ...def, aggregation, value: 3 }), series);
      return [aggregation, ...steps.map((x) => x.details.aggregate ?? null)];
    });
    expect(results).toEqual([["avg", null, null, 85, 78.75], ["min", null, null, 70, 60], ["max", null, null, 95, 95], ["sum", null, null, 255, 315], ["count", null, null, 3, 4]]);
    const avg = run(rule("window", { ...def, aggregation: "avg" }), series);
    expect(breaches(avg)).toEqual([null, null, true, false]);
    expect(avg[1]!.summary).toBe("avg(temp_c) over 5 min: 2 of 3 samples needed");
    expect(avg[2]).toEqual({
      state: { v: 1, kind: "window", ts: [0, MIN, 2 * MIN], vs: [70, 90, 95] },
      breach: true,
      dueAt: null,
      summary: "avg(temp_c) over 5 min = 85 > 80",
      details: { metric: "temp_c", aggregation: "avg", windowSeconds: 300, aggregate: 85, samples: 3, op: "GT", threshold: 80 },
    });
    expect(avg[3]!.summary).toBe("avg(temp_c) over 5 min = 78.75, not > 80");
  });

  test("samples older than the window behind the newest are evicted", () => {
    const r = rule("window", { ...def, aggregation: "max", minSamples: 1 });
    const steps = run(r, [s(0, { temp_c: 99 }), s(4 * MIN, { temp_c: 50 }), s(5 * MIN, { temp_c: 60 })]);
    expect(breaches(steps)).toEqual([true, true, false]);
    expect(last(steps).state).toEqual({ v: 1, kind: "window", ts: [4 * MIN, 5 * MIN], vs: [50, 60] });
  });

  test("late samples go in their place, exact duplicates and too-old ones are dropped", () => {
    const r = rule("window", { ...def, aggregation: "count", value: 0, minSamples: 1 });
    const [, second] = run(r, [s(MIN, { temp_c: 1 }), s(3 * MIN, { temp_c: 3 })]);
    const st = deepFreeze(second!.state);
    expect(onSample(r, st, s(2 * MIN, { temp_c: 2 })).state).toEqual({ v: 1, kind: "window", ts: [MIN, 2 * MIN, 3 * MIN], vs: [1, 2, 3] });
    expect(onSample(r, st, s(MIN, { temp_c: 1 }))).toMatchObject({ state: st, breach: null, summary: "duplicate sample ignored" });
    expect(onSample(r, st, s(MIN, { temp_c: 7 })).state).toEqual({ v: 1, kind: "window", ts: [MIN, MIN, 3 * MIN], vs: [1, 7, 3] });
    expect(onSample(r, st, s(-2 * MIN, { temp_c: 1 }))).toMatchObject({ state: st, breach: null, summary: "sample older than the window, ignored" });
  });

  test("absent or non-numeric values add nothing; timers do nothing", () => {
    const r = rule("window", { ...def, aggregation: "avg", minSamples: 1 });
    const [first] = run(r, [s(0, { temp_c: 85 })]);
    expect(onSample(r, first!.state, s(1, { rh: 3 }))).toMatchObject({ state: first!.state, breach: null, summary: "no temp_c in the sample" });
    expect(onSample(r, first!.state, s(1, { temp_c: "hot" }))).toMatchObject({ state: first!.state, breach: null, summary: "temp_c is not a number" });
    expect(onTime(r, first!.state, 10 * MIN)).toMatchObject({ state: first!.state, breach: null, dueAt: null });
  });

  test("memory is bounded: past the cap the oldest samples go first", () => {
    const r = rule("window", { metric: "x", aggregation: "count", windowSeconds: 3600, op: "GT", value: 0, minSamples: 1 });
    const steps = run(r, Array.from({ length: MAX_WINDOW_SAMPLES + 5 }, (_, i) => s(i * 100, { x: i })));
    const st = last(steps).state as WindowState;
    expect([st.ts.length, st.vs[0], last(steps).details.aggregate]).toEqual([MAX_WINDOW_SAMPLES, 5, MAX_WINDOW_SAMPLES]);
  });
});

describe("telemetry_gap", () => {
  const gap = rule("telemetry_gap", { metric: "temp_c", gapSeconds: 600 });

  test("a sample with the metric clears and sets the deadline; one without keeps the deadline", () => {
    const steps = run(gap, [s(0, { temp_c: 20 }), s(MIN, { rh: 40 })]);
    const details = { metric: "temp_c", gapSeconds: 600, lastSeenAt: 0 };
    expect(steps[0]).toEqual({ state: { v: 1, kind: "telemetry_gap", lastSeen: 0 }, breach: false, dueAt: 10 * MIN, summary: "temp_c reported", details });
    expect(steps[1]).toMatchObject({ state: { lastSeen: 0 }, breach: null, dueAt: 10 * MIN });
  });

  test("onTime: silent until the deadline, then the gap is a breach", () => {
    const st = onSample(gap, undefined, s(0, { temp_c: 20 })).state;
    expect(onTime(gap, st, 10 * MIN - 1)).toMatchObject({ breach: null, dueAt: 10 * MIN });
    const details = { metric: "temp_c", gapSeconds: 600, lastSeenAt: 0, silentSeconds: 600 };
    expect(onTime(gap, st, 10 * MIN)).toEqual({ state: st, breach: true, dueAt: null, summary: "no temp_c for 10 min", details });
    expect(onSample(gap, st, s(12 * MIN, { temp_c: 21 }))).toMatchObject({ breach: false, dueAt: 22 * MIN });
  });

  test("a device first seen without the metric starts the clock at that sample", () => {
    const first = onSample(gap, undefined, s(5 * MIN, { rh: 40 }));
    expect(first).toMatchObject({ state: { v: 1, kind: "telemetry_gap", lastSeen: 5 * MIN }, breach: null, dueAt: 15 * MIN });
    expect(onTime(gap, first.state, 15 * MIN).breach).toBe(true);
  });

  test("a sample without the metric past the deadline shows the gap itself", () => {
    const steps = run(gap, [s(0, { temp_c: 20 }), s(11 * MIN, { rh: 40 })]);
    expect(last(steps)).toMatchObject({ breach: true, dueAt: null, details: { silentSeconds: 660 } });
  });

  test("lastSeen only moves forward; a null value is no reading", () => {
    const st = onSample(gap, undefined, s(5 * MIN, { temp_c: 20 })).state;
    expect(onSample(gap, st, s(2 * MIN, { temp_c: 19 }))).toMatchObject({ state: st, breach: null, dueAt: 15 * MIN });
    expect(onSample(gap, st, s(6 * MIN, { temp_c: null }))).toMatchObject({ state: st, breach: null, dueAt: 15 * MIN });
  });
});

describe("anomaly", () => {
  const an = rule("anomaly", { metric: "vib", windowMinutes: 60, zThreshold: 3, minSamples: 10 });
  const noise = (i: number) => 20 + Math.sin(i * 1.7) * 0.5;
  const steady = Array.from({ length: 120 }, (_, i) => s(i * 30_000, { vib: noise(i) }));

  test("steady noise never fires; a spike does, measured against the baseline before it", () => {
    const steps = run(an, steady);
    expect(breaches(steps.slice(0, 10))).toEqual(Array(10).fill(null));
    expect(steps.slice(10).every((x) => x.breach === false)).toBe(true);
    const spike = onSample(an, last(steps).state, s(3_600_000, { vib: 30 }));
    // Whole minutes: the spike's minute and the 59 before it.
    const window = steady.filter((x) => Math.floor(x.t / MIN) > 0).map((x) => x.metrics.vib as number);
    const mean = window.reduce((a, b) => a + b, 0) / window.length;
    const sd = Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / (window.length - 1));
    expect(spike.breach).toBe(true);
    expect(spike.details.samples).toBe(window.length);
    expect(spike.details.mean as number).toBeCloseTo(mean, 9);
    expect(spike.details.stddev as number).toBeCloseTo(sd, 9);
    expect(spike.details.z as number).toBeCloseTo((30 - mean) / sd, 6);
    expect(spike.summary).toBe(`vib 30 is ${((30 - mean) / sd).toFixed(1)}σ from its 60-min mean ${Math.round(mean * 100) / 100}`);
  });

  test("a constant series never fires, even when it jumps", () => {
    const steps = run(an, [...Array.from({ length: 30 }, (_, i) => s(i * MIN, { vib: 5 })), s(30 * MIN, { vib: 500 })]);
    expect(steps.every((x) => x.breach === null)).toBe(true);
    expect(last(steps).summary).toBe("vib: no variation in its 60-min baseline");
  });

  test("memory: at most windowMinutes buckets, one per minute", () => {
    const st = last(run(an, Array.from({ length: 300 }, (_, i) => s(i * 20_000, { vib: noise(i) })))).state as AnomalyState;
    expect(st.buckets.length).toBe(60);
    expect(st.buckets.map((b) => b[1])).toEqual(Array(60).fill(3));
    expect(st.buckets[59]![0] - st.buckets[0]![0]).toBe(59);
  });

  test("older samples and redeliveries are ignored", () => {
    const st = deepFreeze(last(run(an, steady)).state);
    expect(onSample(an, st, s(0, { vib: 99 }))).toMatchObject({ state: st, breach: null });
    const lastSample = steady[steady.length - 1]!;
    expect(onSample(an, st, lastSample)).toMatchObject({ state: st, breach: null, summary: "duplicate sample ignored" });
    expect(onSample(an, st, s(lastSample.t, { vib: 99 })).breach).toBe(true);
  });
});

test("state survives a JSON round trip between every step, for every rule type", () => {
  const rules = [
    rule("threshold", { conditions: [{ metric: "a", op: "GT", value: 5 }, { metric: "b", op: "LT", value: 0 }], match: "any", holdSeconds: 60 }),
    rule("window", { metric: "a", aggregation: "avg", windowSeconds: 120, op: "GT", value: 5 }),
    rule("telemetry_gap", { metric: "b", gapSeconds: 120 }),
    rule("anomaly", { metric: "a", windowMinutes: 5, minSamples: 3 }),
  ];
  const samples = Array.from({ length: 60 }, (_, i) => s(i * 15_000, i % 3 ? { a: (i * 7) % 11, b: i % 5 ? "x" : -1 } : { a: (i * 7) % 11 }));
  for (const r of rules) {
    let plain: RuleState | undefined;
    let revived: RuleState | undefined;
    for (const x of samples) {
      const a = onSample(r, plain, x);
      const b = onSample(r, revived, x);
      expect(b).toEqual(a);
      plain = a.state;
      revived = JSON.parse(JSON.stringify(b.state)) as RuleState;
      if (a.dueAt !== null) expect(onTime(r, revived, a.dueAt)).toEqual(onTime(r, plain, a.dueAt));
    }
  }
});

test("a state of another rule type or version starts afresh", () => {
  const hot = rule("threshold", { conditions: [{ metric: "a", op: "GT", value: 5 }] });
  const foreign = { v: 1, kind: "window", ts: [1], vs: [9] } as RuleState;
  expect(onSample(hot, foreign, s(0, { a: 9 }))).toMatchObject({ breach: true, state: { kind: "threshold", lastT: 0 } });
  expect(onSample(hot, { v: 1 } as RuleState, s(0, { a: 1 })).breach).toBe(false);
  expect(onTime(hot, foreign, 1)).toMatchObject({ state: foreign, breach: null, dueAt: null });
});
