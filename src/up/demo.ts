/**
 * `pulse up --demo`: a small, lively fleet in the `default` tenant — three sites and a dozen
 * devices of different kinds — and the simulator driving them, so the console has something
 * to show at once. Safe to repeat: the sites and devices are created once, and every start
 * gives the demo devices fresh tokens (the old ones are revoked; tokens are stored hashed).
 */
import { asWorker, withTenant, type Sql } from "../platform/db";
import type { Logger } from "../platform/log";
import { createDevices, type NewDevice } from "../devices/registry";
import { issueToken, revokeAllTokens } from "../devices/credentials";
import { getSite, insertSite } from "../sites/queries";
import { getTenant, insertTenant } from "../tenants/queries";
import type { SimulatedDevice } from "../simulate/service";
import { DEFAULT_TENANT } from "./accounts";

const SITES = [
  { siteId: "00000000-0000-4000-8000-00000000de01", name: "Berlin cold store", address: "Hafenstraße 1, Berlin", lat: 52.5163, lng: 13.3777, timezone: "Europe/Berlin" },
  { siteId: "00000000-0000-4000-8000-00000000de02", name: "Lyon plant", address: "Quai Rambaud 10, Lyon", lat: 45.7485, lng: 4.8467, timezone: "Europe/Paris" },
  { siteId: "00000000-0000-4000-8000-00000000de03", name: "Porto store", address: "Rua de Santa Catarina 100, Porto", lat: 41.1496, lng: -8.6063, timezone: "Europe/Lisbon" },
] as const;

/** Device id, profile and site index. */
const DEVICES: ReadonlyArray<readonly [string, string, number]> = [
  ["demo-freezer-01", "temperature", 0],
  ["demo-freezer-02", "temperature", 0],
  ["demo-dock-door-01", "door", 0],
  ["demo-meter-01", "energy", 0],
  ["demo-line-motor-01", "vibration", 1],
  ["demo-line-motor-02", "vibration", 1],
  ["demo-meter-02", "energy", 1],
  ["demo-ahu-01", "hvac", 1],
  ["demo-display-fridge-01", "temperature", 2],
  ["demo-entrance-door-01", "door", 2],
  ["demo-ahu-02", "hvac", 2],
  ["demo-van-01", "gps", 2],
];

/** Creates what is missing and returns every demo device with a fresh token. */
export async function seedDemo(sql: Sql): Promise<SimulatedDevice[]> {
  await asWorker(sql, async (tx) => {
    if (!(await getTenant(tx, DEFAULT_TENANT))) await insertTenant(tx, { tenantId: DEFAULT_TENANT, name: "Default" });
  });
  return withTenant(sql, DEFAULT_TENANT, async (tx) => {
    for (const site of SITES) if (!(await getSite(tx, site.siteId))) await insertSite(tx, { ...site, metadata: { demo: true } });
    const existing = new Set(
      (await tx<{ deviceId: string }[]>`select device_id from device_registry where device_id = any(${DEVICES.map((d) => d[0])}::text[])`).map((r) => r.deviceId),
    );
    const missing: NewDevice[] = DEVICES.filter(([id]) => !existing.has(id)).map(([deviceId, profile, site]) => ({
      deviceId,
      displayName: deviceId.replace(/^demo-/, "").replaceAll("-", " "),
      siteId: SITES[site]!.siteId,
      deviceType: profile,
      lat: SITES[site]!.lat + ((deviceId.length % 7) - 3) * 0.001,
      lng: SITES[site]!.lng + ((deviceId.length % 5) - 2) * 0.001,
      tags: ["demo", profile],
    }));
    const tokens = new Map<string, string>();
    if (missing.length > 0) for (const t of await createDevices(tx, DEFAULT_TENANT, missing, null)) tokens.set(t.deviceId, t.token);
    for (const id of existing) {
      await revokeAllTokens(tx, DEFAULT_TENANT, id);
      tokens.set(id, (await issueToken(tx, { tenantId: DEFAULT_TENANT, deviceId: id, label: "pulse up --demo", createdBy: null })).token);
    }
    // Every 10 s, faster than real devices, so charts fill while someone watches.
    return DEVICES.map(([device, profile, site]) => ({ tenant: DEFAULT_TENANT, device, token: tokens.get(device)!, profile, siteId: SITES[site]!.siteId, intervalMs: 10_000 }));
  });
}

/** Seeds the demo fleet and starts simulating it in the background until `signal` aborts. */
export async function startDemo(o: { sql: Sql; log: Logger; signal: AbortSignal; httpPort: number; mqttPort: number | null }): Promise<void> {
  const devices = await seedDemo(o.sql);
  const { runFleet } = await import("../simulate/service");
  // Devices use the embedded broker; with an external broker they post over HTTP (its users are its own).
  const transport = o.mqttPort !== null ? "mqtt" : "http";
  o.log.info("demo fleet started", { tenant: DEFAULT_TENANT, devices: devices.length, transport });
  void runFleet({
    devices,
    transport,
    mqttUrl: o.mqttPort !== null ? `mqtt://127.0.0.1:${o.mqttPort}` : undefined,
    httpUrl: `http://127.0.0.1:${o.httpPort}`,
    signal: o.signal,
    log: o.log,
  }).catch((err: unknown) => o.log.error("demo simulator stopped", { err }));
}
