/**
 * The identity a `serve` process uses: an OIDC issuer (Keycloak) when `--oidc-issuer` is set,
 * otherwise the built-in issuer. Either way requests are verified by the same verifier.
 */
import { asWorker, type Sql } from "../platform/db";
import { PulseError } from "../platform/errors";
import { createLocalUser, listUsers, resetPassword, revokeSessions, userForLogin, type UserRow } from "./users";
import type { Role } from "./schema";
import { BUILTIN_ISSUER, BuiltinIssuer } from "./builtin";
import { RemoteJwks } from "./jwks";
import { createVerifier, type Verify } from "./verifier";

export interface IdentitySettings {
  oidcIssuer: string;
  oidcAudience: string;
  /** The web console's OIDC client (default pulse-console). */
  oidcClientId?: string;
  oidcJwksUrl: string;
  accessTokenTtl: number;
  sessionTtl: number;
  /** Tests shorten the JWKS timings. */
  jwks?: { cooldownMs?: number; ttlMs?: number; maxStaleMs?: number };
}

export interface Identity {
  mode: "oidc" | "builtin";
  issuer: string;
  audience: string;
  /** The client id the web console uses at the OIDC issuer. */
  clientId: string;
  verify: Verify;
  /** Present in built-in mode: sign-in, refresh and sign-out. */
  builtin: BuiltinIssuer | null;
}

export async function openIdentity(sql: Sql, s: IdentitySettings): Promise<Identity> {
  if (s.oidcIssuer) {
    const jwks = new RemoteJwks({ ...s.jwks, issuer: s.oidcIssuer, jwksUrl: s.oidcJwksUrl });
    return { mode: "oidc", issuer: s.oidcIssuer, audience: s.oidcAudience, clientId: s.oidcClientId ?? "pulse-console", builtin: null, verify: createVerifier({ issuer: s.oidcIssuer, audience: s.oidcAudience, keys: jwks.getKey }) };
  }
  const builtin = await BuiltinIssuer.open(sql, { audience: s.oidcAudience, accessTtlSeconds: s.accessTokenTtl, sessionTtlSeconds: s.sessionTtl });
  return { mode: "builtin", issuer: BUILTIN_ISSUER, audience: s.oidcAudience, clientId: s.oidcClientId ?? "pulse-console", builtin, verify: createVerifier({ issuer: BUILTIN_ISSUER, audience: s.oidcAudience, keys: builtin.keys }) };
}

/** `pulse user create`: a local user of an existing tenant, or an operator. */
export async function createUserAccount(
  sql: Sql,
  u: { tenantId: string | null; email: string; displayName: string | null; roles: Role[]; password?: string },
): Promise<{ user: UserRow; generatedPassword?: string }> {
  return asWorker(sql, async (tx) => {
    if (u.tenantId) {
      const [t] = await tx<{ status: string }[]>`select status from tenants where tenant_id = ${u.tenantId}`;
      if (!t || t.status === "DELETED") throw new PulseError("NOT_FOUND", `no tenant "${u.tenantId}"`);
    }
    return createLocalUser(tx, u);
  }).catch((err: unknown) => {
    throw err instanceof PulseError && err.code === "CONFLICT" ? new PulseError("CONFLICT", `a user with email ${u.email} already exists`) : err;
  });
}

/** `pulse user reset-password`: a new password (generated unless given), and every session ended. */
export async function resetUserPassword(sql: Sql, email: string, password?: string): Promise<{ user: UserRow; generatedPassword?: string; sessions: number }> {
  return asWorker(sql, async (tx) => {
    const found = await userForLogin(tx, email);
    if (!found) throw new PulseError("NOT_FOUND", `no user with email ${email}`);
    const reset = (await resetPassword(tx, found.userId, password))!;
    return { ...reset, sessions: await revokeSessions(tx, found.userId) };
  });
}

/** `pulse user list`: every user, or one tenant's. */
export async function allUsers(sql: Sql, tenantId?: string): Promise<UserRow[]> {
  const rows: UserRow[] = [];
  for (let offset = 0; ; offset += 1000) {
    const { items } = await asWorker(sql, (tx) => listUsers(tx, { tenantId, limit: 1000, offset }));
    rows.push(...items);
    if (items.length < 1000) return rows;
  }
}
