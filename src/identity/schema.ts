/** What the identity domain shares with the CLI and the API: roles, and which users may hold which. */
export const ROLES = ["customer", "tenant-admin", "operator", "operator-admin"] as const;
export type Role = (typeof ROLES)[number];

export const TENANT_ROLES = ["customer", "tenant-admin"] as const satisfies readonly Role[];
export const OPERATOR_ROLES = ["operator", "operator-admin"] as const satisfies readonly Role[];

export const MIN_PASSWORD_LENGTH = 10;

/** Tenant users hold only tenant roles, operators (no tenant) only operator roles; null when the roles fit. */
export function rolesMismatch(roles: readonly Role[], tenantId: string | null): string | null {
  const allowed: readonly Role[] = tenantId ? TENANT_ROLES : OPERATOR_ROLES;
  const wrong = roles.filter((r) => !allowed.includes(r));
  if (wrong.length === 0) return null;
  return tenantId
    ? `a tenant user may hold only ${TENANT_ROLES.join(" or ")}, not ${wrong.join(", ")}`
    : `a user without a tenant is an operator and may hold only ${OPERATOR_ROLES.join(" or ")}, not ${wrong.join(", ")}`;
}
