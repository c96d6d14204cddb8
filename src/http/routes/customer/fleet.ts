/** The fleet at a glance: device counts and every device's live state. */
import { z } from "zod";
import { CONNECTIVITY, DEVICE_STATUSES, DeviceFilter } from "../../../devices/schema";
import * as q from "../../../fleet/queries";
import { route } from "../../api/route";
import { DeviceId, page, PageQuery, Timestamp } from "../../api/schemas";

const counts = <T extends readonly [string, ...string[]]>(keys: T) => z.object(Object.fromEntries(keys.map((k) => [k, z.number().int()])) as Record<T[number], z.ZodNumber>);
/** Every key of `keys`, zero where nothing was counted. */
const complete = <K extends string>(keys: readonly K[], n: Record<string, number>) => Object.fromEntries(keys.map((k) => [k, n[k] ?? 0])) as Record<K, number>;

const DeviceState = z.object({
  deviceId: DeviceId,
  displayName: z.string().nullable(),
  siteId: z.string().nullable(),
  connectivity: z.enum(CONNECTIVITY),
  lastSeenAt: Timestamp.nullable(),
  lastTelemetryAt: Timestamp.nullable(),
  lastHeartbeatAt: Timestamp.nullable(),
  latestMetrics: z.record(z.string(), z.object({ value: z.union([z.number(), z.boolean(), z.string()]), time: Timestamp.nullable() })),
});

export const fleetRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/fleet/summary",
    summary: "Device counts by status and by connectivity (decommissioned devices left out of connectivity), sites, last telemetry",
    tag: "fleet",
    access: "tenant-read",
    response: z.object({
      devices: z.object({ total: z.number().int(), byStatus: counts(DEVICE_STATUSES), byConnectivity: counts(CONNECTIVITY) }),
      sites: z.number().int(),
      lastTelemetryAt: Timestamp.nullable(),
    }),
    handler: async ({ tenant }) => {
      const c = await tenant((tx) => q.fleetCounts(tx));
      return {
        devices: { total: c.total, byStatus: complete(DEVICE_STATUSES, c.byStatus), byConnectivity: complete(CONNECTIVITY, c.byConnectivity) },
        sites: c.sites,
        lastTelemetryAt: c.lastTelemetryAt,
      };
    },
  }),
  route({
    method: "get",
    path: "/api/v1/customer/fleet/state",
    summary: "Each device's connectivity, last-seen times and latest metric values (same filters as the device list)",
    tag: "fleet",
    access: "tenant-read",
    query: PageQuery.extend(DeviceFilter.shape).extend({
      order: z.enum(["deviceId", "staleFirst"]).default("deviceId").describe("staleFirst: STALE, then OFFLINE, then ONLINE devices, the longest silent first"),
    }),
    response: page(DeviceState),
    handler: async ({ tenant, query }) => ({ ...(await tenant((tx) => q.listDeviceState(tx, query, query))), limit: query.limit, offset: query.offset }),
  }),
];
