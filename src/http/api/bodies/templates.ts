/**
 * Request bodies of device templates and their parts, for the routes and the console alike.
 * The field schemas live with the templates domain (src/templates/schemas.ts, pure zod); the
 * clone body is the customer routes' own.
 */
import { z } from "zod";
import { Slug } from "../../../templates/schemas";

export { CATEGORIES, CommandFields, MetricFields, NewTemplate, SlotFields, TemplateFields } from "../../../templates/schemas";

/** POST /api/v1/customer/templates/:templateId/clone */
export const CloneTemplate = z.object({ slug: Slug, name: z.string().trim().min(1).max(200).optional() });
