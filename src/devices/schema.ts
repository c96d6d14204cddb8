/**
 * The device filter, the devices domain's shared schema: what the device list accepts as
 * query parameters and what a dynamic group stores. `filterSql` turns it into a WHERE fragment over `device_registry d` (with
 * `device_state s` left-joined), so both run exactly the same query.
 */
import { z } from "zod";
import type { Db } from "../platform/db";
import { DEVICE_ID, SITE_ID } from "../platform/ids";

const many = <T extends z.ZodType>(item: T) =>
  z
    .preprocess((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => (typeof s === "string" ? s.split(",") : [s])).filter((s) => s !== "")), z.array(item).min(1).max(100))
    .optional();

export const DEVICE_STATUSES = ["ACTIVE", "INACTIVE", "SUSPENDED", "DECOMMISSIONED"] as const;
export const CONNECTIVITY = ["ONLINE", "STALE", "OFFLINE"] as const;

export const DeviceFilter = z.object({
  /** Registry status (any of). */
  status: many(z.enum(DEVICE_STATUSES)),
  /** Live connectivity from device_state (any of); a device never seen counts as OFFLINE. */
  connectivity: many(z.enum(CONNECTIVITY)),
  siteId: many(z.string().regex(SITE_ID)),
  templateId: many(z.uuid()),
  /** Devices carrying all of these tags. */
  tag: many(z.string().min(1).max(64)),
  parentDeviceId: z.string().regex(DEVICE_ID).optional(),
  /** Words matched against id, name, serial, model, MAC and IMEI (prefixes count). */
  search: z.string().trim().min(1).max(200).optional(),
  includeDecommissioned: z.preprocess((v) => (v === "true" || v === "1" ? true : v === "false" || v === "0" ? false : v), z.boolean()).optional(),
});
export type DeviceFilter = z.infer<typeof DeviceFilter>;

/** Full-text prefix query: each word must match the start of some indexed word. */
const tsQuery = (search: string) =>
  search
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}_:.-]/gu, ""))
    .filter(Boolean)
    .map((w) => `'${w}':*`)
    .join(" & ");

export function filterSql(db: Db, f: DeviceFilter) {
  const parts = [db`true`];
  if (f.status) parts.push(db`d.status = any(${f.status})`);
  else if (!f.includeDecommissioned) parts.push(db`d.status <> 'DECOMMISSIONED'`);
  if (f.connectivity) parts.push(db`coalesce(s.status, 'OFFLINE') = any(${f.connectivity})`);
  if (f.siteId) parts.push(db`d.site_id = any(${f.siteId})`);
  if (f.templateId) parts.push(db`d.template_id = any(${f.templateId}::uuid[])`);
  // One probe of the primary key per tag, instead of counting each device's tags.
  for (const tag of new Set(f.tag)) parts.push(db`exists (select from device_tags t where t.tenant_id = d.tenant_id and t.device_id = d.device_id and t.tag = ${tag})`);
  if (f.parentDeviceId) parts.push(db`d.parent_device_id = ${f.parentDeviceId}`);
  if (f.search) {
    const q = tsQuery(f.search);
    parts.push(q ? db`(d.search_vector @@ to_tsquery('simple', ${q}) or d.device_id ilike ${`%${f.search}%`})` : db`d.device_id ilike ${`%${f.search}%`}`);
  }
  return parts.reduce((acc, p) => db`${acc} and ${p}`);
}
