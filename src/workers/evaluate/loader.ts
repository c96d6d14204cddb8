/** Reads a tenant's evaluation inputs from the database into its model. */
import { asWorker, type Sql, type Tx } from "../../platform/db";
import { Recurrence, type MaintenanceWindow } from "../../alerts/maintenance";
import { ALERT_TYPE_OF, parseDefinition, RuleScope, ruleMetrics, type Rule, type RuleType, type ThresholdDefinition } from "../../alerts/rules";
import type { RuleState } from "../../alerts/conditions";
import * as q from "../../alerts/evaluator-queries";
import { dynamicGroupMembers } from "../../devices/service";
import type { Logger } from "../../platform/log";
import { DEFAULT_POLICY, TenantModel, type CompiledRule, type StatusPolicy } from "./model";

export async function loadTenant(sql: Sql, tenant: string, log: Logger, now = Date.now()): Promise<TenantModel> {
  const m = new TenantModel(tenant, now);
  await asWorker(sql, async (tx) => {
    await loadConfig(tx, m, log);
    for (const d of await withDynamicGroups(tx, tenant, await q.evalDevices(tx, tenant))) m.putDevice(toDevice(d), now);
    for (const fp of await q.liveFingerprints(tx, tenant)) m.live.add(fp);
    for (const s of await q.ruleStates(tx, tenant)) {
      const saved = s.state as { s?: RuleState; d?: number | null };
      if (saved?.s) m.restoreState(s.ruleId, s.deviceId, { s: saved.s, d: saved.d ?? null });
    }
  });
  return m;
}

/** Rules, maintenance windows, status and escalation policies: re-read whenever they change. */
export async function loadConfig(tx: Tx, m: TenantModel, log: Logger): Promise<void> {
  const escalations = await q.escalationPolicies(tx, m.tenant);
  const delays = new Map(escalations.map((p) => [p.policyId, p.firstDelayMinutes]));
  const fallback = escalations.find((p) => p.isDefault);
  m.defaultEscalation = fallback ? { policyId: fallback.policyId, afterMinutes: fallback.firstDelayMinutes } : null;
  const rules: CompiledRule[] = [];
  for (const row of await q.enabledRules(tx, m.tenant)) {
    const rule = toRule(row, log, m.tenant);
    if (!rule) continue;
    const policyId = rule.escalationPolicyId ?? m.defaultEscalation?.policyId ?? null;
    rules.push({
      rule, metrics: ruleMetrics(rule), gap: rule.type === "telemetry_gap", alertType: ALERT_TYPE_OF[rule.type], persist: worthSaving(rule),
      escalationPolicyId: policyId, escalateAfterMinutes: policyId ? (delays.get(policyId) ?? null) : null,
    });
  }
  m.setRules(rules);
  m.windows = (await q.maintenanceWindows(tx, m.tenant)).flatMap((w) => toWindow(w, log, m.tenant));
  const policies = await q.statusPolicies(tx, m.tenant);
  const toPolicy = (p: q.StatusPolicyRow): StatusPolicy => ({ staleMs: p.staleAfterSeconds * 1000, offlineMs: p.offlineAfterSeconds * 1000, alert: p.noHeartbeatAlert, severity: p.noHeartbeatSeverity });
  const base = policies.find((p) => p.templateId === null);
  m.policies = {
    fallback: base ? toPolicy(base) : DEFAULT_POLICY,
    byTemplate: new Map(policies.filter((p) => p.templateId !== null).map((p) => [p.templateId!, toPolicy(p)])),
  };
}

/** Adds each device's dynamic groups (whatever matches their filters now) to its static ones. */
export async function withDynamicGroups(tx: Tx, tenant: string, devices: q.EvalDevice[]): Promise<q.EvalDevice[]> {
  const byDevice = new Map(devices.map((d) => [d.deviceId, d]));
  for (const m of await dynamicGroupMembers(tx, tenant)) byDevice.get(m.deviceId)?.groupIds.push(m.groupId);
  return devices;
}

function worthSaving(rule: Rule): boolean {
  if (rule.type !== "threshold") return true;
  const d = rule.definition as ThresholdDefinition;
  return d.holdSeconds > 0 || d.conditions.length > 1;
}

export const toDevice = (d: q.EvalDevice) => ({
  deviceId: d.deviceId, siteId: d.siteId, templateId: d.templateId, tags: new Set(d.tags), groupIds: new Set(d.groupIds),
  status: d.status, lastSeen: d.lastSeenAt ? d.lastSeenAt.getTime() : null,
});

/** A stored rule the engine no longer accepts is skipped (and said so), never fatal. */
function toRule(row: q.EvalRuleRow, log: Logger, tenant: string): Rule | null {
  try {
    const type = row.ruleType as RuleType;
    return {
      ruleId: row.ruleId, name: row.name, type, severity: row.severity, definition: parseDefinition(type, row.definition),
      scope: RuleScope.parse(row.scope), enabled: true, escalationPolicyId: row.escalationPolicyId,
    };
  } catch (err) {
    log.warn("rule skipped: its definition is not valid", { tenant, ruleId: row.ruleId, err: (err as Error).message });
    return null;
  }
}

function toWindow(w: q.WindowRow, log: Logger, tenant: string): MaintenanceWindow[] {
  try {
    const recurrence = w.recurrence ? Recurrence.parse(w.recurrence) : null;
    return [{ windowId: w.windowId, name: w.name, enabled: w.enabled, startsAt: w.startsAt, endsAt: w.endsAt, recurrence, scope: RuleScope.parse(w.scope) }];
  } catch (err) {
    log.warn("maintenance window skipped: not valid", { tenant, windowId: w.windowId, err: (err as Error).message });
    return [];
  }
}
