/**
 * The rule editor's form: a draft that keeps every rule type's fields (switching type loses
 * nothing), its translation to the API body, and the schema it is checked with before sending:
 * POST /alert-rules' own body schema plus the type's definition schema, with issues at the
 * same paths the server reports (definition.conditions.0.value).
 */
import { z } from "zod";
import { AnomalyDefinition, GapDefinition, RuleFields, ThresholdDefinition, WindowDefinition } from "../../../http/api/bodies/alerts";
import { EMPTY_SCOPE, fromScope, toScope, type ScopeDraft } from "./scope";
import type { AlertRule } from "./types";

export type RuleType = AlertRule["type"];
export type Op = "GT" | "GTE" | "LT" | "LTE" | "EQ" | "NEQ";
export interface ConditionDraft {
  metric: string;
  op: Op;
  value: string;
}

export interface RuleDraft {
  name: string;
  description: string;
  enabled: boolean;
  type: RuleType;
  severity: string;
  /** "" is the tenant's default policy. */
  escalationPolicyId: string;
  threshold: { conditions: ConditionDraft[]; match: "all" | "any"; holdSeconds: string };
  window: { metric: string; aggregation: "avg" | "min" | "max" | "sum" | "count"; windowSeconds: string; op: Op; value: string; minSamples: string };
  gap: { metric: string; gapSeconds: string };
  anomaly: { metric: string; windowMinutes: string; zThreshold: string; minSamples: string };
  scope: ScopeDraft;
}

export const RULE_TYPES: readonly { value: RuleType; label: string; hint: string }[] = [
  { value: "threshold", label: "Threshold", hint: "One or more conditions on the latest values, optionally held for a while" },
  { value: "window", label: "Window aggregation", hint: "An average, minimum, maximum, sum or count over a sliding window" },
  { value: "telemetry_gap", label: "Telemetry gap", hint: "A metric stops arriving for longer than allowed" },
  { value: "anomaly", label: "Anomaly", hint: "A value far from its recent mean (z-score)" },
];
export const OPS: readonly { value: Op; label: string }[] = [
  { value: "GT", label: "> greater than" },
  { value: "GTE", label: "≥ at least" },
  { value: "LT", label: "< less than" },
  { value: "LTE", label: "≤ at most" },
  { value: "EQ", label: "= equal to" },
  { value: "NEQ", label: "≠ not equal to" },
];
export const AGGREGATIONS = ["avg", "min", "max", "sum", "count"] as const;

export const NEW_CONDITION: ConditionDraft = { metric: "", op: "GT", value: "" };

export const EMPTY_RULE: RuleDraft = {
  name: "",
  description: "",
  enabled: true,
  type: "threshold",
  severity: "3",
  escalationPolicyId: "",
  threshold: { conditions: [NEW_CONDITION], match: "all", holdSeconds: "0" },
  window: { metric: "", aggregation: "avg", windowSeconds: "300", op: "GT", value: "", minSamples: "2" },
  gap: { metric: "", gapSeconds: "900" },
  anomaly: { metric: "", windowMinutes: "60", zThreshold: "3", minSamples: "10" },
  scope: EMPTY_SCOPE,
};

/** Blank is absent (the API's default applies); anything else must read as a number. */
const num = (s: string): number | undefined => (s.trim() === "" ? undefined : Number(s));
const str = (v: unknown, fallback: string) => (v === undefined || v === null ? fallback : String(v));

function definitionOf(d: RuleDraft): Record<string, unknown> {
  const drop = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  switch (d.type) {
    case "threshold":
      return drop({ conditions: d.threshold.conditions.map((c) => ({ metric: c.metric.trim(), op: c.op, value: num(c.value) })), match: d.threshold.match, holdSeconds: num(d.threshold.holdSeconds) });
    case "window":
      return drop({ metric: d.window.metric.trim(), aggregation: d.window.aggregation, windowSeconds: num(d.window.windowSeconds), op: d.window.op, value: num(d.window.value), minSamples: num(d.window.minSamples) });
    case "telemetry_gap":
      return drop({ metric: d.gap.metric.trim(), gapSeconds: num(d.gap.gapSeconds) });
    case "anomaly":
      return drop({ metric: d.anomaly.metric.trim(), windowMinutes: num(d.anomaly.windowMinutes), zThreshold: num(d.anomaly.zThreshold), minSamples: num(d.anomaly.minSamples) });
  }
}

/** The body of POST /alert-rules (PATCH takes the same). */
export function toBody(d: RuleDraft) {
  return {
    name: d.name,
    description: d.description.trim() ? d.description : null,
    enabled: d.enabled,
    type: d.type,
    severity: Number(d.severity),
    definition: definitionOf(d),
    scope: toScope(d.scope),
    escalationPolicyId: d.escalationPolicyId || null,
  };
}

