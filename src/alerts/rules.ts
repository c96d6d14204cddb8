/**
 * Alert rule definitions: the zod schemas the API validates with (and the evaluator re-checks
 * stored rows with), plus the small pure helpers every evaluation uses (comparison, scope).
 * The definition shapes mirror alert_rules.definition and alert_rules.scope in
 * sql/0013_alerts.sql.
 */
import { z } from "zod";
import { PulseError } from "../platform/errors";
import { DeviceId, SiteId, Uuid } from "../platform/ids";

export { SEVERITY_NAMES, Severity, severityName, type SeverityName } from "../platform/severity";

export const Operator = z.enum(["GT", "GTE", "LT", "LTE", "EQ", "NEQ"]);
export type Operator = z.output<typeof Operator>;
export const OPERATOR_SYMBOLS: Readonly<Record<Operator, string>> = { GT: ">", GTE: ">=", LT: "<", LTE: "<=", EQ: "=", NEQ: "!=" };

/** t_metric_key: any printable text up to 128 characters. */
export const MetricKey = z.string().regex(/^[^\p{Cc}]{1,128}$/u, { error: "expected a metric key: 1 to 128 printable characters" });
const Tag = z.string().regex(/^[^\p{Cc},]{1,64}$/u, { error: "expected a tag: 1 to 64 printable characters, no ','" });
const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const Condition = z.strictObject({ metric: MetricKey, op: Operator, value: z.number() });
export type Condition = z.output<typeof Condition>;

// Definitions are strict: a misspelt field (holdSecond) must be an error, not a silent default.
export const ThresholdDefinition = z.strictObject({
  conditions: z.array(Condition).min(1).max(10),
  match: z.enum(["all", "any"]).default("all"),
  holdSeconds: int(0, 86400).default(0),
});
export type ThresholdDefinition = z.output<typeof ThresholdDefinition>;

export const WindowDefinition = z.strictObject({
  metric: MetricKey,
  aggregation: z.enum(["avg", "min", "max", "sum", "count"]),
  windowSeconds: int(60, 3600),
  op: Operator,
  value: z.number(),
  minSamples: int(1, 1000).default(2),
});
export type WindowDefinition = z.output<typeof WindowDefinition>;

export const GapDefinition = z.strictObject({ metric: MetricKey, gapSeconds: int(60, 86400) });
export type GapDefinition = z.output<typeof GapDefinition>;

export const AnomalyDefinition = z.strictObject({
  metric: MetricKey,
  windowMinutes: int(5, 1440).default(60),
  zThreshold: z.number().min(1).max(10).default(3),
  minSamples: int(3, 1000).default(10),
});
export type AnomalyDefinition = z.output<typeof AnomalyDefinition>;

export const RuleType = z.enum(["threshold", "window", "telemetry_gap", "anomaly"]);
export type RuleType = z.output<typeof RuleType>;

const upTo500 = <T extends z.ZodType>(item: T) => z.array(item).max(500).optional();
/** Which devices a rule (or a maintenance window) covers; every list given must match. */
export const RuleScope = z
  .object({ siteIds: upTo500(SiteId), groupIds: upTo500(Uuid), templateIds: upTo500(Uuid), tags: upTo500(Tag), deviceIds: upTo500(DeviceId) })
  .strict();
export type RuleScope = z.output<typeof RuleScope>;

/** Type and definition as the API accepts them; name, severity etc. are the API's own fields. */
export const RuleSpec = z.discriminatedUnion("type", [
  z.object({ type: z.literal("threshold"), definition: ThresholdDefinition }),
  z.object({ type: z.literal("window"), definition: WindowDefinition }),
  z.object({ type: z.literal("telemetry_gap"), definition: GapDefinition }),
  z.object({ type: z.literal("anomaly"), definition: AnomalyDefinition }),
]);
export type RuleSpec = z.output<typeof RuleSpec>;

export type Definition = ThresholdDefinition | WindowDefinition | GapDefinition | AnomalyDefinition;

export interface Rule {
  ruleId: string;
  name: string;
  type: RuleType;
  severity: number;
  definition: Definition;
  scope: RuleScope;
  enabled: boolean;
  escalationPolicyId: string | null;
}

const DEFINITIONS: Readonly<Record<RuleType, z.ZodType<Definition>>> = {
  threshold: ThresholdDefinition,
  window: WindowDefinition,
  telemetry_gap: GapDefinition,
  anomaly: AnomalyDefinition,
};

/** Validates a definition for its rule type; the error names the offending field (definition.conditions.0.op). */
export function parseDefinition(type: RuleType, raw: unknown): Definition {
  const schema = Object.hasOwn(DEFINITIONS, type) ? DEFINITIONS[type] : undefined;
  if (!schema) {
    const message = `expected one of ${RuleType.options.join(", ")}`;
    throw new PulseError("BAD_REQUEST", `type: ${message}`, { errors: [{ path: "type", message }] });
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const errors = r.error.issues.map((i) => ({ path: ["definition", ...i.path.map(String)].join("."), message: i.message }));
  const first = errors[0]!;
  throw new PulseError("BAD_REQUEST", `invalid ${type} definition: ${first.path}: ${first.message}`, { errors });
}

export const ALERT_TYPE_OF = { threshold: "THRESHOLD", window: "WINDOW", telemetry_gap: "NO_TELEMETRY", anomaly: "ANOMALY" } as const;

/** The metric keys a rule reads, each once. */
export function ruleMetrics(rule: Pick<Rule, "type" | "definition">): string[] {
  if (rule.type !== "threshold") return [(rule.definition as WindowDefinition | GapDefinition | AnomalyDefinition).metric];
  return [...new Set((rule.definition as ThresholdDefinition).conditions.map((c) => c.metric))];
}

export function compare(op: Operator, a: number, b: number): boolean {
  switch (op) {
    case "GT":
      return a > b;
    case "GTE":
      return a >= b;
    case "LT":
      return a < b;
    case "LTE":
      return a <= b;
    case "EQ":
      return a === b;
    case "NEQ":
      return a !== b;
  }
}

/**
 * A metric value as a number for comparisons: finite numbers as they are, booleans as 1 (true)
 * and 0 (false) so "door_open EQ 1" works; anything else (strings, objects, NaN) is undefined
 * and never satisfies a comparison, not even NEQ.
 */
export function numericValue(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "boolean") return v ? 1 : 0;
  return undefined;
}

/** Numbers in summaries: two decimals at most, three significant digits below 1. */
export function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 1 ? String(Math.round(x * 100) / 100) : String(Number(x.toPrecision(3)));
}

export function durationText(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export interface ScopeDevice {
  deviceId: string;
  siteId: string | null;
  templateId: string | null;
  tags: ReadonlySet<string>;
  groupIds: ReadonlySet<string>;
}

const listed = (list: readonly string[] | undefined, v: string | null) => !list?.length || (v !== null && list.includes(v));
const anyIn = (list: readonly string[] | undefined, set: ReadonlySet<string>) => {
  if (!list?.length) return true;
  for (const x of list) if (set.has(x)) return true;
  return false;
};

/** Every list the scope gives must match the device (any element of it); a missing or empty list is no constraint. */
export function inScope(scope: RuleScope, d: ScopeDevice): boolean {
  return (
    listed(scope.deviceIds, d.deviceId) &&
    listed(scope.siteIds, d.siteId) &&
    listed(scope.templateIds, d.templateId) &&
    anyIn(scope.tags, d.tags) &&
    anyIn(scope.groupIds, d.groupIds)
  );
}

export const fingerprintOf = (ruleId: string, deviceId: string) => `RULE:${ruleId}:${deviceId}`;
