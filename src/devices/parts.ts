/**
 * What a device carries: modules in its template's slots (modules.ts), sensors up to its
 * sensor_limit (sensors.ts) and transports, one of them primary (transports.ts). This file
 * holds what they share. All of it runs inside a tenant transaction: row-level security scopes
 * every statement.
 */
import type { Db } from "../platform/db";
import { PulseError } from "../platform/errors";

export interface PartsDevice {
  deviceId: string;
  templateId: string | null;
  sensorLimit: number;
}

/**
 * The device whose parts are read or changed; 404 when the caller cannot see it. Writers lock
 * its row so that capacity checks (slot size, sensor limit, one primary transport) cannot race.
 */
export async function requireDevice(db: Db, deviceId: string, o: { lock: boolean }): Promise<PartsDevice> {
  const [row] = await db<PartsDevice[]>`
    select device_id, template_id, sensor_limit from device_registry where device_id = ${deviceId}
    ${o.lock ? db`for no key update` : db``}`;
  if (!row) throw new PulseError("NOT_FOUND", `device ${deviceId} not found`);
  return row;
}

export const badField = (path: string, message: string) => new PulseError("BAD_REQUEST", `${path}: ${message}`, { errors: [{ path, message }] });

/** Only the fields that were sent, for `update … set ${db(set)}`. */
export const present = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));


export interface Page {
  limit: number;
  offset: number;
}
