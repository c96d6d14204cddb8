/**
 * Device templates. Tenants read the system templates and their own, and write their own;
 * operators write the system templates (src/http/routes/operator/templates.ts). Both families
 * share the routes built here by `templateRoutes`: they differ only in the transaction and in
 * who may write.
 */
import { z } from "zod";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import { route, type Access, type Call } from "../../api/route";
import { Deleted, page, PageQuery } from "../../api/schemas";
import * as q from "../../../templates/queries";
import { CATEGORIES, EXAMPLES, Template, TemplateDetail, TemplateParams } from "../../../templates/schemas";
import { CloneTemplate, NewTemplate, TemplateFields } from "../../api/bodies/templates";
import { templatePartRoutes } from "./template-parts";

type Caller = Pick<Call<unknown, unknown, unknown>, "tenant" | "operator" | "audit" | "deps">;

/** What a route family of templates needs: where it lives, who may call it, how it runs. */
export interface TemplateFamily {
  /** `/api/v1/customer/templates` or `/api/v1/operator/templates`. */
  base: string;
  tag: string;
  read: Access;
  write: Access;
  /**
   * Runs `fn` in the family's transaction. `action` names the work for the audit: tenants
   * record writes (those that pass `entity`) in audit_log; operators record every access,
   * naming the tenant of `templateId` when there is one.
   */
  run<T>(call: Caller, action: string, templateId: string | null, fn: (tx: Tx) => Promise<T>, entity?: (r: T) => { entityId: string; details?: Record<string, unknown> }): Promise<T>;
}

const tenantTemplates: TemplateFamily = {
  base: "/api/v1/customer/templates",
  tag: "templates",
  read: "tenant-read",
  write: "tenant-write",
  run: (call, action, _templateId, fn, entity) =>
    call.tenant(async (tx) => {
      const r = await fn(tx);
      if (entity) await call.audit(tx, { action, entityType: "template", ...entity(r) });
      return r;
    }),
};

const notFound = (templateId: string) => new PulseError("NOT_FOUND", `template ${templateId} not found`);

/** The template as a response, from inside the transaction that changed it. */
const detail = async (tx: Tx, templateId: string) => (await q.getTemplateDetail(tx, templateId)) ?? Promise.reject(notFound(templateId));

/** Create, read, replace and delete one template, and its nested parts. */
export const templateRoutes = (f: TemplateFamily) => [
  route({
    method: "post",
    path: f.base,
    summary: "Create a template, optionally with its metrics, commands and slots",
    tag: f.tag,
    access: f.write,
    body: NewTemplate,
    example: { ...EXAMPLES.template, metrics: [EXAMPLES.metric], commands: [EXAMPLES.command], slots: [EXAMPLES.slot] },
    response: TemplateDetail,
    status: 201,
    handler: async (call) =>
      f.run(call, "template.created", null, async (tx) => detail(tx, await q.insertTemplate(tx, call.body)), (t) => ({ entityId: t.templateId, details: { slug: t.slug } })),
  }),
  route({
    method: "get",
    path: `${f.base}/:templateId`,
    summary: "Get a template with its metrics, commands and slots",
    tag: f.tag,
    access: f.read,
    params: TemplateParams,
    response: TemplateDetail,
    handler: async (call) => f.run(call, "template.read", call.params.templateId, (tx) => detail(tx, call.params.templateId)),
  }),
  route({
    method: "put",
    path: `${f.base}/:templateId`,
    summary: "Replace a template's own fields (its parts stay)",
    tag: f.tag,
    access: f.write,
    params: TemplateParams,
    body: TemplateFields,
    example: { ...EXAMPLES.template, name: "Cold room gateway (v2)" },
    response: TemplateDetail,
    handler: async (call) =>
      f.run(
        call,
        "template.updated",
        call.params.templateId,
        async (tx) => {
          await q.requireWritable(tx, call.params.templateId);
          await q.replaceTemplate(tx, call.params.templateId, call.body);
          return detail(tx, call.params.templateId);
        },
        (t) => ({ entityId: t.templateId, details: { fields: Object.keys(call.body) } }),
      ),
  }),
  route({
    method: "delete",
    path: `${f.base}/:templateId`,
    summary: "Delete a template no device or module uses",
    tag: f.tag,
    access: f.write,
    params: TemplateParams,
    response: Deleted,
    handler: async (call) =>
      f.run(
        call,
        "template.deleted",
        call.params.templateId,
        async (tx) => {
          await q.requireWritable(tx, call.params.templateId);
          if ((await q.deleteTemplate(tx, call.params.templateId)) === "in-use") {
            throw new PulseError("CONFLICT", `template ${call.params.templateId} is used by devices or installed modules`);
          }
          return { deleted: true as const };
        },
        () => ({ entityId: call.params.templateId }),
      ),
  }),
  ...templatePartRoutes(f),
];

const f = tenantTemplates;

export const customerTemplateRoutes = [
  route({
    method: "get",
    path: f.base,
    summary: "List the system templates and the tenant's own",
    tag: f.tag,
    access: f.read,
    query: PageQuery.extend({
      category: z.enum(CATEGORIES).optional(),
      source: z.enum(["system", "tenant"]).optional(),
      search: z.string().trim().min(1).max(200).optional(),
    }),
    response: page(Template),
    handler: async ({ tenant, query }) => ({ ...(await tenant((tx) => q.listTemplates(tx, query))), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "post",
    path: `${f.base}/:templateId/clone`,
    summary: "Copy a system or own template, with its parts, into a new editable template",
    tag: f.tag,
    access: f.write,
    params: TemplateParams,
    body: CloneTemplate,
    example: { slug: "lifeline-gateway-custom", name: "Lifeline Gateway (ours)" },
    response: TemplateDetail,
    status: 201,
    handler: async (call) =>
      f.run(
        call,
        "template.cloned",
        call.params.templateId,
        async (tx) => {
          const templateId = await q.cloneTemplate(tx, call.params.templateId, call.body);
          if (!templateId) throw notFound(call.params.templateId);
          return detail(tx, templateId);
        },
        (t) => ({ entityId: t.templateId, details: { from: call.params.templateId, slug: t.slug } }),
      ),
  }),
  ...templateRoutes(f),
];
