/** The tenant's audit log: who changed what. Tenant admins only (it names people and addresses). */
import { z } from "zod";
import * as q from "../../../audit/queries";
import { route } from "../../api/route";
import { listParam, page, PageQuery, Timestamp } from "../../api/schemas";

const IsoTime = z.iso.datetime({ offset: true, error: "expected an ISO 8601 timestamp with a zone, e.g. 2026-11-27T12:00:00Z" }).transform((s) => new Date(s));
const Text = z.string().min(1).max(200);

const AuditEntry = z.object({
  auditId: z.number().int(),
  time: Timestamp,
  category: z.string(),
  action: z.string(),
  severity: z.enum(["info", "warning", "critical"]),
  entityType: z.string().nullable(),
  entityId: z.string().nullable(),
  entityName: z.string().nullable(),
  message: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  actorType: z.enum(["user", "device", "system", "operator"]),
  actorId: z.string().nullable(),
  actorName: z.string().nullable(),
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
});

export const auditRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/audit-log",
    summary: "The tenant's audit log, newest first (tenant-admin only)",
    tag: "audit",
    access: "tenant-write",
    query: PageQuery.extend({
      from: IsoTime.optional(),
      to: IsoTime.optional(),
      category: listParam(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, { error: "expected a category such as device or site" })),
      action: listParam(z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/, { error: "expected an action such as device.created" })),
      entityType: Text.optional(),
      entityId: Text.optional(),
      actorId: Text.optional(),
    }).refine((f) => !f.from || !f.to || f.from < f.to, { error: "from must be before to", path: ["from"] }),
    response: page(AuditEntry),
    handler: async ({ tenant, query }) => ({ ...(await tenant((tx) => q.listAudit(tx, query))), limit: query.limit, offset: query.offset }),
  }),
];
