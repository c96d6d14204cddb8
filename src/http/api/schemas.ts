/** Schemas shared by every route group: ids, pagination, timestamps, problems. */
import { z } from "zod";

export { DeviceId, SiteId, TenantId, Timestamp, Uuid } from "../../platform/ids";

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
