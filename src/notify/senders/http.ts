/**
 * JSON over HTTP for every HTTP channel, and the one place a response or failure becomes a
 * SendResult: 2xx is delivered; 408, 425, 429, 5xx and network failures are worth retrying;
 * anything else (other 4xx, redirects, refused destinations) will fail the same way again.
 */
import { createHmac } from "node:crypto";
import { PulseError } from "../../platform/errors";
import { type EgressPolicy, type EgressResponse, egressRequest } from "../egress";
import type { SendResult } from "./types";

const MAX_ERROR = 500;
const RETRYABLE_STATUS = new Set([408, 425, 429]);

/** Replaces every secret in `text` and caps it, so errors can be stored and shown. */
export function scrub(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.replaceAll(s, "***");
  return out.length > MAX_ERROR ? `${out.slice(0, MAX_ERROR - 1)}…` : out;
}

export function resultOf(res: EgressResponse, secrets: ReadonlyArray<string | undefined>): SendResult {
  const { status } = res;
  if (status >= 200 && status < 300) return { ok: true, status, retryable: false };
  const retryable = RETRYABLE_STATUS.has(status) || status >= 500;
  const said = status >= 300 && status < 400 ? "redirects are not followed" : res.body.replace(/\s+/g, " ").trim();
  return { ok: false, status, error: scrub(said ? `HTTP ${status}: ${said}` : `HTTP ${status}`, secrets), retryable };
}

/** Refused destinations and bad URLs are permanent; network trouble and anything unknown is not. */
export function failureOf(err: unknown, secrets: ReadonlyArray<string | undefined>): SendResult {
  const message = err instanceof Error ? err.message : String(err);
  const retryable = err instanceof PulseError ? err.retryable : true;
  return { ok: false, error: scrub(message, secrets), retryable };
}

export async function postJson(
  url: string,
  body: unknown,
  o: { method?: string; headers?: Record<string, string>; secrets: ReadonlyArray<string | undefined> },
  egress: EgressPolicy,
): Promise<SendResult> {
  try {
    const headers = { ...o.headers, "content-type": "application/json" };
    const res = await egressRequest(url, { method: o.method ?? "POST", headers, body: JSON.stringify(body) }, egress);
    return resultOf(res, o.secrets);
  } catch (err) {
    return failureOf(err, o.secrets);
  }
}

/** Lower-cased, so a channel header cannot sneak in beside ours with different case. */
const lowerKeys = (h: Record<string, string> = {}) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

/**
 * Generic signed webhook POST, used by message routes too. Headers: `Content-Type:
 * application/json`, `X-Pulse-Event`, `Idempotency-Key`, `X-Pulse-Timestamp` (unix seconds) and,
 * with a secret, `X-Pulse-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`.
 * Receivers recompute the HMAC over the raw body, compare in constant time, and reject
 * timestamps more than a few minutes old to stop replays.
 */
export async function postSignedJson(
  url: string,
  body: unknown,
  o: { method?: string; headers?: Record<string, string>; secret?: string; idempotencyKey: string; event: string },
  egress: EgressPolicy,
): Promise<SendResult> {
  const secrets = [o.secret, ...Object.values(o.headers ?? {})];
  try {
    const text = JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      ...lowerKeys(o.headers),
      "content-type": "application/json",
      "x-pulse-event": o.event,
      "idempotency-key": o.idempotencyKey,
      "x-pulse-timestamp": timestamp,
    };
    if (o.secret) headers["x-pulse-signature"] = `sha256=${createHmac("sha256", o.secret).update(`${timestamp}.${text}`).digest("hex")}`;
    const res = await egressRequest(url, { method: o.method ?? "POST", headers, body: text }, egress);
    return resultOf(res, secrets);
  } catch (err) {
    return failureOf(err, secrets);
  }
}
