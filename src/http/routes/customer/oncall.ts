/**
 * On-call schedules: rotation layers (a higher order wins where they overlap) and overrides
 * (which beat every layer), with who is on call now and the resulting timeline.
 */
import { z } from "zod";
import { policiesUsing } from "../../../notify/escalation-queries";
import { onCallAt, Responder, timeline } from "../../../notify/oncall";
import * as q from "../../../notify/oncall-queries";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import { FIXED_SHIFT_HOURS, IsoTime, LayerFields, LayerPatch, OverrideFields, ROTATIONS, ScheduleFields, SchedulePatch } from "../../api/bodies/notify";
import { route } from "../../api/route";
import { Deleted, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";
import { badField } from "./notification-channels";

const DAY = 86_400_000;

const Schedule = z.object({ scheduleId: Uuid, name: z.string(), description: z.string().nullable(), timezone: z.string(), createdAt: Timestamp, updatedAt: Timestamp });
const LayerOut = z.object({ layerId: Uuid, name: z.string(), order: z.number().int(), rotation: z.enum(ROTATIONS), shiftHours: z.number().int(), startsAt: Timestamp, responders: z.array(Responder), createdAt: Timestamp });
const OverrideOut = z.object({ overrideId: Uuid, responder: Responder, startsAt: Timestamp, endsAt: Timestamp, reason: z.string().nullable(), createdAt: Timestamp });
const Shift = z.object({ start: Timestamp, end: Timestamp, responder: Responder, source: z.enum(["override", "layer"]), layerId: Uuid.optional(), overrideId: Uuid.optional() });

const ScheduleParams = z.object({ scheduleId: Uuid });
const LayerParams = ScheduleParams.extend({ layerId: Uuid });
const OverrideParams = ScheduleParams.extend({ overrideId: Uuid });
const TimelineQuery = z
  .object({ from: IsoTime.optional().describe("Default now"), to: IsoTime.optional().describe("Default 14 days after from") })
  .refine((r) => !r.from || !r.to || r.to > r.from, { error: "to must be after from", path: ["to"] })
  .refine((r) => !r.from || !r.to || r.to.getTime() - r.from.getTime() <= 90 * DAY, { error: "at most 90 days at a time", path: ["to"] });

const timelineWindow = (r: { from?: Date; to?: Date }) => {
  const from = r.from ?? (r.to ? new Date(r.to.getTime() - 14 * DAY) : new Date());
  return { from, to: r.to ?? new Date(from.getTime() + 14 * DAY) };
};

const missing = (kind: string, id: string) => new PulseError("NOT_FOUND", `${kind} ${id} not found`);
const loadSchedule = async (tx: Tx, id: string) => (await q.getScheduleDetail(tx, id)) ?? Promise.reject(missing("on-call schedule", id));

/** daily and weekly shifts have fixed lengths; custom ones must say theirs. */
function shiftHoursFor(rotation: (typeof ROTATIONS)[number], given: number | undefined): number {
  if (rotation === "custom") {
    if (given === undefined) throw badField("shiftHours", "a custom rotation needs shiftHours (1-8760)");
    return given;
  }
  const fixed = FIXED_SHIFT_HOURS[rotation];
  if (given !== undefined && given !== fixed) throw badField("shiftHours", `a ${rotation} rotation has ${fixed}-hour shifts`);
  return fixed;
}

async function patchLayer(tx: Tx, p: z.output<typeof LayerParams>, body: Partial<z.output<typeof LayerFields>>): Promise<q.LayerRow> {
  const current = await q.getLayer(tx, p.scheduleId, p.layerId);
  if (!current) throw missing("layer", p.layerId);
  const merged = { ...current, ...body };
  const hours = body.shiftHours ?? (merged.rotation === "custom" ? current.shiftHours : undefined);
  return (await q.updateLayer(tx, p.scheduleId, p.layerId, { ...merged, shiftHours: shiftHoursFor(merged.rotation, hours) }))!;
}

const base = "/api/v1/customer/oncall-schedules";

export const oncallRoutes = [
  route({
    method: "get",
    path: base,
    summary: "List on-call schedules",
    tag: "on-call",
    access: "tenant-read",
    query: PageQuery,
    response: page(Schedule),
    handler: async ({ tenant, query }) => ({ ...(await tenant((tx) => q.listSchedules(tx, query))), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "post",
    path: base,
    summary: "Create an on-call schedule",
    tag: "on-call",
    access: "tenant-write",
    body: ScheduleFields,
    example: { name: "Primary on-call", timezone: "Europe/Amsterdam" },
    response: Schedule,
    status: 201,
    handler: async ({ tenant, body, audit }) =>
      tenant(async (tx) => {
        const s = await q.insertSchedule(tx, body);
        await audit(tx, { action: "oncall_schedule.created", entityType: "oncall-schedule", entityId: s.scheduleId, details: { name: s.name } });
        return s;
      }),
  }),
  route({
    method: "get",
    path: `${base}/:scheduleId`,
    summary: "Get an on-call schedule with its layers and overrides",
    tag: "on-call",
    access: "tenant-read",
    params: ScheduleParams,
    response: Schedule.extend({ layers: z.array(LayerOut), overrides: z.array(OverrideOut) }),
    handler: async ({ tenant, params }) => tenant((tx) => loadSchedule(tx, params.scheduleId)),
  }),
  route({
    method: "patch",
    path: `${base}/:scheduleId`,
    summary: "Change an on-call schedule",
    tag: "on-call",
    access: "tenant-write",
    params: ScheduleParams,
    body: SchedulePatch,
    example: { timezone: "America/New_York" },
    response: Schedule,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        const s = await q.updateSchedule(tx, params.scheduleId, body);
        if (!s) throw missing("on-call schedule", params.scheduleId);
        await audit(tx, { action: "oncall_schedule.updated", entityType: "oncall-schedule", entityId: params.scheduleId, details: { fields: Object.keys(body) } });
        return s;
      }),
  }),
  route({
    method: "delete",
    path: `${base}/:scheduleId`,
    summary: "Delete an on-call schedule (refused while an escalation policy names it)",
    tag: "on-call",
    access: "tenant-write",
    params: ScheduleParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        if (!(await q.getSchedule(tx, params.scheduleId))) throw missing("on-call schedule", params.scheduleId);
        const users = await policiesUsing(tx, { scheduleId: params.scheduleId });
        if (users.length > 0) throw new PulseError("CONFLICT", `escalation policies still name this schedule: ${users.join(", ")}`);
        await q.deleteSchedule(tx, params.scheduleId);
        await audit(tx, { action: "oncall_schedule.deleted", entityType: "oncall-schedule", entityId: params.scheduleId });
        return { deleted: true as const };
      }),
  }),
  route({
    method: "post",
    path: `${base}/:scheduleId/layers`,
    summary: "Add a rotation layer",
    tag: "on-call",
    access: "tenant-write",
    params: ScheduleParams,
    body: LayerFields,
    example: { name: "Weekdays", order: 0, rotation: "weekly", startsAt: "2026-01-05T09:00:00+01:00", responders: [{ name: "Ann", email: "ann@example.com" }] },
    response: LayerOut,
    status: 201,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        if (!(await q.getSchedule(tx, params.scheduleId))) throw missing("on-call schedule", params.scheduleId);
        const layer = await q.insertLayer(tx, params.scheduleId, { ...body, shiftHours: shiftHoursFor(body.rotation, body.shiftHours) });
        await audit(tx, { action: "oncall_layer.created", entityType: "oncall-schedule", entityId: params.scheduleId, details: { layerId: layer.layerId } });
        return layer;
      }),
  }),
  route({
    method: "patch",
    path: `${base}/:scheduleId/layers/:layerId`,
    summary: "Change a rotation layer",
    tag: "on-call",
    access: "tenant-write",
    params: LayerParams,
    body: LayerPatch,
    example: { rotation: "custom", shiftHours: 12 },
    response: LayerOut,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        const layer = await patchLayer(tx, params, body);
        await audit(tx, { action: "oncall_layer.updated", entityType: "oncall-schedule", entityId: params.scheduleId, details: { layerId: params.layerId, fields: Object.keys(body) } });
        return layer;
      }),
  }),
  route({
    method: "delete",
    path: `${base}/:scheduleId/layers/:layerId`,
    summary: "Remove a rotation layer",
    tag: "on-call",
    access: "tenant-write",
    params: LayerParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        if (!(await q.deleteLayer(tx, params.scheduleId, params.layerId))) throw missing("layer", params.layerId);
        await audit(tx, { action: "oncall_layer.deleted", entityType: "oncall-schedule", entityId: params.scheduleId, details: { layerId: params.layerId } });
        return { deleted: true as const };
      }),
  }),
  route({
    method: "post",
    path: `${base}/:scheduleId/overrides`,
    summary: "Put someone on call for a while, over every layer",
    tag: "on-call",
    access: "tenant-write",
    params: ScheduleParams,
    body: OverrideFields,
    example: { responder: { name: "Bob", email: "bob@example.com" }, startsAt: "2026-01-10T18:00:00Z", endsAt: "2026-01-11T08:00:00Z", reason: "swap" },
    response: OverrideOut,
    status: 201,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        if (!(await q.getSchedule(tx, params.scheduleId))) throw missing("on-call schedule", params.scheduleId);
        const o = await q.insertOverride(tx, params.scheduleId, body);
        await audit(tx, { action: "oncall_override.created", entityType: "oncall-schedule", entityId: params.scheduleId, details: { overrideId: o.overrideId } });
        return o;
      }),
  }),
  route({
    method: "delete",
    path: `${base}/:scheduleId/overrides/:overrideId`,
    summary: "Remove an override",
    tag: "on-call",
    access: "tenant-write",
    params: OverrideParams,
    response: Deleted,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        if (!(await q.deleteOverride(tx, params.scheduleId, params.overrideId))) throw missing("override", params.overrideId);
        await audit(tx, { action: "oncall_override.deleted", entityType: "oncall-schedule", entityId: params.scheduleId, details: { overrideId: params.overrideId } });
        return { deleted: true as const };
      }),
  }),
  route({
    method: "get",
    path: `${base}/:scheduleId/current`,
    summary: "Who is on call now (or at ?at=)",
    tag: "on-call",
    access: "tenant-read",
    params: ScheduleParams,
    query: z.object({ at: IsoTime.optional() }),
    response: z.union([Shift, z.object({ onCall: z.null() })]),
    handler: async ({ tenant, params, query }) => onCallAt(await tenant((tx) => loadSchedule(tx, params.scheduleId)), query.at ?? new Date()) ?? { onCall: null },
  }),
  route({
    method: "get",
    path: `${base}/:scheduleId/timeline`,
    summary: "Who is on call between from and to (default the next 14 days; at most 90)",
    tag: "on-call",
    access: "tenant-read",
    params: ScheduleParams,
    query: TimelineQuery,
    response: z.object({ from: Timestamp, to: Timestamp, shifts: z.array(Shift) }),
    handler: async ({ tenant, params, query }) => {
      const { from, to } = timelineWindow(query);
      return { from, to, shifts: timeline(await tenant((tx) => loadSchedule(tx, params.scheduleId)), from, to) };
    },
  }),
];
