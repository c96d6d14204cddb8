/**
 * The API route table. Each route declares its method, path, who may call it, zod schemas for
 * params, query, body and response, and a handler. `mountRoutes` turns the table into Hono
 * routes with one pipeline (authenticate → authorise → rate-limit → validate → run); the
 * OpenAPI document and the cross-tenant security test are generated from the same table.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { asOperator, withTenant, type Db, type PendingQuery, type Sql, type TenantReads, type Tx } from "../../platform/db";
import { PulseError } from "../../platform/errors";
import type { Logger } from "../../platform/log";
import type { Bus } from "../../platform/bus/bus";
import type { TokenBuckets } from "../../telemetry/rate-limit";
import type { Identity } from "../../identity/service";
import type { Principal } from "../../identity/principal";
import type { EgressPolicy } from "../../notify/egress";
import type { LiveHub } from "../../live/hub";
import type { AppEnv } from "../app";
import { authenticate, authorise, type Access } from "./access";

export type { Access } from "./access";

export interface ApiDeps {
  sql: Sql;
  /** Single-statement tenant reads in one round trip (see openTenantReads). */
  reads: TenantReads;
  identity: Identity;
  log: Logger;
  /** Per-tenant (and per-operator) API rate. */
  limits: TokenBuckets;
  /** Per-address rate of unauthenticated endpoints (sign-in, device activation). */
  publicLimits: TokenBuckets;
  /** Shared secret of the broker's auth/ACL hooks; empty disables them. */
  mqttHookSecret: string;
  /** Device-cache TTL, quoted to callers when a credential change takes effect. */
  credentialTtlSeconds: number;
  /** Where test sends (channels, message routes) may connect: private addresses only if allowed. */
  egress: EgressPolicy;
  /** Live updates (SSE); absent in tests that build ApiDeps by hand. */
  live?: LiveHub;
  /** The bus, for its backlog on the system page; absent in tests that build ApiDeps by hand. */
  bus?: Bus;
}

type Obj = z.ZodObject<z.ZodRawShape>;
type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface Call<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | null;
  /** The caller's tenant (tenant routes only; from the verified token). */
  tenantId: string;
  requestId: string;
  ip: string | null;
  deps: ApiDeps;
  c: Context<AppEnv>;
  /** A transaction that sees only the caller's tenant. */
  tenant<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** One read-only statement in such a transaction, in a single round trip (hot reads). */
  read<T extends readonly object[]>(build: (db: Db) => PendingQuery<T>): Promise<T>;
  /** A cross-tenant transaction that writes an operator audit row with the work. */
  operator<T>(action: string, targetTenantId: string | null, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Records a tenant change in audit_log, inside the caller's transaction. */
  audit(tx: Tx, e: { action: string; entityType: string; entityId: string; details?: Record<string, unknown> }): Promise<void>;
}

export interface RouteDef<P extends Obj | undefined = Obj | undefined, Q extends Obj | undefined = Obj | undefined, B extends z.ZodType | undefined = z.ZodType | undefined, R extends z.ZodType | undefined = z.ZodType | undefined> {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** Hono syntax: `/api/v1/customer/devices/:deviceId`. */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  /** Query parameters that pass `query`, when it has required ones (docs and security tests use them). */
  exampleQuery?: Record<string, string>;
  body?: B;
  /** A valid body, shown in the API docs and sent by the security tests. */
  example?: B extends z.ZodType ? z.input<B> : never;
  /** Largest body accepted, in bytes (default 256 KiB). */
  maxBodyBytes?: number;
  /** `text` bodies (CSV import) arrive as a string instead of parsed JSON. */
  bodyFormat?: "json" | "text";
  response?: R;
  /** Not JSON: the handler returns a Response of this type (e.g. text/csv). */
  produces?: string;
  status?: 200 | 201 | 202 | 204;
  handler: (call: Call<Infer<P>, Infer<Q>, Infer<B>>) => Promise<(R extends z.ZodType ? z.input<R> : void) | Response>;
}

