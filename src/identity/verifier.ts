/**
 * Bearer token verification, one path for every issuer: signature by a key from the issuer's
 * key set, an asymmetric algorithm from the allow-list (never `none`, never HMAC, so a public
 * key can't be used as a shared secret), issuer, audience, expiry and not-before with a
 * small clock skew. Each failure has a stable reason for metrics and the 401 body.
 */
import { errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { PulseError } from "../platform/errors";
import { principalFromClaims, type Principal } from "./principal";

export const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];

export interface VerifierOptions {
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
  clockSkewSeconds?: number;
}

export type VerifyFailure = "expired" | "not_yet_valid" | "bad_signature" | "bad_claims" | "unknown_key" | "bad_algorithm" | "malformed";

export type Verify = (token: string) => Promise<Principal>;

/** Verified tokens are remembered this long at most (a key the issuer revokes stops working within it). */
const CACHE_MS = 60_000;
const CACHE_ENTRIES = 10_000;

export function createVerifier(o: VerifierOptions): Verify {
  // A signature check costs ~130 µs of CPU; a console or script sends the same token many
  // times a minute. Only successes are remembered, never past the token's expiry.
  const cache = new Map<string, { principal: Principal; until: number }>();
  const verify: Verify = async (token) => {
    try {
      const { payload } = await jwtVerify(token, o.keys, {
        issuer: o.issuer,
        audience: o.audience,
        algorithms: ALGORITHMS,
        clockTolerance: o.clockSkewSeconds ?? 30,
        requiredClaims: ["exp", "sub"],
      });
      const principal = principalFromClaims(payload as Record<string, unknown>);
      if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(token, { principal, until: Math.min(Date.now() + CACHE_MS, payload.exp! * 1000) });
      return principal;
    } catch (err) {
      if (err instanceof PulseError) throw err;
      const reason = failureOf(err);
      throw new PulseError("UNAUTHORIZED", `invalid bearer token (${reason.replaceAll("_", " ")})`, { reason }, { cause: err });
    }
  };
  return async (token) => {
    const hit = cache.get(token);
    if (hit && hit.until > Date.now()) return hit.principal;
    if (hit) cache.delete(token);
    return verify(token);
  };
}

function failureOf(err: unknown): VerifyFailure {
  if (err instanceof errors.JWTExpired) return "expired";
  if (err instanceof errors.JWTClaimValidationFailed) return (err as errors.JWTClaimValidationFailed).claim === "nbf" ? "not_yet_valid" : "bad_claims";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "bad_signature";
  if (err instanceof errors.JWKSNoMatchingKey) return "unknown_key";
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return "bad_algorithm";
  return "malformed";
}
