/** Schemas shared by every route group: ids, pagination, timestamps, problems. */
import { z } from "zod";
import { DEVICE_ID, SITE_ID, TENANT_ID } from "../../platform/ids";

export const TenantId = z.string().regex(TENANT_ID, { error: "expected a tenant id: lowercase letters, digits, '_' or '-', up to 63" });
export const DeviceId = z.string().regex(DEVICE_ID, { error: "expected a device id: letters, digits, '_', ':' or '-', up to 128" });
export const SiteId = z.string().regex(SITE_ID, { error: "expected a site id: letters, digits, '_', ':' or '-', up to 64" });
export const Uuid = z.uuid({ error: "expected a UUID" });
/** A timestamp: Date objects from the database, ISO 8601 strings on the wire. */
export const Timestamp = z.date();

/** `?limit=&offset=` on every list. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** A page of a list: the items, how many match in all, and where this page starts. */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });

/** A repeated query parameter (`?tag=a&tag=b`) or a comma-separated one (`?tag=a,b`). */
export const listParam = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(",")).filter(Boolean)), z.array(item).max(100)).optional();

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  requestId: z.string().nullable(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const Deleted = z.object({ deleted: z.literal(true) });
