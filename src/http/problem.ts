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
  return new Response(JSON.stringify(body), { status: p.status, headers });
}

/** Renders any thrown error; unknown ones become a generic 500 (the cause is only logged). */
export function problemFromError(c: Context, err: unknown): Response {
  if (err instanceof PulseError && err.code !== "INTERNAL") {
    return problem(c, { status: err.status, code: err.code, detail: err.message, retryAfter: err.retryable ? 1 : undefined });
  }
  return problem(c, { status: 500, code: "INTERNAL", detail: "internal error; quote the request id when reporting it" });
}
