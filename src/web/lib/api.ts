/**
 * The API client: JSON in and out, the bearer token from the session (refreshed and retried
 * once on 401), and problem+json errors as ApiError with their field errors.
 */
import { session } from "./session";

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
    readonly requestId: string | null = null,
  ) {
    super(message);
  }
  /** Field errors keyed by field name ("body.name" → "name"). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) out[e.path.replace(/^(body|query|params)\./, "")] ??= e.message;
    return out;
  }
}

export type Query = Record<string, string | number | boolean | string[] | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) v.forEach((x) => p.append(k, x));
    else p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

async function send(method: string, path: string, body: unknown, retried = false, raw = false): Promise<Response> {
  const token = await session.token();
  const headers: Record<string, string> = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined && !(body instanceof FormData) && typeof body !== "string") headers["content-type"] = "application/json";
  if (typeof body === "string") headers["content-type"] = "text/csv";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : body instanceof FormData || typeof body === "string" ? body : JSON.stringify(body) });
  if (res.status === 401 && token && !retried && (await session.refresh())) return send(method, path, body, true, raw);
  if (!res.ok) throw await toError(res);
  return res;
}

async function toError(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const p = JSON.parse(text) as { code?: string; detail?: string; title?: string; errors?: FieldError[]; requestId?: string };
    return new ApiError(res.status, p.code ?? "HTTP_" + res.status, p.detail ?? p.title ?? res.statusText, p.errors ?? [], p.requestId ?? null);
  } catch {
    return new ApiError(res.status, "HTTP_" + res.status, text.slice(0, 200) || res.statusText);
  }
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => json<T>("GET", withQuery(path, query)),
  post: <T>(path: string, body?: unknown) => json<T>("POST", path, body ?? {}),
  put: <T>(path: string, body?: unknown) => json<T>("PUT", path, body ?? {}),
  patch: <T>(path: string, body: unknown) => json<T>("PATCH", path, body),
  del: <T = void>(path: string) => json<T>("DELETE", path),
  /** The raw response (downloads, streams). */
  raw: (method: string, path: string, body?: unknown) => send(method, path, body),
};

/** A paged list as the API returns it. */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export const errorMessage = (e: unknown): string => (e instanceof ApiError ? e.message : e instanceof Error ? e.message : String(e));
