/**
 * Replays stored telemetry through a rule, as the evaluator would have seen it, and reports
 * the alerts it would have opened and closed. Maintenance windows, acknowledgements and
 * silences are not replayed: this answers "how noisy is this rule", not "what was sent".
 */
import { onSample, onTime, type RuleState, type Sample, type Step } from "./conditions";
import type { Rule } from "./rules";

export interface BacktestAlert {
  deviceId: string;
  openedAt: number;
  closedAt: number | null;
  triggerCount: number;
  summary: string;
  details: Record<string, unknown>;
}

export interface BacktestResult {
  alerts: BacktestAlert[];
  /** Samples evaluated: those inside the range. */
  samples: number;
  /** More than maxAlerts alerts opened; `alerts` holds the earliest. */
  truncated: boolean;
}

type RuleLike = Pick<Rule, "type" | "definition">;

interface Replay {
  rule: RuleLike;
  deviceId: string;
  state: RuleState | undefined;
  due: number | null;
  open: BacktestAlert | null;
  alerts: BacktestAlert[];
}

/**
 * Runs every device's samples (sorted by t) that fall in [from, to] through the rule. Timers
 * fire at their dueAt before a later sample, and after the last sample up to `to`. Alerts
 * still open at the end have closedAt null.
 */
export function backtest(
  rule: RuleLike,
  samples: ReadonlyMap<string, readonly Sample[]>,
  range: { from: number; to: number },
  o: { maxAlerts?: number } = {},
): BacktestResult {
  const maxAlerts = o.maxAlerts ?? 1000;
  const alerts: BacktestAlert[] = [];
  let evaluated = 0;
  for (const [deviceId, list] of samples) {
    const r: Replay = { rule, deviceId, state: undefined, due: null, open: null, alerts };
    for (const s of list) {
      if (s.t < range.from || s.t > range.to) continue;
      fireTimers(r, s.t);
      apply(r, onSample(rule, r.state, s), s.t);
      evaluated++;
    }
    fireTimers(r, range.to);
  }
  alerts.sort((a, b) => a.openedAt - b.openedAt || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
  return { alerts: alerts.slice(0, maxAlerts), samples: evaluated, truncated: alerts.length > maxAlerts };
}

/** Fires every timer due at or before `until`, each at its own time. */
function fireTimers(r: Replay, until: number): void {
  while (r.state && r.due !== null && r.due <= until) {
    const at = r.due;
    apply(r, onTime(r.rule, r.state, at), at);
    if (r.due !== null && r.due <= at) r.due = null; // a timer that does not move forward would spin
  }
}

function apply(r: Replay, step: Step, at: number): void {
  r.state = step.state;
  r.due = step.dueAt;
  if (step.breach === true) {
    if (r.open) r.open.triggerCount++;
    else {
      r.open = { deviceId: r.deviceId, openedAt: at, closedAt: null, triggerCount: 1, summary: step.summary, details: step.details };
      r.alerts.push(r.open);
    }
  } else if (step.breach === false && r.open) {
    r.open.closedAt = at;
    r.open = null;
  }
}
