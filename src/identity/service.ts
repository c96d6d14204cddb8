/**
 * The identity a `serve` process uses: an OIDC issuer (Keycloak) when `--oidc-issuer` is set,
 * otherwise the built-in issuer. Either way requests are verified by the same verifier.
 */
import type { Sql } from "../platform/db";
import { BUILTIN_ISSUER, BuiltinIssuer } from "./builtin";
import { RemoteJwks } from "./jwks";
import { createVerifier, type Verify } from "./verifier";

export interface IdentitySettings {
  oidcIssuer: string;
  oidcAudience: string;
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
  verify: Verify;
  /** Present in built-in mode: sign-in, refresh and sign-out. */
  builtin: BuiltinIssuer | null;
}

export async function openIdentity(sql: Sql, s: IdentitySettings): Promise<Identity> {
  if (s.oidcIssuer) {
    const jwks = new RemoteJwks({ ...s.jwks, issuer: s.oidcIssuer, jwksUrl: s.oidcJwksUrl });
    return { mode: "oidc", issuer: s.oidcIssuer, audience: s.oidcAudience, builtin: null, verify: createVerifier({ issuer: s.oidcIssuer, audience: s.oidcAudience, keys: jwks.getKey }) };
  }
  const builtin = await BuiltinIssuer.open(sql, { audience: s.oidcAudience, accessTtlSeconds: s.accessTokenTtl, sessionTtlSeconds: s.sessionTtl });
  return { mode: "builtin", issuer: BUILTIN_ISSUER, audience: s.oidcAudience, builtin, verify: createVerifier({ issuer: BUILTIN_ISSUER, audience: s.oidcAudience, keys: builtin.keys }) };
}
