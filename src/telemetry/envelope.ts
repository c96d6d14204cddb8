/**
 * The device payload (envelope v1) and every way it can be wrong. Shared by HTTP ingest (which
 * answers 400 with the reason) and `pulse ingest` (which quarantines with it). Hand-written
 * rather than zod: it runs for every message and each failure needs its own reason code.
 */
import { SITE_ID } from "../platform/ids";

export type Reason =
  | "PAYLOAD_TOO_LARGE"
  | "INVALID_JSON"
  | "INVALID_ENVELOPE"
  | "UNSUPPORTED_ENVELOPE_VERSION"
  | "TENANT_MISMATCH_TOPIC_VS_PAYLOAD"
  | "INVALID_TIMESTAMP"
  | "TS_IN_FUTURE"
  | "TS_TOO_OLD"
  | "TOO_MANY_METRICS"
  | "METRIC_KEY_TOO_LONG"
  | "METRIC_KEY_INVALID"
  | "METRIC_VALUE_INVALID";

export interface Rejection {
  reason: string;
  detail?: string;
}

export type MetricValue = number | boolean | string;

export interface Envelope {
  /** Device time when `ts` was given, else null (the receive time is used). */
  ts: Date | null;
  siteId: string | null;
  seq: number | null;
  metrics: Record<string, MetricValue>;
  token: string | null;
  lat: number | null;
  lng: number | null;
}

export interface EnvelopeLimits {
  maxBytes: number;
  maxMetrics: number;
  /** How far ahead of the receive time a device clock may be. */
  maxFutureMs: number;
  /** How far back a `ts` may reach (beyond it the row would fall to retention at once). */
  maxAgeMs: number;
}

export const DEFAULT_LIMITS: EnvelopeLimits = {
  maxBytes: 16_384,
  maxMetrics: 50,
  maxFutureMs: 5 * 60_000,
  maxAgeMs: 30 * 86_400_000,
};

const MAX_STRING_VALUE = 1024;
const CONTROL = /[\u0000-\u001f\u007f]/;
const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const decoder = new TextDecoder("utf-8", { fatal: true });

type Result = { ok: true; envelope: Envelope } | { ok: false; rejection: Rejection };
const reject = (reason: Reason, detail?: string): Result => ({ ok: false, rejection: detail ? { reason, detail } : { reason } });

function parseTs(raw: unknown): Date | null | Rejection {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== "string" || !ISO.test(raw)) return { reason: "INVALID_TIMESTAMP", detail: "ts must be an ISO-8601 string" };
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(raw) ? raw : `${raw}Z`; // no zone means UTC
  const d = new Date(zoned);
  return Number.isNaN(d.getTime()) ? { reason: "INVALID_TIMESTAMP", detail: `unparseable ts ${JSON.stringify(raw)}` } : d;
}

/** A rejection, or null when the metrics are acceptable. */
function checkMetrics(raw: unknown, limits: EnvelopeLimits): Rejection | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== "object" || Array.isArray(raw)) return { reason: "INVALID_ENVELOPE", detail: "metrics must be an object" };
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > limits.maxMetrics) return { reason: "TOO_MANY_METRICS", detail: `${entries.length} metrics, at most ${limits.maxMetrics}` };
  for (const [key, value] of entries) {
    if (key.length > 128) return { reason: "METRIC_KEY_TOO_LONG", detail: `${key.slice(0, 32)}… is ${key.length} characters, at most 128` };
    if (key.length === 0 || CONTROL.test(key)) return { reason: "METRIC_KEY_INVALID", detail: `metric key ${JSON.stringify(key)}` };
    const ok =
      (typeof value === "number" && Number.isFinite(value)) ||
      typeof value === "boolean" ||
      (typeof value === "string" && value.length <= MAX_STRING_VALUE);
    if (!ok) return { reason: "METRIC_VALUE_INVALID", detail: `metric ${key}: numbers must be finite, strings at most ${MAX_STRING_VALUE} characters, no objects or arrays` };
  }
  return null;
}

