/**
 * The accounts `pulse up` creates on its first start, so a new install can be used at once: a
 * tenant `default` with its admin, and a platform operator. Both get the same password, from
 * --admin-password / PULSE_ADMIN_PASSWORD or generated and shown once. Nothing is created once
 * any user exists, and nothing at all with an external OIDC issuer (its users live there).
 */
import { asWorker, type Sql } from "../platform/db";
import { createUserAccount } from "../identity/service";
import { getTenant, insertTenant } from "../tenants/queries";

export const DEFAULT_TENANT = "default";
export const ADMIN_EMAIL = "admin@pulse.local";
export const OPERATOR_EMAIL = "operator@pulse.local";

export interface FirstAccounts {
  tenantId: string;
  admin: string;
  operator: string;
  /** Present when it was generated: show it once. */
  generatedPassword?: string;
}

export async function ensureFirstAccounts(sql: Sql, adminPassword: string): Promise<FirstAccounts | null> {
  const [row] = await asWorker(sql, (tx) => tx<{ users: number }[]>`select count(*)::int as users from users`);
  if (row!.users > 0) return null;
  await asWorker(sql, async (tx) => {
    if (!(await getTenant(tx, DEFAULT_TENANT))) await insertTenant(tx, { tenantId: DEFAULT_TENANT, name: "Default" });
  });
  const admin = await createUserAccount(sql, {
    tenantId: DEFAULT_TENANT,
    email: ADMIN_EMAIL,
    displayName: "Admin",
    roles: ["tenant-admin"],
    password: adminPassword || undefined,
  });
  const password = adminPassword || admin.generatedPassword!;
  await createUserAccount(sql, { tenantId: null, email: OPERATOR_EMAIL, displayName: "Operator", roles: ["operator-admin"], password });
  return { tenantId: DEFAULT_TENANT, admin: ADMIN_EMAIL, operator: OPERATOR_EMAIL, ...(adminPassword ? {} : { generatedPassword: password }) };
}
