/**
 * Token buckets per key (a device, a tenant): `rate` tokens a second up to `burst`, starting
 * full. Refilled lazily on use, so idle keys cost nothing until the sweep drops them.
 */
interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; false when the key is over its rate. A rate of 0 means unlimited. */
  take(key: string): boolean {
    if (this.rate <= 0) return true;
    const now = this.now();
    const b = this.buckets.get(key);
    if (!b) {
      this.buckets.set(key, { tokens: this.burst - 1, at: now });
      return true;
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Seconds until a token is available for `key` (for Retry-After). */
  retryAfter(key: string): number {
    const b = this.buckets.get(key);
    if (!b || this.rate <= 0) return 0;
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rate));
  }

  /** Forgets buckets that have been full (idle) for a while. */
  sweep(): number {
    const now = this.now();
    let dropped = 0;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.rate >= this.burst) {
        this.buckets.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  get size(): number {
    return this.buckets.size;
  }
}

export interface RateLimits {
  device: TokenBuckets;
  tenant: TokenBuckets;
}

export interface RateLimitSettings {
  deviceRate: number;
  deviceBurst: number;
  tenantRate: number;
  tenantBurst: number;
}

export const createRateLimits = (s: RateLimitSettings): RateLimits => ({
  device: new TokenBuckets(s.deviceRate, s.deviceBurst),
  tenant: new TokenBuckets(s.tenantRate, s.tenantBurst),
});

/** Charges both the device and its tenant; a refusal says which limit was hit. */
export function admit(limits: RateLimits, tenant: string, device: string): "ok" | "device" | "tenant" {
  if (!limits.device.take(`${tenant}/${device}`)) return "device";
  if (!limits.tenant.take(tenant)) return "tenant";
  return "ok";
}
