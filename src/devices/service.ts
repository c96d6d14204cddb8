/**
 * Device lookups for the ingest path: registry status, site, credential digests, module
 * metric maps and known sensors, cached in memory with a TTL so a message costs no query.
 * Changes (a revoked token, a suspended device) take effect within the TTL.
 */
import { createHash } from "node:crypto";
import { asWorker, type Sql } from "../platform/db";
import { ingestDevices } from "./queries";

export { dynamicGroupMembers } from "./groups";

export interface IngestDevice {
  tenantActive: boolean;
  active: boolean;
  siteId: string | null;
  tokenHashes: ReadonlySet<string>;
  /** Raw metric key → semantic key, from the device's active modules. */
  keyMap: Readonly<Record<string, string>>;
  /** Metric keys that already have a sensor row. */
  sensorKeys: Set<string>;
  sensorLimit: number;
  locationAuto: boolean;
}

interface Entry {
  device: IngestDevice | null;
  expires: number;
}

export interface DirectoryOptions {
  ttlMs: number;
  /** Unknown devices are remembered for less time, so a newly registered one starts quickly. */
  missTtlMs: number;
  maxEntries: number;
  now?: () => number;
}

export const tokenDigest = (token: string) => createHash("sha256").update(token).digest("hex");

export type CredentialFailure = "TOKEN_NOT_SET_IN_REGISTRY" | "TOKEN_MISSING" | "TOKEN_INVALID";

export function checkToken(device: IngestDevice, token: string | null | undefined): CredentialFailure | null {
  if (device.tokenHashes.size === 0) return "TOKEN_NOT_SET_IN_REGISTRY";
  if (!token) return "TOKEN_MISSING";
  return device.tokenHashes.has(tokenDigest(token)) ? null : "TOKEN_INVALID";
}

export class DeviceDirectory {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  hits = 0;
  misses = 0;

  constructor(
    private readonly sql: Sql,
    private readonly o: DirectoryOptions,
  ) {
    this.now = o.now ?? Date.now;
  }

  /** Looks up many devices; one query for all cache misses. Unknown devices map to null. */
  async lookup(keys: ReadonlyArray<{ tenant: string; device: string }>): Promise<Map<string, IngestDevice | null>> {
    const now = this.now();
    const out = new Map<string, IngestDevice | null>();
    const missing = new Map<string, { tenant: string; device: string }>();
    for (const k of keys) {
      const key = `${k.tenant}/${k.device}`;
      if (out.has(key) || missing.has(key)) continue;
      const e = this.entries.get(key);
      if (e && e.expires > now) {
        out.set(key, e.device);
        this.hits++;
      } else missing.set(key, k);
    }
    if (missing.size === 0) return out;
    this.misses += missing.size;
    const rows = await asWorker(this.sql, (tx) => ingestDevices(tx, [...missing.values()]));
    for (const r of rows) {
      const device: IngestDevice = {
        tenantActive: r.tenantStatus === "ACTIVE",
        active: r.status === "ACTIVE",
        siteId: r.siteId,
        tokenHashes: new Set(r.tokenHashes),
        keyMap: r.keyMap,
        sensorKeys: new Set(r.sensorKeys),
        sensorLimit: r.sensorLimit,
        locationAuto: r.locationSource === "auto",
      };
      // Jittered, so a fleet looked up together does not expire (and reload) together.
      this.remember(`${r.tenantId}/${r.deviceId}`, device, now + this.o.ttlMs * (0.8 + Math.random() * 0.4));
      missing.delete(`${r.tenantId}/${r.deviceId}`);
      out.set(`${r.tenantId}/${r.deviceId}`, device);
    }
    for (const key of missing.keys()) {
      this.remember(key, null, now + this.o.missTtlMs);
      out.set(key, null);
    }
    return out;
  }

  /** Drops a device so its next message reads the registry again. */
  forget(tenant: string, device: string): void {
    this.entries.delete(`${tenant}/${device}`);
  }

  private remember(key: string, device: IngestDevice | null, expires: number) {
    this.entries.delete(key); // re-insert: Map order is oldest first, the eviction order
    this.entries.set(key, { device, expires });
    if (this.entries.size > this.o.maxEntries) {
      const drop = Math.ceil(this.o.maxEntries / 10);
      let n = 0;
      for (const k of this.entries.keys()) {
        if (n++ >= drop) break;
        this.entries.delete(k);
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
