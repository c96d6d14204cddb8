/** Errors as application/problem+json (RFC 9457), with Pulse's error code and the request id. */
import type { Context } from "hono";
import { PulseError } from "../platform/errors";

export interface Problem {
  status: number;
  code: string;
  title?: string;
  detail: string;
  retryAfter?: number;
  extra?: Record<string, unknown>;
}

const titleOf = (code: string) => code.charAt(0) + code.slice(1).toLowerCase().replaceAll("_", " ");

export function problem(c: Context, p: Problem): Response {
  const body = {
    type: `urn:pulse:problem:${p.code.toLowerCase().replaceAll("_", "-")}`,
    title: p.title ?? titleOf(p.code),
    status: p.status,
    detail: p.detail,
    code: p.code,
    requestId: c.get("requestId" as never) ?? null,
    ...p.extra,
  };
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  if (p.retryAfter) headers["retry-after"] = String(p.retryAfter);
  if (p.status === 401) headers["www-authenticate"] = 'Bearer realm="pulse"';
  return new Response(JSON.stringify(body), { status: p.status, headers });
}

/** Renders any thrown error; unknown ones become a generic 500 (the cause is only logged). */
export function problemFromError(c: Context, err: unknown): Response {
  if (err instanceof PulseError && err.code !== "INTERNAL") {
    const d = err.details ?? {};
    const retryAfter = typeof d.retryAfter === "number" ? d.retryAfter : err.retryable ? 1 : undefined;
    // Only what is meant for callers: field errors and the auth failure reason; never SQL details.
    const extra: Record<string, unknown> = {};
    if (Array.isArray(d.errors)) extra.errors = d.errors;
    if (typeof d.reason === "string") extra.reason = d.reason;
    return problem(c, { status: err.status, code: err.code, detail: publicDetail(err), retryAfter, extra });
  }
  return problem(c, { status: 500, code: "INTERNAL", detail: "internal error; quote the request id when reporting it" });
}

/** Database constraint messages name tables and constraints; callers get a plain sentence. */
function publicDetail(err: PulseError): string {
  if (typeof err.details?.sqlstate !== "string") return err.message;
  const constraint = typeof err.details.constraint === "string" ? ` (${err.details.constraint})` : "";
  if (err.details.sqlstate === "23505") return `already exists${constraint}`;
  if (err.details.sqlstate === "23503") return `refers to something that does not exist, or is still referred to${constraint}`;
  if (err.code === "BAD_REQUEST") return `a value is out of range or malformed${constraint}`;
  return err.message;
}
