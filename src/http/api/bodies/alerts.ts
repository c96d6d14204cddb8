/**
 * Request bodies of the alert routes (rules, backtest, alert transitions, maintenance windows),
 * pure zod so the console validates its forms with the very schemas the API applies. Imports
 * nothing that touches the server: no db, no queries, no hono.
 */
import { z } from "zod";
import { Recurrence } from "../../../alerts/maintenance";
import { RuleScope, RuleType, Severity } from "../../../alerts/rules";
import { DeviceId, Uuid } from "../schemas";

export { AnomalyDefinition, GapDefinition, Operator, RuleScope, RuleType, ThresholdDefinition, WindowDefinition } from "../../../alerts/rules";
export { Recurrence } from "../../../alerts/maintenance";

export const IsoTime = z.iso.datetime({ offset: true, error: "expected an ISO 8601 timestamp with a zone, e.g. 2026-11-27T12:00:00Z" }).transform((s) => new Date(s));

/** Loose here; the route checks it against the rule type's own schema (parseDefinition). */
export const RuleDefinition = z.record(z.string(), z.unknown()).describe("The type's parameters, e.g. threshold: {conditions: [{metric, op, value}], match, holdSeconds}");

export const RuleFields = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).nullable().optional(),
  enabled: z.boolean().default(true),
  type: RuleType,
  severity: Severity.describe("1 info, 2 low, 3 medium, 4 high, 5 critical"),
  definition: RuleDefinition,
  scope: RuleScope.default({}).describe("Which devices; every list given must match, none means every device"),
  escalationPolicyId: Uuid.nullable().optional(),
}).strict();
export const RulePatch = RuleFields.extend({ enabled: z.boolean(), scope: RuleScope }).partial().strict();

export const MAX_BACKTEST_RANGE_MS = 31 * 86_400_000;

export const BacktestBody = z.object({
  ruleId: Uuid.optional().describe("A stored rule; or give `rule`"),
  rule: z.object({ type: RuleType, definition: RuleDefinition, scope: RuleScope.default({}) }).strict().optional(),
  from: IsoTime,
  to: IsoTime,
  deviceIds: z.array(DeviceId).min(1).max(100).optional().describe("Only these of the rule's devices"),
}).strict()
  .refine((b) => (b.ruleId === undefined) !== (b.rule === undefined), { error: "give either ruleId or rule", path: ["ruleId"] })
  .refine((b) => b.from < b.to, { error: "from must be before to", path: ["from"] })
  .refine((b) => b.to.getTime() - b.from.getTime() <= MAX_BACKTEST_RANGE_MS, { error: "at most 31 days between from and to", path: ["to"] });
export type BacktestBody = z.output<typeof BacktestBody>;

export const AlertCloseBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict().optional();
export const AlertSilenceBody = z.object({ minutes: z.number().int().min(1).max(1440) }).strict();

export const WindowFields = z.object({
  name: z.string().trim().min(1).max(200),
  enabled: z.boolean().default(true),
  startsAt: IsoTime,
  endsAt: IsoTime.nullable().optional().describe("None: open-ended"),
  recurrence: Recurrence.nullable().optional().describe("On only these weekly hours (in its time zone) between startsAt and endsAt"),
  scope: RuleScope.default({}).describe("Which devices; every list given must match, none means every device"),
}).strict();
export const WindowPatch = WindowFields.extend({ enabled: z.boolean(), scope: RuleScope }).partial().strict();
