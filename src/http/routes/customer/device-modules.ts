/** Modules installed in a device's slots. Removing one keeps it as history. */
import { z } from "zod";
import { PulseError } from "../../../platform/errors";
import { route } from "../../api/route";
import { DeviceId, listParam, page, PageQuery, Timestamp, Uuid } from "../../api/schemas";
import * as parts from "../../../devices/modules";
import { requireDevice } from "../../../devices/parts";
import * as bodies from "../../api/bodies/device-parts";

const STATUSES = parts.MODULE_STATUSES;
// The bodies' browser-safe copy of this enum must stay the domain's.
STATUSES satisfies typeof bodies.MODULE_STATUSES;

const Module = z.object({
  moduleId: Uuid,
  deviceId: z.string(),
  slotKey: z.string(),
  busAddress: z.string().nullable(),
  moduleTemplateId: Uuid.nullable(),
  label: z.string().nullable(),
  serialNumber: z.string().nullable(),
  metricKeyMap: z.record(z.string(), z.string()),
  status: z.enum(STATUSES),
  installedAt: Timestamp,
  removedAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const DeviceParams = z.object({ deviceId: DeviceId });
const ModuleParams = DeviceParams.extend({ moduleId: Uuid });
const notFound = (moduleId: string) => new PulseError("NOT_FOUND", `module ${moduleId} not found on this device`);

export const deviceModuleRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/modules",
    summary: "List a device's modules (installed ones, unless status asks for removed)",
    tag: "devices",
    access: "tenant-read",
    params: DeviceParams,
    query: PageQuery.extend({ status: listParam(z.enum(STATUSES)) }),
    response: page(Module),
    handler: async ({ tenant, params, query }) =>
      tenant(async (tx) => {
        await requireDevice(tx, params.deviceId, { lock: false });
        return { ...(await parts.listModules(tx, params.deviceId, query)), limit: query.limit, offset: query.offset };
      }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/devices/:deviceId/modules",
    summary: "Install a module in a slot of the device's template",
    tag: "devices",
    access: "tenant-write",
    params: DeviceParams,
    body: bodies.NewModule,
    example: { slotKey: "onewire_bus", moduleTemplateId: "00000000-0000-4000-8000-000000000102", busAddress: "28-0000072a1b3c", metricKeyMap: { t1: "temp_c" } },
    response: Module,
    status: 201,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        const device = await requireDevice(tx, params.deviceId, { lock: true });
        const m = await parts.installModule(tx, device, body);
        await audit(tx, { action: "module.installed", entityType: "module", entityId: m.moduleId, details: { deviceId: m.deviceId, slotKey: m.slotKey, moduleTemplateId: m.moduleTemplateId } });
        return m;
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/modules/:moduleId",
    summary: "Get a module of a device",
    tag: "devices",
    access: "tenant-read",
    params: ModuleParams,
    response: Module,
    handler: async ({ tenant, params }) => (await tenant((tx) => parts.getModule(tx, params.deviceId, params.moduleId))) ?? Promise.reject(notFound(params.moduleId)),
  }),
  route({
    method: "put",
    path: "/api/v1/customer/devices/:deviceId/modules/:moduleId",
    summary: "Change a module's label, serial number, bus address, metric key map or status",
    tag: "devices",
    access: "tenant-write",
    params: ModuleParams,
    body: bodies.ModuleUpdate,
    example: { label: "Freezer probe", metricKeyMap: { t1: "freezer_temp_c" } },
    response: Module,
    handler: async ({ tenant, params, body, audit }) =>
      tenant(async (tx) => {
        await requireDevice(tx, params.deviceId, { lock: true });
        const m = await parts.updateModule(tx, params.deviceId, params.moduleId, body);
        if (!m) throw notFound(params.moduleId);
        await audit(tx, { action: "module.updated", entityType: "module", entityId: m.moduleId, details: { deviceId: m.deviceId, fields: Object.keys(body) } });
        return m;
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/devices/:deviceId/modules/:moduleId",
    summary: "Remove a module (kept as history with status removed)",
    tag: "devices",
    access: "tenant-write",
    params: ModuleParams,
    response: Module,
    handler: async ({ tenant, params, audit }) =>
      tenant(async (tx) => {
        await requireDevice(tx, params.deviceId, { lock: true });
        const m = await parts.removeModule(tx, params.deviceId, params.moduleId);
        if (!m) throw notFound(params.moduleId);
        await audit(tx, { action: "module.removed", entityType: "module", entityId: m.moduleId, details: { deviceId: m.deviceId, slotKey: m.slotKey } });
        return m;
      }),
  }),
];
