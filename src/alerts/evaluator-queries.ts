/** SQL of `pulse evaluate`: what a tenant's evaluation reads at start and writes as it goes. Runs as the worker role. */
import { jsonbArray, type Db } from "../platform/db";

export interface EvalDevice {
  deviceId: string;
  siteId: string | null;
  templateId: string | null;
  tags: string[];
  groupIds: string[];
  status: "ONLINE" | "STALE" | "OFFLINE";
  lastSeenAt: Date | null;
}

export async function tenantIds(db: Db): Promise<string[]> {
  return (await db<{ tenantId: string }[]>`select tenant_id from tenants order by tenant_id`).map((r) => r.tenantId);
}

export async function evalDevices(db: Db, tenant: string, deviceIds?: readonly string[]): Promise<EvalDevice[]> {
  return db<EvalDevice[]>`
    select d.device_id, d.site_id, d.template_id,
           coalesce((select array_agg(t.tag) from device_tags t where t.tenant_id = d.tenant_id and t.device_id = d.device_id), '{}') as tags,
           coalesce((select array_agg(m.group_id::text) from device_group_members m where m.tenant_id = d.tenant_id and m.device_id = d.device_id), '{}') as group_ids,
           coalesce(s.status, 'OFFLINE') as status, s.last_seen_at
    from device_registry d left join device_state s on s.tenant_id = d.tenant_id and s.device_id = d.device_id
    where d.tenant_id = ${tenant} and d.status = 'ACTIVE'
      and ${deviceIds ? db`d.device_id = any(${deviceIds}::text[])` : db`true`}`;
}

export interface EvalRuleRow {
  ruleId: string;
  name: string;
  ruleType: string;
  severity: number;
  definition: unknown;
  scope: unknown;
  escalationPolicyId: string | null;
}

export async function enabledRules(db: Db, tenant: string): Promise<EvalRuleRow[]> {
  return db<EvalRuleRow[]>`
    select rule_id, name, rule_type, severity, definition, scope, escalation_policy_id
    from alert_rules where tenant_id = ${tenant} and enabled order by created_at`;
}

export interface WindowRow {
  windowId: string;
  name: string;
  enabled: boolean;
  startsAt: Date;
  endsAt: Date | null;
  recurrence: unknown;
  scope: unknown;
}

export async function maintenanceWindows(db: Db, tenant: string): Promise<WindowRow[]> {
  return db<WindowRow[]>`
    select window_id, name, enabled, starts_at, ends_at, recurrence, scope from maintenance_windows
    where tenant_id = ${tenant} and enabled and (ends_at is null or ends_at > now())`;
}

export interface StatusPolicyRow {
  templateId: string | null;
  staleAfterSeconds: number;
  offlineAfterSeconds: number;
  noHeartbeatAlert: boolean;
  noHeartbeatSeverity: number;
}

export async function statusPolicies(db: Db, tenant: string): Promise<StatusPolicyRow[]> {
  return db<StatusPolicyRow[]>`
    select template_id, stale_after_seconds, offline_after_seconds, no_heartbeat_alert, no_heartbeat_severity
    from device_status_policies where tenant_id = ${tenant}`;
}

export interface PolicyRow {
  policyId: string;
  isDefault: boolean;
  firstDelayMinutes: number;
}

export async function escalationPolicies(db: Db, tenant: string): Promise<PolicyRow[]> {
  return db<PolicyRow[]>`
    select policy_id, is_default, (levels -> 0 ->> 'delayMinutes')::int as first_delay_minutes
    from escalation_policies where tenant_id = ${tenant}`;
}

/** Fingerprints of the tenant's live (open or acknowledged) alerts. */
export async function liveFingerprints(db: Db, tenant: string): Promise<string[]> {
  return (await db<{ fingerprint: string }[]>`
    select fingerprint from alerts where tenant_id = ${tenant} and status in ('OPEN', 'ACKNOWLEDGED')`).map((r) => r.fingerprint);
}

export async function ruleStates(db: Db, tenant: string): Promise<Array<{ ruleId: string; deviceId: string; state: unknown }>> {
  return db`select rule_id, device_id, state from rule_state where tenant_id = ${tenant}`;
}

