/**
 * What both edges of ingest check a device message against (HTTP in `pulse serve`, the bus in
 * `pulse ingest`): the registry cache, the rate limits and the envelope limits, built from the
 * same settings.
 */
import type { Sql } from "../platform/db";
import type { Lifecycle } from "../platform/lifecycle";
import { DeviceDirectory } from "../devices/service";
import { DEFAULT_LIMITS, type EnvelopeLimits } from "./envelope";
import { createRateLimits, type RateLimits } from "./rate-limit";

export interface GuardSettings {
  maxPayloadBytes: number;
  deviceRate: number;
  deviceBurst: number;
  tenantRate: number;
  tenantBurst: number;
  deviceCacheTtl: number;
  maxClockSkew: number;
}

export interface Guards {
  directory: DeviceDirectory;
  limits: RateLimits;
  envelope: EnvelopeLimits;
}

const SWEEP_MS = 300_000;

export function createGuards(sql: Sql, s: GuardSettings, lifecycle: Lifecycle): Guards {
  const limits = createRateLimits(s);
  const sweep = setInterval(() => {
    limits.device.sweep();
    limits.tenant.sweep();
  }, SWEEP_MS);
  lifecycle.defer(() => clearInterval(sweep));
  return {
    directory: new DeviceDirectory(sql, { ttlMs: s.deviceCacheTtl * 1000, missTtlMs: 10_000, maxEntries: 100_000 }),
    limits,
    envelope: { ...DEFAULT_LIMITS, maxBytes: s.maxPayloadBytes, maxFutureMs: s.maxClockSkew * 1000 },
  };
}
