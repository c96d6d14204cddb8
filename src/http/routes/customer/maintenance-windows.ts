/** Maintenance windows: while one covering a device is on, alerts for it are not opened. */
import { z } from "zod";
import { Recurrence, windowActive } from "../../../alerts/maintenance";
import { RuleScope } from "../../../alerts/rules";
import * as q from "../../../alerts/window-queries";
import { PulseError } from "../../../platform/errors";
import { WindowFields, WindowPatch } from "../../api/bodies/alerts";
import { route } from "../../api/route";
import { Deleted, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";

const Window = z.object({
  windowId: Uuid,
  name: z.string(),
  enabled: z.boolean(),
  startsAt: Timestamp,
  endsAt: Timestamp.nullable(),
  recurrence: Recurrence.nullable(),
  scope: RuleScope,
  activeNow: z.boolean().describe("Whether the window is on at this moment"),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const WindowParams = z.object({ windowId: Uuid });
const notFound = (id: string) => new PulseError("NOT_FOUND", `maintenance window ${id} not found`);

const toWindow = (w: q.WindowRow) => ({ ...w, activeNow: windowActive(w, Date.now()) });

/** The database checks it too, but a 400 naming the field is what a caller can act on. */
function checkSpan(w: q.WindowFields): q.WindowFields {
  if (w.endsAt && w.endsAt <= w.startsAt) {
    const message = "endsAt must be after startsAt";
    throw new PulseError("BAD_REQUEST", `invalid body: body.endsAt: ${message}`, { errors: [{ path: "body.endsAt", message }] });
  }
  return w;
}

export const maintenanceWindowRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/maintenance-windows",
    summary: "List maintenance windows, the latest starting first",
    tag: "maintenance windows",
    access: "tenant-read",
    query: PageQuery.extend({
      enabled: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
      search: z.string().trim().min(1).max(200).optional().describe("Text in the name"),
    }),
    response: page(Window),
    handler: async ({ tenant, query }) => {
      const { items, total } = await tenant((tx) => q.listWindows(tx, query));
      return { items: items.map(toWindow), total, limit: query.limit, offset: query.offset };
    },
  }),
  route({
    method: "post",
    path: "/api/v1/customer/maintenance-windows",
    summary: "Create a maintenance window",
    tag: "maintenance windows",
    access: "tenant-write",
    body: WindowFields,
    example: { name: "Weekly service", startsAt: "2026-01-01T00:00:00Z", recurrence: { days: [0], start: "02:00", end: "04:00", timezone: "Europe/Amsterdam" }, scope: { siteIds: ["site-1"] } },
    response: Window,
    status: 201,
    handler: async ({ tenant, body, audit }) =>
      tenant(async (tx) => {
        const w = await q.insertWindow(tx, checkSpan({ ...body, endsAt: body.endsAt ?? null, recurrence: body.recurrence ?? null }));
        await audit(tx, { action: "maintenance_window.created", entityType: "maintenance-window", entityId: w.windowId, details: { name: w.name } });
        return toWindow(w);
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/maintenance-windows/:windowId",
    summary: "Get a maintenance window",
    tag: "maintenance windows",
    access: "tenant-read",
    params: WindowParams,
    response: Window,
    handler: async ({ tenant, params }) => toWindow((await tenant((tx) => q.getWindow(tx, params.windowId))) ?? (await Promise.reject(notFound(params.windowId)))),
  }),
  route({
    method: "patch",
    path: "/api/v1/customer/maintenance-windows/:windowId",
    summary: "Change a maintenance window",
    tag: "maintenance windows",
    access: "tenant-write",
    params: WindowParams,
    body: WindowPatch,
    example: { enabled: false },
    response: Window,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        const current = await q.getWindow(tx, params.windowId, { lock: true });
        if (!current) throw notFound(params.windowId);
        const w = (await q.updateWindow(tx, current.windowId, checkSpan({ ...current, ...body })))!;
        await audit(tx, { action: "maintenance_window.updated", entityType: "maintenance-window", entityId: w.windowId, details: { fields: Object.keys(body) } });
        return toWindow(w);
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/maintenance-windows/:windowId",
    summary: "Delete a maintenance window",
    tag: "maintenance windows",
    access: "tenant-write",
    params: WindowParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        if (!(await q.deleteWindow(tx, params.windowId))) throw notFound(params.windowId);
        await audit(tx, { action: "maintenance_window.deleted", entityType: "maintenance-window", entityId: params.windowId });
        return { deleted: true as const };
      }),
  }),
];