export async function saveRuleStates(db: Db, tenant: string, rows: ReadonlyArray<{ ruleId: string; deviceId: string; state: unknown }>): Promise<void> {
  if (rows.length === 0) return;
  await db`
    insert into rule_state (tenant_id, rule_id, device_id, state)
    select ${tenant}, r, d, s from unnest(${rows.map((x) => x.ruleId)}::uuid[], ${rows.map((x) => x.deviceId)}::text[],
                                         ${jsonbArray(rows.map((x) => x.state as object))}::jsonb[]) as u(r, d, s)
    where exists (select from alert_rules a where a.rule_id = u.r)
    on conflict (tenant_id, rule_id, device_id) do update set state = excluded.state, updated_at = now()`;
}

/** What changed per tenant in the rule-side tables: a version string per tenant. */
export async function configVersions(db: Db): Promise<Map<string, string>> {
  const rows = await db<{ tenantId: string; v: string }[]>`
    select tenant_id, string_agg(v, '|' order by k) as v from (
      select tenant_id, 'r' as k, count(*) || '@' || max(updated_at) as v from alert_rules group by tenant_id
      union all select tenant_id, 'w', count(*) || '@' || max(updated_at) from maintenance_windows group by tenant_id
      union all select tenant_id, 's', count(*) || '@' || max(updated_at) from device_status_policies group by tenant_id
      union all select tenant_id, 'e', count(*) || '@' || max(updated_at) from escalation_policies group by tenant_id
    ) x group by tenant_id`;
  return new Map(rows.map((r) => [r.tenantId, r.v]));
}

export interface StatusChange {
  deviceId: string;
  from: string | null;
  to: "ONLINE" | "STALE" | "OFFLINE";
  event: "CONNECTED" | "DISCONNECTED" | "OFFLINE";
  reason: string;
  at: Date;
}

export async function writeStatusChanges(db: Db, tenant: string, changes: readonly StatusChange[]): Promise<void> {
  if (changes.length === 0) return;
  const ids = changes.map((c) => c.deviceId);
  await db`
    insert into device_state (tenant_id, device_id, status, last_state_change_at)
    select ${tenant}, d, s, a from unnest(${ids}::text[], ${changes.map((c) => c.to)}::text[], ${changes.map((c) => c.at.toISOString())}::timestamptz[]) as u(d, s, a)
    where exists (select from device_registry r where r.tenant_id = ${tenant} and r.device_id = u.d)
    on conflict (tenant_id, device_id) do update set status = excluded.status, last_state_change_at = excluded.last_state_change_at, updated_at = now()`;
  await db`
    insert into device_connection_events (tenant_id, device_id, event, reason, status_from, status_to, at)
    select ${tenant}, d, e, r, f, t, a from unnest(${ids}::text[], ${changes.map((c) => c.event)}::text[], ${changes.map((c) => c.reason)}::text[],
      ${changes.map((c) => c.from)}::text[], ${changes.map((c) => c.to)}::text[], ${changes.map((c) => c.at.toISOString())}::timestamptz[]) as u(d, e, r, f, t, a)
    where exists (select from device_registry r where r.tenant_id = ${tenant} and r.device_id = u.d)`;
}

export interface Firing {
  fingerprint: string;
  deviceId: string;
  siteId: string | null;
  ruleId: string | null;
  alertType: string;
  severity: number;
  summary: string;
  details: Record<string, unknown>;
  count: number;
  at: Date;
  escalationPolicyId: string | null;
  /** Minutes to the first escalation (null: no policy). */
  escalateAfterMinutes: number | null;
  /** In a maintenance window: update a live alert, never open one. */
  suppressed: boolean;
}

