/**
 * The simulator's public face: the fleet engine, the device profiles, and reading a fleet file
 * (`{ "mqttUrl"?, "httpUrl"?, "devices": [{ tenant, device, token, profile, siteId?, intervalMs?,
 * excursionsPerDay? }] }`), checked field by field so a mistake names the file and the field.
 */
import { z } from "zod";
import { PulseError } from "../platform/errors";
import { DeviceId, SiteId, TenantId } from "../platform/ids";
import { HttpUrl, MqttUrl } from "./fleet";
import { PROFILE_NAMES } from "./profiles";

export { HttpUrl, MqttUrl, runFleet } from "./fleet";
export type { DeviceStatus, FleetOptions, FleetProgress, FleetStats, SimulatedDevice, Transport } from "./fleet";
export { PROFILES, PROFILE_NAMES, startExcursion, type Metrics, type Profile, type ProfileName, type SimState } from "./profiles";

const Device = z.strictObject({
  tenant: TenantId,
  device: DeviceId,
  token: z.string().min(1, { error: "expected the device's provision token" }),
  profile: z.enum(PROFILE_NAMES, { error: `expected one of ${PROFILE_NAMES.join(", ")}` }),
  siteId: SiteId.optional(),
  intervalMs: z.number().int({ error: "expected whole milliseconds" }).min(100, { error: "expected at least 100 ms" }).max(86_400_000, { error: "expected at most a day (86400000 ms)" }).optional(),
  excursionsPerDay: z.number().min(0, { error: "expected 0 or more" }).max(1440, { error: "expected at most 1440 a day" }).optional(),
});

export const FleetFile = z.strictObject({
  mqttUrl: MqttUrl.optional(),
  httpUrl: HttpUrl.optional(),
  devices: z.array(Device).min(1, { error: "expected at least one device" }),
});
export type FleetFile = z.infer<typeof FleetFile>;

/** `devices[3].tenant` from a zod issue path. */
const fieldPath = (path: readonly PropertyKey[]) =>
  path.reduce<string>((out, k) => (typeof k === "number" ? `${out}[${k}]` : out ? `${out}.${String(k)}` : String(k)), "");

/** Reads and checks a fleet file; a USAGE error names the file and the first bad field. */
export async function loadFleetFile(path: string): Promise<FleetFile> {
  const bad = (message: string) => new PulseError("USAGE", `fleet file ${path}: ${message}`, { path });
  const file = Bun.file(path);
  if (!(await file.exists())) throw bad("no such file");
  let raw: unknown;
  try {
    raw = JSON.parse(await file.text());
  } catch (err) {
    throw bad(`not valid JSON (${(err as Error).message})`);
  }
  const parsed = FleetFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = fieldPath(issue.path);
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : "";
    throw bad(`${at || "top level"}: ${issue.message}${more}`);
  }
  const seen = new Map<string, number>();
  for (const [i, d] of parsed.data.devices.entries()) {
    const key = `${d.tenant}/${d.device}`;
    const first = seen.get(key);
    if (first !== undefined) throw bad(`devices[${i}].device: ${key} is already devices[${first}]`);
    seen.set(key, i);
  }
  return parsed.data;
}
