/**
 * Who is calling: built from a verified token's claims, the same way for Keycloak and for the
 * built-in issuer. The tenant comes only from here, never from a URL or a body.
 */
import { TENANT_ID } from "../platform/ids";
import { ROLES, type Role } from "./schema";


export interface Principal {
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  /** Null for operators, who belong to no tenant. */
  tenantId: string | null;
  roles: ReadonlySet<Role>;
}

const isRole = (r: unknown): r is Role => typeof r === "string" && (ROLES as readonly string[]).includes(r);

/**
 * Keycloak's organization claim comes as `{"acme": {...}}` or `["acme"]` (depending on the
 * mapper); older realms carry a plain `tenant_id` attribute instead.
 */
export function tenantFromClaims(claims: Record<string, unknown>): string | null {
  const org = claims.organization;
  let candidate: unknown;
  if (Array.isArray(org)) candidate = org[0];
  else if (org && typeof org === "object") candidate = Object.keys(org)[0];
  else if (typeof org === "string") candidate = org;
  candidate ??= claims.tenant_id;
  return typeof candidate === "string" && TENANT_ID.test(candidate) ? candidate : null;
}

export function principalFromClaims(claims: Record<string, unknown>): Principal {
  const realm = claims.realm_access as { roles?: unknown } | undefined;
  const roles = new Set(Array.isArray(realm?.roles) ? realm.roles.filter(isRole) : []);
  const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : null);
  return {
    issuer: String(claims.iss),
    subject: String(claims.sub),
    email: str(claims.email),
    name: str(claims.name) ?? str(claims.preferred_username),
    tenantId: tenantFromClaims(claims),
    roles,
  };
}

export const isOperator = (p: Principal) => p.roles.has("operator") || p.roles.has("operator-admin");