/** Declares a route with its types inferred from its schemas. */
export const route = <P extends Obj | undefined = undefined, Q extends Obj | undefined = undefined, B extends z.ZodType | undefined = undefined, R extends z.ZodType | undefined = undefined>(
  def: RouteDef<P, Q, B, R>,
): RouteDef => def as unknown as RouteDef;

const DEFAULT_BODY_LIMIT = 256 * 1024;

export function mountRoutes(app: Hono<AppEnv>, deps: ApiDeps, routes: readonly RouteDef[]): void {
  for (const def of routes) {
    app.on(def.method.toUpperCase(), def.path, async (c) => {
      const principal = await authenticate(c, deps, def.access);
      await authorise(c, deps, def.access, principal);
      const call = makeCall(c, deps, principal);
      call.params = parse(def.params, c.req.param(), "path") as never;
      call.query = parse(def.query, queryObject(c), "query") as never;
      call.body = def.body ? (parse(def.body, await readBody(c, def), "body") as never) : (undefined as never);
      const out = await def.handler(call);
      if (out instanceof Response) return out;
      if (def.status === 204) return c.body(null, 204);
      return c.json(out as object, def.status ?? 200);
    });
  }
}

function makeCall(c: Context<AppEnv>, deps: ApiDeps, principal: Principal | null): Call<never, never, never> {
  const requestId = c.get("requestId");
  const ip = c.get("clientIp");
  const tenantId = principal?.tenantId ?? "";
  const actor = principal ? { id: principal.subject, name: principal.name ?? principal.email } : { id: null, name: null };
  return {
    params: undefined as never,
    query: undefined as never,
    body: undefined as never,
    principal,
    tenantId,
    requestId,
    ip,
    deps,
    c,
    tenant: (fn) => withTenant(deps.sql, tenantId, fn),
    read: (build) => deps.reads.read(tenantId, build),
    operator: (action, target, fn) =>
      asOperator(deps.sql, { actorId: principal?.subject ?? "unknown", action, targetTenantId: target, resource: `${c.req.method} ${c.req.path}`, requestId, ip: ip ?? undefined }, fn),
    audit: async (tx, e) => {
      await tx`
        insert into audit_log (tenant_id, category, action, entity_type, entity_id, details, actor_type, actor_id, actor_name, source_service, ip, request_id)
        values (pulse_tenant(), ${e.entityType.replaceAll("-", "_")}, ${e.action}, ${e.entityType}, ${e.entityId}, ${tx.json((e.details ?? {}) as never)},
                'user', ${actor.id}, ${actor.name}, 'serve', ${ip}, ${requestId})`;
    },
  };
}

/** Query parameters as an object: a repeated name becomes an array. */
function queryObject(c: Context<AppEnv>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(c.req.queries())) out[k] = v.length === 1 ? v[0]! : v;
  return out;
}

async function readBody(c: Context<AppEnv>, def: RouteDef): Promise<unknown> {
  const limit = def.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
  if (Number(c.req.header("content-length") ?? "0") > limit) throw tooLarge(limit);
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length > limit) throw tooLarge(limit);
  const text = new TextDecoder().decode(bytes);
  if (def.bodyFormat === "text") return text;
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PulseError("BAD_REQUEST", `the body is not valid JSON: ${(err as Error).message}`, { errors: [{ path: "(body)", message: "not valid JSON" }] });
  }
}

const tooLarge = (limit: number) => new PulseError("PAYLOAD_TOO_LARGE", `the body is larger than ${limit} bytes`);

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(value ?? (where === "body" ? undefined : {}));
  if (r.success) return r.data;
  const errors = r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join("."), message: i.message }));
  const first = errors[0]!;
  throw new PulseError("BAD_REQUEST", `invalid ${where}: ${first.path}: ${first.message}`, { errors });
}
