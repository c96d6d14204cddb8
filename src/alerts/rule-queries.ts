/**
 * SQL of alert rules as the API edits them. Tenant routes run these under row-level security;
 * the operator's cross-tenant list passes `tenantId` explicitly.
 */
import { paged, type Db } from "../platform/db";
import type { RuleScope, RuleType } from "./rules";

export interface RuleRow {
  ruleId: string;
  name: string;
  description: string | null;
  enabled: boolean;
  type: RuleType;
  severity: number;
  definition: Record<string, unknown>;
  scope: RuleScope;
  escalationPolicyId: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface RuleFields {
  name: string;
  description: string | null;
  enabled: boolean;
  type: RuleRow["type"];
  severity: number;
  definition: object;
  scope: RuleScope;
  escalationPolicyId: string | null;
}

export interface RuleFilter {
  tenantId?: string;
  enabled?: boolean;
  type?: RuleRow["type"];
  search?: string;
  limit: number;
  offset: number;
}

const COLUMNS = `r.rule_id, r.name, r.description, r.enabled, r.rule_type as type, r.severity, r.definition, r.scope,
  r.escalation_policy_id, r.created_by, r.created_at, r.updated_at`;

function filterSql(db: Db, f: RuleFilter) {
  const parts = [db`true`];
  if (f.tenantId) parts.push(db`r.tenant_id = ${f.tenantId}`);
  if (f.enabled !== undefined) parts.push(db`r.enabled = ${f.enabled}`);
  if (f.type) parts.push(db`r.rule_type = ${f.type}`);
  if (f.search) {
    const like = `%${f.search.replace(/[\\%_]/g, "\\$&")}%`;
    parts.push(db`(r.name ilike ${like} or r.description ilike ${like})`);
  }
  return parts.reduce((acc, p) => db`${acc} and ${p}`);
}

export async function listRules(db: Db, f: RuleFilter): Promise<{ items: RuleRow[]; total: number }> {
  const rows = await db<(RuleRow & { total: number })[]>`
    select ${db.unsafe(COLUMNS)}, count(*) over ()::int as total from alert_rules r
    where ${filterSql(db, f)} order by lower(r.name), r.rule_id limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

/** The operator's view: each rule with its tenant. */
export async function listRulesOfTenants(db: Db, f: RuleFilter): Promise<{ items: (RuleRow & { tenantId: string })[]; total: number }> {
  const rows = await db<(RuleRow & { tenantId: string; total: number })[]>`
    select r.tenant_id, ${db.unsafe(COLUMNS)}, count(*) over ()::int as total from alert_rules r
    where ${filterSql(db, f)} order by r.tenant_id, lower(r.name), r.rule_id limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

/** `lock` keeps a concurrent change from slipping between reading a rule and closing its alerts. */
export async function getRule(db: Db, ruleId: string, o: { lock?: boolean } = {}): Promise<RuleRow | undefined> {
  const [row] = await db<RuleRow[]>`select ${db.unsafe(COLUMNS)} from alert_rules r where r.rule_id = ${ruleId} ${o.lock ? db`for update` : db``}`;
  return row;
}

export async function ruleNameTaken(db: Db, name: string, exceptRuleId: string | null): Promise<boolean> {
  const [row] = await db`select 1 from alert_rules where name = ${name} and rule_id is distinct from ${exceptRuleId}::uuid`;
  return row !== undefined;
}

export async function escalationPolicyExists(db: Db, policyId: string): Promise<boolean> {
  const [row] = await db`select 1 from escalation_policies where policy_id = ${policyId}`;
  return row !== undefined;
}

export async function insertRule(db: Db, r: RuleFields, createdBy: string | null): Promise<RuleRow> {
  const [row] = await db<{ ruleId: string }[]>`
    insert into alert_rules (tenant_id, name, description, enabled, rule_type, severity, definition, scope, escalation_policy_id, created_by)
    values (pulse_tenant(), ${r.name}, ${r.description}, ${r.enabled}, ${r.type}, ${r.severity}, ${db.json(r.definition as never)},
            ${db.json(r.scope as never)}, ${r.escalationPolicyId}, ${createdBy})
    returning rule_id`;
  return (await getRule(db, row!.ruleId))!;
}

/** Writes every field (the caller merged the change into the current rule). */
export async function updateRule(db: Db, ruleId: string, r: RuleFields): Promise<RuleRow> {
  await db`
    update alert_rules set name = ${r.name}, description = ${r.description}, enabled = ${r.enabled}, rule_type = ${r.type},
      severity = ${r.severity}, definition = ${db.json(r.definition as never)}, scope = ${db.json(r.scope as never)},
      escalation_policy_id = ${r.escalationPolicyId}
    where rule_id = ${ruleId}`;
  return (await getRule(db, ruleId))!;
}

export async function deleteRule(db: Db, ruleId: string): Promise<boolean> {
  const rows = await db`delete from alert_rules where rule_id = ${ruleId} returning 1`;
  return rows.length > 0;
}
