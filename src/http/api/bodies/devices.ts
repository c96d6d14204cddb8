/**
 * Request bodies of the device registry routes (devices, tags, CSV import, sites, groups).
 * Pure zod, so the console validates its forms with the very schemas the API applies; the
 * route files import them from here. Nothing here may import server code at run time.
 */
import { z } from "zod";
// Runtime imports of devices/schema are zod and platform/ids only (its Db import is type-only).
import { DeviceFilter } from "../../../devices/schema";
import { DeviceId, SiteId, Uuid } from "../../../platform/ids";

export { CONNECTIVITY, DEVICE_STATUSES, DeviceFilter } from "../../../devices/schema";

/** Same rule as device_tags.tag: 1-64 characters, no control characters (PostgreSQL counts line separators among them), no comma. */
export const Tag = z.string().trim().regex(/^[^\p{Cc}\p{Zl}\p{Zp},]{1,64}$/u, { error: "expected a tag: 1-64 characters, no comma or control characters" });

const text = (max = 200) => z.string().trim().max(max).nullable().optional();

/** Every registry field a person may set; a PATCH body as it stands. */
export const DeviceFields = z.object({
  displayName: text(),
  siteId: SiteId.nullable().optional(),
  templateId: Uuid.nullable().optional().describe("A system template or one of the tenant's own"),
  parentDeviceId: DeviceId.nullable().optional().describe("The gateway this device reports through"),
  status: z.enum(["ACTIVE", "INACTIVE", "SUSPENDED"]).optional().describe("Decommissioning has its own route; a status here lifts it"),
  deviceType: text(100),
  serialNumber: text(),
  macAddress: z.string().trim().regex(/^[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5,7}$/, { error: "expected a MAC address such as 00:1A:2B:3C:4D:5E" }).nullable().optional(),
  imei: z.string().regex(/^[0-9]{14,16}$/, { error: "expected 14-16 digits" }).nullable().optional(),
  iccid: z.string().regex(/^[0-9]{18,22}F?$/, { error: "expected 18-22 digits" }).nullable().optional(),
  meid: text(32),
  manufacturer: text(),
  model: text(),
  hwRevision: text(100),
  boardRevision: text(100),
  fwVersion: text(100),
  bootloaderVersion: text(100),
  modemModel: text(),
  modemFwVersion: text(100),
  chipset: text(),
  batchId: text(),
  deploymentDate: z.iso.date({ error: "expected a date: YYYY-MM-DD" }).nullable().optional(),
  lat: z.number().min(-90).max(90).nullable().optional(),
  lng: z.number().min(-180).max(180).nullable().optional(),
  address: text(500),
  locationSource: z.enum(["auto", "manual"]).optional().describe("'auto' lets telemetry move the device; setting lat/lng pins it ('manual')"),
  sensorLimit: z.number().int().min(0).max(1000).optional(),
  notes: text(10_000),
  attributes: z.record(z.string(), z.unknown()).optional(),
}).strict(); // an unknown field (deviceId or tags in a PATCH, a misspelt name) is an error, not silently dropped

const locationPair = (b: { lat?: number | null; lng?: number | null }) => (b.lat === undefined && b.lng === undefined) || (b.lat == null) === (b.lng == null);
const pairError = { error: "lat and lng go together", path: ["lat"] };

export const NewDevice = DeviceFields.extend({ deviceId: DeviceId, tags: z.array(Tag).max(50).optional() })
  .refine(locationPair, pairError)
  .refine((b) => b.parentDeviceId !== b.deviceId, { error: "a device cannot be its own parent", path: ["parentDeviceId"] });
export type NewDevice = z.output<typeof NewDevice>;

export const DevicePatch = DeviceFields.refine(locationPair, pairError);

export const DeviceTags = z.object({ tags: z.array(Tag).max(50) });

/** CSV import: the body is the file's text (header: deviceId, displayName, siteId, templateId, tags, serialNumber, model). */
export const IMPORT_MAX_ROWS = 500;
export const DeviceCsv = z.string();

const SiteFields = z.object({
  name: z.string().trim().min(1).max(200),
  address: z.string().max(500).nullable().optional(),
  lat: z.number().min(-90).max(90).nullable().optional(),
  lng: z.number().min(-180).max(180).nullable().optional(),
  timezone: z.string().refine((tz) => Intl.supportedValuesOf("timeZone").includes(tz) || tz === "UTC", { error: "expected an IANA time zone such as Europe/Amsterdam" }).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
const sitePair = (s: { lat?: number | null; lng?: number | null }) => (s.lat == null) === (s.lng == null);

export const NewSite = SiteFields.extend({ siteId: SiteId }).refine(sitePair, pairError);
export const SitePatch = SiteFields.partial().refine((b) => (b.lat === undefined && b.lng === undefined ? true : sitePair(b)), pairError);

export const GroupName = z.string().trim().min(1).max(200);
const GroupDescription = z.string().max(2000).nullable().optional();

export const NewGroup = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("static"), name: GroupName, description: GroupDescription, deviceIds: z.array(DeviceId).max(1000).optional() }),
  z.object({ kind: z.literal("dynamic"), name: GroupName, description: GroupDescription, filter: DeviceFilter }),
]);
export const GroupPatch = z.object({ name: GroupName.optional(), description: GroupDescription, filter: DeviceFilter.optional() });
export const GroupMembers = z.object({ deviceIds: z.array(DeviceId).min(1).max(1000) });
