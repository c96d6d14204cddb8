/** Builds what the API routes need from configuration: identity, rate limits, secrets. */
import type { Lifecycle } from "../../platform/lifecycle";
import type { Logger } from "../../platform/log";
import type { Sql, TenantReads } from "../../platform/db";
import { openIdentity, type IdentitySettings } from "../../identity/service";
import { TokenBuckets } from "../../telemetry/rate-limit";
import type { ApiDeps } from "./route";
import { egressPolicy } from "../../notify/egress";
import { LiveHub } from "../../live/hub";
import { fleetCounts } from "../../fleet/queries";

export interface ApiSettings extends IdentitySettings {
  apiRate: number;
  apiBurst: number;
  mqttHookSecret: string;
  deviceCacheTtl: number;
  egressAllow: readonly string[];
}

/** Unauthenticated endpoints (sign-in, activation): per client address. */
const PUBLIC_RATE = 5;
const PUBLIC_BURST = 20;

export async function createApiDeps(sql: Sql, reads: TenantReads, s: ApiSettings, log: Logger, lifecycle?: Lifecycle): Promise<ApiDeps> {
  const limits = new TokenBuckets(s.apiRate, s.apiBurst);
  const publicLimits = new TokenBuckets(PUBLIC_RATE, PUBLIC_BURST);
  const live = new LiveHub(sql, { log, fleetCounts });
  if (lifecycle) {
    const sweep = setInterval(() => (limits.sweep(), publicLimits.sweep()), 60_000);
    sweep.unref();
    lifecycle.defer(() => clearInterval(sweep));
    // On the first signal, not at disposal: server.stop() waits for open streams, and runs before it.
    lifecycle.signal.addEventListener("abort", () => void live.close(), { once: true });
    lifecycle.defer(() => live.close());
  }
  const identity = await openIdentity(sql, s);
  log.info("identity ready", { mode: identity.mode, issuer: identity.issuer, audience: identity.audience });
  return { sql, reads, identity, log, limits, publicLimits, mqttHookSecret: s.mqttHookSecret, credentialTtlSeconds: s.deviceCacheTtl, egress: egressPolicy(s.egressAllow), live };
}