/** Opens alerts (or counts repeats on the live one); returns the ids of those newly opened. */
export async function fire(db: Db, tenant: string, f: readonly Firing[]): Promise<Array<{ alertId: number; opened: boolean; fingerprint: string }>> {
  if (f.length === 0) return [];
  const col = <T>(fn: (x: Firing) => T) => f.map(fn);
  const rows = await db<{ alertId: string; opened: boolean; fingerprint: string }[]>`
    insert into alerts as a (tenant_id, fingerprint, device_id, site_id, rule_id, alert_type, severity, summary, details, trigger_count,
                             opened_at, last_triggered_at, escalation_policy_id, next_escalation_at)
    select ${tenant}, fp, dev, site, rule, typ, sev, summ, det, cnt, at, at, p.policy_id,
           case when esc is null or p.policy_id is null then null else at + make_interval(mins => esc) end
    from unnest(${col((x) => x.fingerprint)}::text[], ${col((x) => x.deviceId)}::text[], ${col((x) => x.siteId)}::text[],
                ${col((x) => x.ruleId)}::uuid[], ${col((x) => x.alertType)}::text[], ${col((x) => x.severity)}::smallint[],
                ${col((x) => x.summary)}::text[], ${jsonbArray(col((x) => x.details))}::jsonb[], ${col((x) => x.count)}::int[],
                ${col((x) => x.at.toISOString())}::timestamptz[], ${col((x) => x.escalationPolicyId)}::uuid[],
                ${col((x) => x.escalateAfterMinutes)}::int[], ${col((x) => (x.suppressed ? 1 : 0))}::int[])
         as u(fp, dev, site, rule, typ, sev, summ, det, cnt, at, pol, esc, sup)
    left join escalation_policies p on p.policy_id = u.pol
    -- The evaluator's copy of the rules may be seconds old: a rule deleted or disabled since opens nothing.
    where (u.rule is null or exists (select from alert_rules r where r.rule_id = u.rule and r.enabled))
      and (sup = 0 or exists (select from alerts l where l.tenant_id = ${tenant} and l.fingerprint = u.fp and l.status in ('OPEN', 'ACKNOWLEDGED')))
    on conflict (tenant_id, fingerprint) where status in ('OPEN', 'ACKNOWLEDGED') do update set
      trigger_count = a.trigger_count + excluded.trigger_count, last_triggered_at = greatest(a.last_triggered_at, excluded.last_triggered_at),
      severity = excluded.severity, summary = excluded.summary, details = excluded.details
    returning alert_id, (xmax = 0) as opened, fingerprint`;
  return rows.map((r) => ({ alertId: Number(r.alertId), opened: r.opened, fingerprint: r.fingerprint }));
}

/** Closes the live alerts of these fingerprints, each with its reason; returns the alerts closed. */
export async function clear(db: Db, tenant: string, reasons: ReadonlyMap<string, string>, at: Date): Promise<Array<{ alertId: number; reason: string }>> {
  if (reasons.size === 0) return [];
  const rows = await db<{ alertId: string; reason: string }[]>`
    update alerts a set status = 'CLOSED', closed_at = ${at.toISOString()}, closed_by = 'evaluator', close_reason = u.reason, next_escalation_at = null
    from unnest(${[...reasons.keys()]}::text[], ${[...reasons.values()]}::text[]) as u(fp, reason)
    where a.tenant_id = ${tenant} and a.fingerprint = u.fp and a.status in ('OPEN', 'ACKNOWLEDGED')
    returning a.alert_id, u.reason`;
  return rows.map((r) => ({ alertId: Number(r.alertId), reason: r.reason }));
}

export async function dropRuleStates(db: Db, tenant: string, pairs: ReadonlyArray<{ ruleId: string; deviceId: string }>): Promise<void> {
  if (pairs.length === 0) return;
  await db`
    delete from rule_state s using unnest(${pairs.map((p) => p.ruleId)}::uuid[], ${pairs.map((p) => p.deviceId)}::text[]) as u(r, d)
    where s.tenant_id = ${tenant} and s.rule_id = u.r and s.device_id = u.d`;
}

/** Advances unacknowledged, unsilenced alerts whose escalation is due; returns the level each reached. */
export async function escalateDue(db: Db, tenants: readonly string[], limit = 200): Promise<Array<{ tenantId: string; alertId: number; level: number }>> {
  if (tenants.length === 0) return [];
  const rows = await db<{ tenantId: string; alertId: string; level: number }[]>`
    with due as (
      select a.alert_id from alerts a
      where a.next_escalation_at <= now() and a.status = 'OPEN' and a.tenant_id = any(${tenants}::text[])
        and (a.silenced_until is null or a.silenced_until <= now())
      order by a.next_escalation_at limit ${limit} for update skip locked)
    update alerts a set escalation_level = a.escalation_level + 1,
      next_escalation_at = case when jsonb_array_length(p.levels) > a.escalation_level + 1
        then now() + make_interval(mins => (p.levels -> (a.escalation_level + 1) ->> 'delayMinutes')::int) end
    from due, escalation_policies p
    where a.alert_id = due.alert_id and p.policy_id = a.escalation_policy_id
    returning a.tenant_id, a.alert_id, a.escalation_level as level`;
  await db`
    update alerts set next_escalation_at = null
    where next_escalation_at <= now() and status = 'OPEN' and tenant_id = any(${tenants}::text[]) and escalation_policy_id is null`;
  return rows.map((r) => ({ tenantId: r.tenantId, alertId: Number(r.alertId), level: r.level }));
}
