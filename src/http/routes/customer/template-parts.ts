/**
 * A template's metrics, commands and slots: add, replace and remove one at a time. Only the
 * caller's own templates change (a tenant's own, an operator's system ones); the three kinds
 * share one shape of routes.
 */
import { z } from "zod";
import type { Db } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import { route } from "../../api/route";
import { Deleted, Uuid } from "../../api/schemas";
import * as q from "../../../templates/queries";
import { Command, EXAMPLES, Metric, Slot, TemplateParams } from "../../../templates/schemas";
import { CommandFields, MetricFields, SlotFields } from "../../api/bodies/templates";
import type { TemplateFamily } from "./templates";

interface PartKind {
  /** Singular, as in the audit action `template.metric_added`. */
  name: "metric" | "command" | "slot";
  idParam: "metricId" | "commandId" | "slotId";
  keyField: "metricKey" | "commandKey" | "slotKey";
  fields: z.ZodType;
  item: z.ZodType;
  example: object;
  // Each kind's functions take its own fields; `never` admits them all here.
  insert(db: Db, templateId: string, body: never): Promise<object>;
  update(db: Db, templateId: string, id: string, body: never): Promise<object | undefined>;
  remove(db: Db, templateId: string, id: string): Promise<boolean>;
}

const KINDS: PartKind[] = [
  { name: "metric", idParam: "metricId", keyField: "metricKey", fields: MetricFields, item: Metric, example: EXAMPLES.metric, insert: q.insertMetric, update: q.updateMetric, remove: q.deleteMetric },
  { name: "command", idParam: "commandId", keyField: "commandKey", fields: CommandFields, item: Command, example: EXAMPLES.command, insert: q.insertCommand, update: q.updateCommand, remove: q.deleteCommand },
  { name: "slot", idParam: "slotId", keyField: "slotKey", fields: SlotFields, item: Slot, example: EXAMPLES.slot, insert: q.insertSlot, update: q.updateSlot, remove: q.deleteSlot },
];

function partRoutes(f: TemplateFamily, k: PartKind) {
  const collection = `${f.base}/:templateId/${k.name}s`;
  // The part's id key differs by kind, so it is typed as the template's alone and read by `idOf`.
  const Params = z.object({ templateId: Uuid, [k.idParam]: Uuid }) as unknown as typeof TemplateParams;
  const idOf = (p: object) => (p as Record<string, string>)[k.idParam]!;
  const missing = (id: string) => new PulseError("NOT_FOUND", `${k.name} ${id} not found in this template`);
  const field = (o: unknown, name: string) => (o as Record<string, unknown>)[name];
  return [
    route({
      method: "post",
      path: collection,
      summary: `Add a ${k.name} to a template`,
      tag: f.tag,
      access: f.write,
      params: TemplateParams,
      body: k.fields,
      example: k.example,
      response: k.item,
      status: 201,
      handler: async (call) =>
        f.run(
          call,
          `template.${k.name}_added`,
          call.params.templateId,
          async (tx) => {
            await q.requireWritable(tx, call.params.templateId);
            return k.insert(tx, call.params.templateId, call.body as never);
          },
          (r) => ({ entityId: call.params.templateId, details: { [k.idParam]: field(r, k.idParam), [k.keyField]: field(call.body, k.keyField) } }),
        ),
    }),
    route({
      method: "put",
      path: `${collection}/:${k.idParam}`,
      summary: `Replace a ${k.name} of a template`,
      tag: f.tag,
      access: f.write,
      params: Params,
      body: k.fields,
      example: k.example,
      response: k.item,
      handler: async (call) =>
        f.run(
          call,
          `template.${k.name}_updated`,
          call.params.templateId,
          async (tx) => {
            await q.requireWritable(tx, call.params.templateId);
            const id = idOf(call.params);
            return (await k.update(tx, call.params.templateId, id, call.body as never)) ?? Promise.reject(missing(id));
          },
          () => ({ entityId: call.params.templateId, details: { [k.idParam]: idOf(call.params), [k.keyField]: field(call.body, k.keyField) } }),
        ),
    }),
    route({
      method: "delete",
      path: `${collection}/:${k.idParam}`,
      summary: `Remove a ${k.name} from a template`,
      tag: f.tag,
      access: f.write,
      params: Params,
      response: Deleted,
      handler: async (call) =>
        f.run(
          call,
          `template.${k.name}_removed`,
          call.params.templateId,
          async (tx) => {
            await q.requireWritable(tx, call.params.templateId);
            const id = idOf(call.params);
            if (!(await k.remove(tx, call.params.templateId, id))) throw missing(id);
            return { deleted: true as const };
          },
          () => ({ entityId: call.params.templateId, details: { [k.idParam]: idOf(call.params) } }),
        ),
    }),
  ];
}

/** Nested routes of every part kind, for one family. */
export const templatePartRoutes = (f: TemplateFamily) => KINDS.flatMap((k) => partRoutes(f, k));
