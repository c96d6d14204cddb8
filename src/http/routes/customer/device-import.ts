/**
 * Bulk registration from CSV. Every row is checked first (format, duplicates in the file,
 * sites and templates, devices that already exist); one bad row rejects the whole file, so an
 * import either creates all its devices or none.
 */
import { z } from "zod";
import { readDeviceCsv, type FieldError } from "../../../devices/import";
import * as q from "../../../devices/registry";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import { route } from "../../api/route";
import { DeviceCsv, IMPORT_MAX_ROWS as MAX_ROWS, NewDevice } from "../../api/bodies/devices";
import { DeviceId } from "../../api/schemas";

const rejected = (errors: FieldError[]) =>
  new PulseError("BAD_REQUEST", `the CSV has ${errors.length} problem(s), nothing was imported; first: ${errors[0]!.path}: ${errors[0]!.message}`, { errors });

/** Validates every row; returns the devices, or throws with one error per problem, in row order. */
async function validate(tx: Tx, csv: string): Promise<NewDevice[]> {
  const { devices: rows, errors: structural } = readDeviceCsv(csv, MAX_ROWS);
  if (structural.length > 0) throw rejected(structural);
  const errors: (FieldError & { row: number })[] = [];
  const fail = (row: number, field: string, message: string) => errors.push({ row, path: `row ${row}.${field}`, message });
  const valid: { row: number; device: NewDevice }[] = [];
  const firstRow = new Map<string, number>();
  for (const { row, fields } of rows) {
    const r = NewDevice.safeParse(fields);
    if (!r.success) {
      for (const i of r.error.issues) fail(row, String(i.path[0] ?? ""), i.message);
      continue;
    }
    const seen = firstRow.get(r.data.deviceId);
    if (seen) fail(row, "deviceId", `device ${r.data.deviceId} is also in row ${seen}`);
    else firstRow.set(r.data.deviceId, row);
    valid.push({ row, device: r.data });
  }
  const distinct = (f: (d: NewDevice) => string | null | undefined) => [...new Set(valid.map((v) => f(v.device)).filter((x): x is string => !!x))];
  const refs = await q.existingRefs(tx, { siteIds: distinct((d) => d.siteId), templateIds: distinct((d) => d.templateId), deviceIds: distinct((d) => d.deviceId) });
  for (const { row, device: d } of valid) {
    if (refs.devices.has(d.deviceId)) fail(row, "deviceId", `device ${d.deviceId} already exists`);
    if (d.siteId && !refs.sites.has(d.siteId)) fail(row, "siteId", `site ${d.siteId} not found`);
    if (d.templateId && !refs.templates.has(d.templateId)) fail(row, "templateId", `template ${d.templateId} not found`);
  }
  if (errors.length > 0) throw rejected(errors.sort((a, b) => a.row - b.row).map(({ path, message }) => ({ path, message })));
  return valid.map((v) => v.device);
}

export const deviceImportRoutes = [
  route({
    method: "post",
    path: "/api/v1/customer/devices/import",
    summary: `Register up to ${MAX_ROWS} devices from CSV (header: deviceId, displayName, siteId, templateId, tags (';'-separated), serialNumber, model); all or nothing, tokens shown once`,
    tag: "devices",
    access: "tenant-write",
    bodyFormat: "text",
    maxBodyBytes: 1024 * 1024,
    body: DeviceCsv,
    example: "deviceId,displayName,siteId,tags,serialNumber,model\npump-18,Pump 18,site-1,north;cold-chain,SN-0018,P-200\n",
    response: z.object({ created: z.number().int(), devices: z.array(z.object({ deviceId: DeviceId, provisionToken: z.string() })) }),
    status: 201,
    handler: async ({ tenant, tenantId, body, principal, audit }) =>
      tenant(async (tx) => {
        const devices = await validate(tx, body);
        const issued = await q.createDevices(tx, tenantId, devices, principal?.subject ?? null);
        // One row per device keeps each device's history complete; pipelined like the tokens.
        await Promise.all(devices.map((d) => audit(tx, { action: "device.imported", entityType: "device", entityId: d.deviceId, details: { count: devices.length } })));
        return { created: issued.length, devices: issued.map((i) => ({ deviceId: i.deviceId, provisionToken: i.token })) };
      }),
  }),
];
