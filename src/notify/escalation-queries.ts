/**
 * SQL of escalation policies. Runs inside a tenant transaction. A tenant has at most one
 * default policy (a partial unique index), so making one the default clears the others first.
 */
import { paged, type Db } from "../platform/db";
import { updateSet } from "./channel-queries";

export interface EscalationLevel {
  delayMinutes: number;
  channelIds: string[];
  scheduleId?: string;
}

export interface EscalationPolicyRow {
  policyId: string;
  name: string;
  description: string | null;
  isDefault: boolean;
  levels: EscalationLevel[];
  createdAt: Date;
  updatedAt: Date;
}

type PolicyFields = { name: string; description: string | null; isDefault: boolean; levels: EscalationLevel[] };
const POLICY = "policy_id, name, description, is_default, levels, created_at, updated_at";

export async function listPolicies(db: Db, f: { limit: number; offset: number }): Promise<{ items: EscalationPolicyRow[]; total: number }> {
  const rows = await db<(EscalationPolicyRow & { total: number })[]>`
    select ${db.unsafe(POLICY)}, count(*) over ()::int as total from escalation_policies
    order by is_default desc, lower(name) limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export async function getPolicy(db: Db, policyId: string): Promise<EscalationPolicyRow | undefined> {
  const [row] = await db<EscalationPolicyRow[]>`select ${db.unsafe(POLICY)} from escalation_policies where policy_id = ${policyId}`;
  return row;
}

async function clearDefault(db: Db, except: string | null): Promise<void> {
  await db`update escalation_policies set is_default = false where is_default and policy_id is distinct from ${except}::uuid`;
}

export async function insertPolicy(db: Db, p: PolicyFields): Promise<EscalationPolicyRow> {
  if (p.isDefault) await clearDefault(db, null);
  const [row] = await db<EscalationPolicyRow[]>`
    insert into escalation_policies (tenant_id, name, description, is_default, levels)
    values (pulse_tenant(), ${p.name}, ${p.description}, ${p.isDefault}, ${db.json(p.levels as never)})
    returning ${db.unsafe(POLICY)}`;
  return row!;
}

export async function updatePolicy(db: Db, policyId: string, p: Partial<PolicyFields>): Promise<EscalationPolicyRow | undefined> {
  const set = updateSet(db, p, ["levels"]);
  if (Object.keys(set).length === 0) return getPolicy(db, policyId);
  if (p.isDefault && (await getPolicy(db, policyId))) await clearDefault(db, policyId);
  const [row] = await db<EscalationPolicyRow[]>`update escalation_policies set ${db(set)} where policy_id = ${policyId} returning ${db.unsafe(POLICY)}`;
  return row;
}

/**
 * Deletes a policy. Open alerts it was escalating move to the tenant's default policy at the
 * level they reached (or stop escalating when there is no other default).
 */
export async function deletePolicy(db: Db, policyId: string): Promise<boolean> {
  await db`
    update alerts a set escalation_policy_id = d.policy_id
    from escalation_policies d
    where a.escalation_policy_id = ${policyId} and a.status in ('OPEN', 'ACKNOWLEDGED')
      and d.tenant_id = a.tenant_id and d.is_default and d.policy_id <> ${policyId}`;
  const rows = await db`delete from escalation_policies where policy_id = ${policyId} returning 1`;
  return rows.length > 0;
}

/** Names of the policies whose levels name this channel or on-call schedule. */
export async function policiesUsing(db: Db, ref: { channelId: string } | { scheduleId: string }): Promise<string[]> {
  const match = "channelId" in ref ? db`l->'channelIds' ? ${ref.channelId}` : db`l->>'scheduleId' = ${ref.scheduleId}`;
  const rows = await db<{ name: string }[]>`
    select name from escalation_policies p
    where exists (select from jsonb_array_elements(p.levels) l where ${match})
    order by lower(name)`;
  return rows.map((r) => r.name);
}
