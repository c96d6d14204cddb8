/**
 * Alert rules: what the evaluator checks. Disabling or deleting a rule closes its live alerts
 * in the same transaction (with CLOSED events), so no alert outlives the rule that keeps it.
 */
import { z } from "zod";
import * as aq from "../../../alerts/alert-queries";
import { backtest } from "../../../alerts/backtest";
import * as bq from "../../../alerts/backtest-queries";
import { dynamicGroupMembers } from "../../../devices/service";
import { recordAlertEvents } from "../../../alerts/events";
import * as q from "../../../alerts/rule-queries";
import { inScope, parseDefinition, RuleScope, RuleType, ruleMetrics, Severity, severityName, type Definition } from "../../../alerts/rules";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import { BacktestBody, RuleFields, RulePatch } from "../../api/bodies/alerts";
import { route } from "../../api/route";
import { Deleted, DeviceId, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";
import { actorOf } from "./alerts";

export const AlertRule = z.object({
  ruleId: Uuid,
  name: z.string(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  type: RuleType,
  severity: Severity,
  severityName: z.string(),
  definition: z.record(z.string(), z.unknown()),
  scope: RuleScope,
  escalationPolicyId: Uuid.nullable(),
  createdBy: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const RuleParams = z.object({ ruleId: Uuid });
const ruleNotFound = (id: string) => new PulseError("NOT_FOUND", `alert rule ${id} not found`);
const badField = (path: string, message: string) => new PulseError("BAD_REQUEST", `${path}: ${message}`, { errors: [{ path, message }] });

export const toRule = <R extends q.RuleRow>(r: R) => ({ ...r, severityName: severityName(r.severity) });

/** parseDefinition, with its field paths placed in the request (`body.definition.conditions.0.op`). */
export function checkDefinition(type: q.RuleRow["type"], raw: unknown, at = "body"): Definition {
  try {
    return parseDefinition(type, raw);
  } catch (err) {
    if (!(err instanceof PulseError) || !Array.isArray(err.details?.errors)) throw err;
    const errors = (err.details.errors as { path: string; message: string }[]).map((e) => ({ ...e, path: `${at}.${e.path}` }));
    throw new PulseError("BAD_REQUEST", `invalid ${type} definition: ${errors[0]!.path}: ${errors[0]!.message}`, { errors });
  }
}

/** Validates a rule as it would be stored: its definition for its type, its policy, its name. */
async function checked(tx: Tx, r: q.RuleFields, ruleId: string | null): Promise<q.RuleFields> {
  const definition = checkDefinition(r.type, r.definition);
  if (r.escalationPolicyId && !(await q.escalationPolicyExists(tx, r.escalationPolicyId))) {
    throw badField("body.escalationPolicyId", `escalation policy ${r.escalationPolicyId} not found`);
  }
  if (await q.ruleNameTaken(tx, r.name, ruleId)) throw new PulseError("CONFLICT", `an alert rule named "${r.name}" already exists`);
  return { ...r, definition };
}

/** Closes a rule's live alerts as `actor`, with their CLOSED events; returns how many. */
async function closeRuleAlerts(tx: Tx, ruleId: string, actor: string, reason: string): Promise<number> {
  const closed = await aq.closeAlerts(tx, { ruleId }, { by: actor, reason });
  await recordAlertEvents(tx, closed.map((a) => ({ tenant: a.tenantId, alertId: a.alertId, transition: "CLOSED" as const, level: a.escalationLevel, actor, details: { reason } })));
  return closed.length;
}

async function lockedRule(tx: Tx, ruleId: string): Promise<q.RuleRow> {
  return (await q.getRule(tx, ruleId, { lock: true })) ?? Promise.reject(ruleNotFound(ruleId));
}

const MAX_ROWS = 200_000;
const MAX_ALERTS = 1000;

const BacktestResult = z.object({
  alerts: z.array(z.object({ deviceId: DeviceId, openedAt: Timestamp, closedAt: Timestamp.nullable(), triggerCount: z.number().int(), summary: z.string(), details: z.record(z.string(), z.unknown()) })),
  samples: z.number().int().describe("Telemetry rows replayed"),
  devices: z.number().int().describe("Devices in scope"),
  truncated: z.boolean().describe("Telemetry or alerts were cut off; see notes"),
  notes: z.array(z.string()),
});

async function backtestRule(tx: Tx, b: BacktestBody) {
  if (b.rule) return { type: b.rule.type, definition: checkDefinition(b.rule.type, b.rule.definition, "body.rule"), scope: b.rule.scope };
  const r = await q.getRule(tx, b.ruleId!);
  if (!r) throw badField("body.ruleId", `alert rule ${b.ruleId} not found`);
  return { type: r.type, definition: parseDefinition(r.type, r.definition), scope: RuleScope.parse(r.scope) };
}

/** The devices the evaluator would run the rule for, narrowed to `deviceIds` when given. */
async function scopeDevices(tx: Tx, tenantId: string, scope: RuleScope, deviceIds: string[] | undefined): Promise<{ devices: string[]; notes: string[] }> {
  const candidates = await bq.candidateDevices(tx, { deviceIds: deviceIds ?? scope.deviceIds, siteIds: scope.siteIds, templateIds: scope.templateIds });
  const dynamic = new Map<string, string[]>();
  if (scope.groupIds?.length) for (const m of await dynamicGroupMembers(tx, tenantId)) dynamic.set(m.deviceId, [...(dynamic.get(m.deviceId) ?? []), m.groupId]);
  const devices = candidates
    .filter((d) => inScope(scope, { ...d, tags: new Set(d.tags), groupIds: new Set([...d.groupIds, ...(dynamic.get(d.deviceId) ?? [])]) }))
    .map((d) => d.deviceId);
  const notes = dynamic.size > 0 ? ["dynamic groups are taken with their members as of now"] : [];
  return { devices, notes };
}

async function runBacktest(tx: Tx, tenantId: string, b: BacktestBody): Promise<z.input<typeof BacktestResult>> {
  const rule = await backtestRule(tx, b);
  const { devices, notes } = await scopeDevices(tx, tenantId, rule.scope, b.deviceIds);
  const rows = await bq.telemetrySamples(tx, { deviceIds: devices, metrics: ruleMetrics(rule), from: b.from, to: b.to, limit: MAX_ROWS + 1 });
  const cut = rows.length > MAX_ROWS;
  if (cut) rows.length = MAX_ROWS;
  // Cut short, the replay ends at the last row read: later silence is not a telemetry gap.
  const to = cut ? rows.at(-1)!.time.getTime() : b.to.getTime();
  if (cut) notes.push(`stopped after ${MAX_ROWS} telemetry rows, at ${new Date(to).toISOString()}; shorten the range or name deviceIds`);
  const samples = new Map<string, { t: number; metrics: Record<string, unknown> }[]>();
  for (const r of rows) (samples.get(r.deviceId) ?? samples.set(r.deviceId, []).get(r.deviceId)!).push({ t: r.time.getTime(), metrics: r.metrics });
  const result = backtest(rule, samples, { from: b.from.getTime(), to }, { maxAlerts: MAX_ALERTS });
  if (result.truncated) notes.push(`more than ${MAX_ALERTS} alerts; the earliest ${MAX_ALERTS} are shown`);
  notes.push("maintenance windows, acknowledgements and silences are not replayed");
  const alerts = result.alerts.map((a) => ({ ...a, openedAt: new Date(a.openedAt), closedAt: a.closedAt === null ? null : new Date(a.closedAt) }));
  return { alerts, samples: result.samples, devices: devices.length, truncated: cut || result.truncated, notes };
}

const EXAMPLE = {
  name: "Freezer too warm",
  type: "threshold" as const,
  severity: 4,
  definition: { conditions: [{ metric: "temp_c", op: "GT", value: -15 }], holdSeconds: 300 },
  scope: { siteIds: ["site-1"], tags: ["freezer"] },
};

export const alertRuleRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/alert-rules",
    summary: "List alert rules",
    tag: "alert rules",
    access: "tenant-read",
    query: PageQuery.extend({
      enabled: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
      type: RuleType.optional(),
      search: z.string().trim().min(1).max(200).optional().describe("Text in the name or description"),
    }),
    response: page(AlertRule),
    handler: async ({ tenant, query }) => {
      const { items, total } = await tenant((tx) => q.listRules(tx, query));
      return { items: items.map(toRule), total, limit: query.limit, offset: query.offset };
    },
  }),
  route({
    method: "post",
    path: "/api/v1/customer/alert-rules",
    summary: "Create an alert rule",
    tag: "alert rules",
    access: "tenant-write",
    body: RuleFields,
    example: EXAMPLE,
    response: AlertRule,
    status: 201,
    handler: async ({ tenant, body, principal, audit }) =>
      tenant(async (tx) => {
        const fields = await checked(tx, { ...body, description: body.description ?? null, escalationPolicyId: body.escalationPolicyId ?? null }, null);
        const rule = await q.insertRule(tx, fields, actorOf(principal));
        await audit(tx, { action: "alert_rule.created", entityType: "alert-rule", entityId: rule.ruleId, details: { name: rule.name, type: rule.type } });
        return toRule(rule);
      }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/alert-rules/backtest",
    summary: "Replay stored telemetry (up to 31 days) through a stored or draft rule: the alerts it would have opened",
    tag: "alert rules",
    access: "tenant-read",
    body: BacktestBody,
    example: { rule: { type: EXAMPLE.type, definition: EXAMPLE.definition, scope: {} }, from: "2026-01-01T00:00:00Z", to: "2026-01-08T00:00:00Z" },
    response: BacktestResult,
    handler: async ({ tenant, tenantId, body }) => tenant((tx) => runBacktest(tx, tenantId, body)),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/alert-rules/:ruleId",
    summary: "Get an alert rule",
    tag: "alert rules",
    access: "tenant-read",
    params: RuleParams,
    response: AlertRule,
    handler: async ({ tenant, params }) => toRule((await tenant((tx) => q.getRule(tx, params.ruleId))) ?? (await Promise.reject(ruleNotFound(params.ruleId)))),
  }),
  route({
    method: "patch",
    path: "/api/v1/customer/alert-rules/:ruleId",
    summary: "Change an alert rule; disabling it closes its live alerts",
    tag: "alert rules",
    access: "tenant-write",
    params: RuleParams,
    body: RulePatch,
    example: { enabled: false },
    response: AlertRule,
    handler: async ({ tenant, params, body, principal, audit }) =>
      tenant(async (tx) => {
        const current = await lockedRule(tx, params.ruleId);
        const rule = await q.updateRule(tx, current.ruleId, await checked(tx, { ...current, ...body }, current.ruleId));
        const closedAlerts = current.enabled && !rule.enabled ? await closeRuleAlerts(tx, rule.ruleId, actorOf(principal), "rule disabled") : 0;
        await audit(tx, { action: "alert_rule.updated", entityType: "alert-rule", entityId: rule.ruleId, details: { fields: Object.keys(body), closedAlerts } });
        return toRule(rule);
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/alert-rules/:ruleId",
    summary: "Delete an alert rule; its live alerts are closed",
    tag: "alert rules",
    access: "tenant-write",
    params: RuleParams,
    response: Deleted.extend({ closedAlerts: z.number().int() }),
    handler: async ({ tenant, params, principal, audit }) =>
      tenant(async (tx) => {
        const rule = await lockedRule(tx, params.ruleId);
        const closedAlerts = await closeRuleAlerts(tx, rule.ruleId, actorOf(principal), "rule deleted");
        await q.deleteRule(tx, rule.ruleId);
        await audit(tx, { action: "alert_rule.deleted", entityType: "alert-rule", entityId: rule.ruleId, details: { name: rule.name, closedAlerts } });
        return { deleted: true as const, closedAlerts };
      }),
  }),
];