/** A stored rule as a draft; the other types' fields keep their defaults. */
export function fromRule(r: AlertRule): RuleDraft {
  const def = r.definition as Record<string, unknown>;
  const d: RuleDraft = { ...EMPTY_RULE, name: r.name, description: r.description ?? "", enabled: r.enabled, type: r.type, severity: String(r.severity), escalationPolicyId: r.escalationPolicyId ?? "", scope: fromScope(r.scope) };
  const e = (k: keyof RuleDraft["window"] | keyof RuleDraft["anomaly"] | "gapSeconds" | "holdSeconds", fallback: string) => str(def[k], fallback);
  if (r.type === "threshold") {
    const conditions = (def.conditions as { metric: string; op: Op; value: number }[] | undefined) ?? [];
    d.threshold = { conditions: conditions.map((c) => ({ metric: c.metric, op: c.op, value: String(c.value) })), match: def.match === "any" ? "any" : "all", holdSeconds: e("holdSeconds", "0") };
  } else if (r.type === "window") {
    d.window = { metric: e("metric", ""), aggregation: (def.aggregation as RuleDraft["window"]["aggregation"]) ?? "avg", windowSeconds: e("windowSeconds", "300"), op: (def.op as Op) ?? "GT", value: e("value", ""), minSamples: e("minSamples", "2") };
  } else if (r.type === "telemetry_gap") {
    d.gap = { metric: e("metric", ""), gapSeconds: e("gapSeconds", "900") };
  } else {
    d.anomaly = { metric: e("metric", ""), windowMinutes: e("windowMinutes", "60"), zThreshold: e("zThreshold", "3"), minSamples: e("minSamples", "10") };
  }
  return d;
}

const DEFINITIONS: Record<RuleType, z.ZodType> = { threshold: ThresholdDefinition, window: WindowDefinition, telemetry_gap: GapDefinition, anomaly: AnomalyDefinition };

/** RuleFields, and the definition checked as the server's parseDefinition checks it. */
export const RuleForm = RuleFields.superRefine((r, ctx) => {
  const parsed = DEFINITIONS[r.type].safeParse(r.definition);
  if (!parsed.success) for (const i of parsed.error.issues) ctx.addIssue({ code: "custom", message: i.message, path: ["definition", ...i.path] });
});
export type RuleForm = z.output<typeof RuleForm>;

const LABELS: Record<string, string> = {
  name: "Name", description: "Description", severity: "Severity", type: "Type", escalationPolicyId: "Escalation policy", enabled: "Enabled",
  "definition.conditions": "Conditions", "definition.match": "Fire when", "definition.holdSeconds": "Hold for (seconds)",
  "definition.metric": "Metric", "definition.aggregation": "Aggregation", "definition.windowSeconds": "Window (seconds)", "definition.op": "Operator",
  "definition.value": "Value", "definition.minSamples": "Minimum samples", "definition.gapSeconds": "Gap (seconds)",
  "definition.windowMinutes": "Window (minutes)", "definition.zThreshold": "z-score threshold",
  "scope.siteIds": "Sites", "scope.groupIds": "Groups", "scope.templateIds": "Templates", "scope.tags": "Tags", "scope.deviceIds": "Device ids",
  deviceIds: "Backtest device ids", from: "Backtest range", to: "Backtest range",
};

/** A field path as people read it: "definition.conditions.1.value" → "Condition 2 value". */
export function fieldLabel(path: string): string {
  const c = /^definition\.conditions\.(\d+)\.(\w+)/.exec(path);
  if (c) return `Condition ${Number(c[1]) + 1} ${c[2] === "op" ? "operator" : c[2]}`;
  const key = Object.keys(LABELS).filter((k) => path === k || path.startsWith(k + ".")).sort((a, b) => b.length - a.length)[0];
  return key ? LABELS[key]! : path;
}

/** The body paths each draft field feeds, so editing a field can hide its stale errors. */
const DRAFT_PATHS: Record<keyof RuleDraft, string[]> = {
  name: ["name"], description: ["description"], enabled: ["enabled"], type: ["type", "definition"], severity: ["severity"], escalationPolicyId: ["escalationPolicyId"],
  threshold: ["definition"], window: ["definition"], gap: ["definition"], anomaly: ["definition"], scope: ["scope"],
};

/** Errors minus those under a draft field edited since they were found. */
export function visibleErrors(errors: Record<string, string>, edited: ReadonlySet<keyof RuleDraft>): Record<string, string> {
  const stale = [...edited].flatMap((k) => DRAFT_PATHS[k]);
  return Object.fromEntries(Object.entries(errors).filter(([k]) => !stale.some((p) => k === p || k.startsWith(p + "."))));
}