function coordinate(v: unknown, limit: number): number | null | undefined {
  if (v === undefined || v === null) return null;
  return typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= limit ? v : undefined;
}

/**
 * Validates a payload. `topicTenant` is the tenant from the topic or URL: the only source of
 * identity; a payload naming another tenant is refused.
 */
export function parseEnvelope(payload: Uint8Array, topicTenant: string, receivedAt: number, limits: EnvelopeLimits = DEFAULT_LIMITS): Result {
  if (payload.length > limits.maxBytes) return reject("PAYLOAD_TOO_LARGE", `${payload.length} bytes, at most ${limits.maxBytes}`);
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(payload));
  } catch {
    return reject("INVALID_JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return reject("INVALID_ENVELOPE", "the payload must be a JSON object");
  const b = body as Record<string, unknown>;
  if (b.version !== undefined && b.version !== "1" && b.version !== 1) return reject("UNSUPPORTED_ENVELOPE_VERSION", `version ${JSON.stringify(b.version)}`);
  if (b.tenant_id !== undefined && b.tenant_id !== topicTenant) return reject("TENANT_MISMATCH_TOPIC_VS_PAYLOAD");

  const ts = parseTs(b.ts);
  if (ts && !(ts instanceof Date)) return { ok: false, rejection: ts };
  if (ts && ts.getTime() > receivedAt + limits.maxFutureMs) return reject("TS_IN_FUTURE", `ts ${ts.toISOString()} is ahead of the receive time`);
  if (ts && ts.getTime() < receivedAt - limits.maxAgeMs) return reject("TS_TOO_OLD", `ts ${ts.toISOString()} is older than the retention period`);

  if (b.site_id !== undefined && b.site_id !== null && (typeof b.site_id !== "string" || !SITE_ID.test(b.site_id))) {
    return reject("INVALID_ENVELOPE", "site_id must be a site id string");
  }
  if (b.seq !== undefined && b.seq !== null && !(Number.isSafeInteger(b.seq) && (b.seq as number) >= 0)) {
    return reject("INVALID_ENVELOPE", "seq must be a non-negative integer");
  }
  if (b.provision_token !== undefined && b.provision_token !== null && typeof b.provision_token !== "string") {
    return reject("INVALID_ENVELOPE", "provision_token must be a string");
  }
  const bad = checkMetrics(b.metrics, limits);
  if (bad) return { ok: false, rejection: bad };
  const lat = coordinate(b.lat ?? b.latitude, 90);
  const lng = coordinate(b.lng ?? b.longitude, 180);
  if (lat === undefined || lng === undefined || (lat === null) !== (lng === null)) {
    return reject("INVALID_ENVELOPE", "lat/lng must both be given, as numbers in range");
  }
  return {
    ok: true,
    envelope: {
      ts,
      siteId: (b.site_id as string | undefined) ?? null,
      seq: (b.seq as number | undefined) ?? null,
      metrics: (b.metrics as Record<string, MetricValue> | null | undefined) ?? {},
      token: (b.provision_token as string | undefined) ?? null,
      lat,
      lng,
    },
  };
}

const TOKEN_FIELD = new TextEncoder().encode('"provision_token"');
const encoder = new TextEncoder();

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * The payload with its provision_token blanked, for keeping in quarantine: a wrong token may be
 * another device's real one, and secrets are never stored in clear. Other bytes are unchanged
 * unless the token had to be removed (then the JSON is re-serialised).
 */
export function withoutToken(payload: Uint8Array): Uint8Array {
  if (!contains(payload, TOKEN_FIELD)) return payload;
  try {
    const body = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    if (typeof body !== "object" || body === null || !("provision_token" in body)) return payload;
    return encoder.encode(JSON.stringify({ ...body, provision_token: "[redacted]" }));
  } catch {
    // Not JSON (say, cut off): blank the value textually.
    const text = new TextDecoder().decode(payload).replace(/("provision_token"\s*:\s*)"(?:[^"\\]|\\.)*"?/g, '$1"[redacted]"');
    return encoder.encode(text);
  }
}
