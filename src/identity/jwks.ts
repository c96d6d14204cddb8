/**
 * The OIDC issuer's signing keys: fetched from its JWKS, refreshed in the background every
 * `ttlMs`, fetched again at once (at most every `cooldownMs`) when a token names an unknown
 * `kid`, and served stale for at most `maxStaleMs` while the issuer is unreachable. After
 * that, verification fails as UNAVAILABLE rather than trusting keys that may be revoked.
 */
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { PulseError } from "../platform/errors";

export interface JwksOptions {
  issuer: string;
  /** Empty: read `jwks_uri` from the issuer's discovery document. */
  jwksUrl?: string;
  ttlMs?: number;
  cooldownMs?: number;
  maxStaleMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

export class RemoteJwks {
  private keys: JWTVerifyGetKey | null = null;
  private fetchedAt = 0;
  private attemptedAt = 0;
  private inflight: Promise<void> | null = null;
  private jwksUrl: string | null;
  private readonly now: () => number;

  constructor(private readonly o: JwksOptions) {
    this.jwksUrl = o.jwksUrl || null;
    this.now = o.now ?? Date.now;
  }

  /** For jose's jwtVerify: resolves the key for a token header. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const age = this.now() - this.fetchedAt;
    if (!this.keys || age > (this.o.maxStaleMs ?? 3_600_000)) await this.refresh(true);
    else if (age > (this.o.ttlMs ?? 300_000)) void this.refresh(false); // in the background: requests keep the cached keys meanwhile
    try {
      return await this.keys!(header, token);
    } catch (err) {
      if ((err as { code?: string }).code !== "ERR_JWKS_NO_MATCHING_KEY") throw err;
      await this.refresh(false); // a rotated key: look once more (at most once per cooldown)
      return this.keys!(header, token);
    }
  };

  /** `required`: no usable keys without this fetch, so its failure fails the request. */
  private async refresh(required: boolean): Promise<void> {
    if (!required && this.now() - this.attemptedAt < (this.o.cooldownMs ?? 10_000)) return;
    this.inflight ??= this.fetchKeys().finally(() => (this.inflight = null));
    try {
      await this.inflight;
    } catch (err) {
      if (required || !this.keys) {
        throw new PulseError("UNAVAILABLE", `cannot fetch the signing keys of ${this.o.issuer}`, undefined, { cause: err });
      }
    }
  }

  private async fetchKeys(): Promise<void> {
    this.attemptedAt = this.now();
    this.jwksUrl ??= String((await this.getJson(`${this.o.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`)).jwks_uri);
    const set = (await this.getJson(this.jwksUrl)) as unknown as JSONWebKeySet;
    this.keys = createLocalJWKSet(set);
    this.fetchedAt = this.now();
  }

  private async getJson(url: string): Promise<Record<string, unknown>> {
    const res = await fetch(url, { signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000), redirect: "error" });
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  }
}
