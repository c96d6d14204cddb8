/**
 * Who may call a route. Tokens are verified on every request (no session state); the tenant
 * of tenant routes comes from the token and must be ACTIVE; rates are limited per tenant, per
 * operator and, for unauthenticated routes, per client address.
 */
import { timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { asWorker, type Sql } from "../../platform/db";
import { PulseError } from "../../platform/errors";
import { isOperator, type Principal } from "../../identity/principal";
import type { Role } from "../../identity/schema";
import type { AppEnv } from "../app";
import type { ApiDeps } from "./route";

/**
 * - `public`: no credentials (sign-in, device activation), limited per address;
 * - `user`: any valid token;
 * - `tenant-read`: customer or tenant-admin of a tenant; `tenant-write`: tenant-admin;
 * - `operator-read`: operator or operator-admin; `operator-write`: operator-admin;
 * - `internal`: the MQTT broker's hooks, with the shared secret in `X-Internal-Auth`.
 */
export type Access = "public" | "user" | "tenant-read" | "tenant-write" | "operator-read" | "operator-write" | "internal";

export const ALLOWED: Record<Access, readonly Role[] | null> = {
  public: null,
  internal: null,
  user: ["customer", "tenant-admin", "operator", "operator-admin"],
  "tenant-read": ["customer", "tenant-admin"],
  "tenant-write": ["tenant-admin"],
  "operator-read": ["operator", "operator-admin"],
  "operator-write": ["operator-admin"],
};

export const isTenantAccess = (a: Access) => a === "tenant-read" || a === "tenant-write";

export async function authenticate(c: Context<AppEnv>, deps: ApiDeps, access: Access): Promise<Principal | null> {
  if (access === "public") return null;
  if (access === "internal") {
    if (!deps.mqttHookSecret) throw new PulseError("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`);
    const given = Buffer.from(c.req.header("x-internal-auth") ?? "");
    const want = Buffer.from(deps.mqttHookSecret);
    if (given.length !== want.length || !timingSafeEqual(given, want)) throw new PulseError("UNAUTHORIZED", "missing or wrong X-Internal-Auth");
    return null;
  }
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header);
  if (!match) throw new PulseError("UNAUTHORIZED", "send a bearer token: Authorization: Bearer <access token>");
  const principal = await deps.identity.verify(match[1]!);
  c.set("principal", principal);
  return principal;
}

export async function authorise(c: Context<AppEnv>, deps: ApiDeps, access: Access, p: Principal | null): Promise<void> {
  if (access === "public") {
    const key = `ip:${c.get("clientIp") ?? "unknown"}`;
    if (!deps.publicLimits.take(key)) throw limited(deps.publicLimits.retryAfter(key));
    return;
  }
  if (!p) return; // internal: the shared secret was checked
  const allowed = ALLOWED[access]!;
  if (!allowed.some((r) => p.roles.has(r))) {
    throw new PulseError("FORBIDDEN", `this needs the ${allowed.join(" or ")} role`);
  }
  if (isTenantAccess(access)) {
    if (!p.tenantId) throw new PulseError("FORBIDDEN", "the token names no tenant (organization or tenant_id claim)");
    if (!(await tenantActive(deps.sql, p.tenantId))) throw new PulseError("FORBIDDEN", `tenant ${p.tenantId} is suspended or deleted`);
  }
  const key = p.tenantId && !isOperator(p) ? `t:${p.tenantId}` : `u:${p.issuer}:${p.subject}`;
  if (!deps.limits.take(key)) throw limited(deps.limits.retryAfter(key));
}

const limited = (retryAfter: number) => new PulseError("RATE_LIMITED", "too many requests; slow down", { retryAfter });

const TENANT_TTL_MS = 10_000;
const tenantCache = new WeakMap<Sql, Map<string, { active: boolean; expires: number }>>();

/** Whether a tenant may use the API; cached for a few seconds (suspension applies within it). */
async function tenantActive(sql: Sql, tenantId: string): Promise<boolean> {
  let cache = tenantCache.get(sql);
  if (!cache) tenantCache.set(sql, (cache = new Map()));
  const hit = cache.get(tenantId);
  const now = Date.now();
  if (hit && hit.expires > now) return hit.active;
  const [row] = await asWorker(sql, (tx) => tx<{ status: string }[]>`select status from tenants where tenant_id = ${tenantId}`);
  const active = row?.status === "ACTIVE";
  if (cache.size > 10_000) cache.clear();
  cache.set(tenantId, { active, expires: now + TENANT_TTL_MS });
  return active;
}
