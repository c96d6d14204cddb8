/**
 * Operators manage the system templates every tenant reads, through the same routes as the
 * tenants' own (customer/templates.ts), in an operator transaction: every access, read or
 * write, leaves an operator_audit_log row.
 */
import { z } from "zod";
import { asWorker, type Sql } from "../../../platform/db";
import { route } from "../../api/route";
import { page, PageQuery, TenantId } from "../../api/schemas";
import * as q from "../../../templates/queries";
import { CATEGORIES, Template } from "../../../templates/schemas";
import { templateRoutes, type TemplateFamily } from "../customer/templates";

/** Whose template an operator touches, for the audit row written before the work. */
const ownerOf = async (sql: Sql, templateId: string) => (await asWorker(sql, (tx) => q.templateOwner(tx, templateId))) ?? null;

const f: TemplateFamily = {
  base: "/api/v1/operator/templates",
  tag: "operator",
  read: "operator-read",
  write: "operator-write",
  run: async (call, action, templateId, fn) => call.operator(action, templateId && (await ownerOf(call.deps.sql, templateId)), fn),
};

export const operatorTemplateRoutes = [
  route({
    method: "get",
    path: f.base,
    summary: "List the system templates, or one tenant's own",
    tag: f.tag,
    access: f.read,
    query: PageQuery.extend({
      tenantId: TenantId.optional(),
      category: z.enum(CATEGORIES).optional(),
      search: z.string().trim().min(1).max(200).optional(),
    }),
    response: page(Template),
    handler: async ({ operator, query }) => {
      const { tenantId, ...filter } = query;
      const r = await operator("template.list", tenantId ?? null, (tx) => q.listTemplates(tx, { ...filter, ownedBy: tenantId ?? null }));
      return { ...r, limit: query.limit, offset: query.offset };
    },
  }),
  ...templateRoutes(f),
];
