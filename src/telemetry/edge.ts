/**
 * Accepting a device message at the HTTP edge: the same envelope rules, credential check and
 * rate limits as `pulse ingest`, answered synchronously, and "accepted" only once the bus has
 * stored the message (its PubAck). What is accepted here is marked checked, so ingest neither
 * re-verifies nor charges it twice.
 */
import type { Bundler } from "../platform/bus/bundler";
import { PulseError } from "../platform/errors";
import { DEVICE_ID, TENANT_ID } from "../platform/ids";
import { encodeIngress, MESSAGE_TYPES, messageId, type MessageType } from "../platform/subjects";
import { checkToken, type DeviceDirectory } from "../devices/service";
import { parseEnvelope, type EnvelopeLimits } from "./envelope";
import { admit, type RateLimits } from "./rate-limit";

export interface EdgeDeps {
  bundler: Bundler;
  directory: DeviceDirectory;
  limits: RateLimits;
  envelope: EnvelopeLimits;
}

export interface EdgeMessage {
  tenant: string;
  device: string;
  type: string;
  payload: Uint8Array;
  /** X-Provision-Token; the envelope's provision_token is used when absent. */
  token: string | null;
}

export type EdgeResult =
  | { ok: true; messageId: string }
  | { ok: false; status: 400 | 401 | 403 | 404 | 413 | 429 | 503; code: string; detail: string; retryAfter?: number };

const fail = (status: Extract<EdgeResult, { ok: false }>["status"], code: string, detail: string, retryAfter?: number): EdgeResult => ({
  ok: false,
  status,
  code,
  detail,
  ...(retryAfter ? { retryAfter } : {}),
});

/** HTTP takes telemetry and heartbeats; shadow and command acknowledgements come over MQTT. */
const HTTP_TYPES = new Set<string>(["telemetry", "heartbeat"]);

export async function acceptMessage(deps: EdgeDeps, m: EdgeMessage): Promise<EdgeResult> {
  if (!TENANT_ID.test(m.tenant)) return fail(400, "BAD_TENANT_ID", "tenant id must be 1-63 of a-z, 0-9, '_' or '-'");
  if (!DEVICE_ID.test(m.device)) return fail(400, "BAD_DEVICE_ID", "device id must be 1-128 of A-Z, a-z, 0-9, '_', ':' or '-'");
  if (!HTTP_TYPES.has(m.type)) return fail(404, "UNSUPPORTED_MESSAGE_TYPE", `message type must be telemetry or heartbeat, not ${JSON.stringify(m.type)}`);
  const at = Date.now();
  const parsed = parseEnvelope(m.payload, m.tenant, at, deps.envelope);
  if (!parsed.ok) {
    const { reason, detail } = parsed.rejection;
    return fail(reason === "PAYLOAD_TOO_LARGE" ? 413 : 400, reason, detail ?? reason);
  }
  const env = parsed.envelope;
  const device = (await deps.directory.lookup([{ tenant: m.tenant, device: m.device }])).get(`${m.tenant}/${m.device}`);
  // Unknown device and wrong token look the same from outside: ids cannot be probed.
  if (!device || checkToken(device, m.token ?? env.token)) return fail(401, "INVALID_CREDENTIAL", "the device credential is missing or not valid for this device");
  if (!device.tenantActive) return fail(403, "TENANT_SUSPENDED", "the tenant is suspended");
  if (!device.active) return fail(403, "DEVICE_NOT_ACTIVE", "the device is not active");
  if (device.siteId && !env.siteId) return fail(400, "MISSING_SITE_ID", `site_id is required for this device (${device.siteId})`);
  if (device.siteId && env.siteId !== device.siteId) return fail(400, "SITE_MISMATCH_REGISTRY_VS_PAYLOAD", `the device is registered at site ${device.siteId}`);
  const limited = admit(deps.limits, m.tenant, m.device);
  if (limited !== "ok") {
    const buckets = limited === "device" ? deps.limits.device : deps.limits.tenant;
    const key = limited === "device" ? `${m.tenant}/${m.device}` : m.tenant;
    return fail(429, "RATE_LIMITED", `the ${limited} rate limit is exceeded`, buckets.retryAfter(key));
  }
  const type = m.type as MessageType;
  const id = messageId(m.tenant, m.device, type, m.payload);
  const frame = encodeIngress({ v: 1, src: "http", tenant: m.tenant, device: m.device, type, at, id, checked: true }, m.payload);
  try {
    await deps.bundler.add(MESSAGE_TYPES[type].stream, m.tenant, frame);
    return { ok: true, messageId: id };
  } catch (err) {
    if (err instanceof PulseError && err.code === "UNAVAILABLE") return fail(503, "BUS_UNAVAILABLE", err.message, 1);
    throw err;
  }
}
