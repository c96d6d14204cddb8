/**
 * PostgreSQL access: the only module that imports postgres.js. Query functions take a `Db`
 * handle so they work both on the pool and inside a transaction.
 *
 * Tenant isolation: request work runs in `withTenant`, a transaction as the non-bypass role
 * `pulse_app` with `app.tenant_id` set transaction-locally, so row-level security decides
 * what is visible. Workers use `asWorker` (BYPASSRLS role `pulse_worker`), operators
 * `asOperator` (BYPASSRLS role `pulse_operator`, and every use writes an operator audit row).
 * Settings are transaction-local, which keeps this correct behind PgBouncer transaction pooling.
 */
import postgres from "postgres";
import { PulseError, type ErrorCode } from "./errors";
import { TENANT_ID } from "./ids";
import type { Logger } from "./log";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
export type Db = Sql | Tx;
export type PendingQuery<T extends readonly object[]> = postgres.PendingQuery<T>;

export interface ConnectOptions {
  url: string;
  /** Shown in pg_stat_activity, e.g. `pulse-migrate`. */
  appName: string;
  log: Logger;
  max?: number;
  connectTimeoutSeconds?: number;
}

export function connect(o: ConnectOptions): Sql {
  return postgres(o.url, {
    ...socketHost(o.url),
    max: o.max ?? 10,
    idle_timeout: 30,
    connect_timeout: o.connectTimeoutSeconds ?? 10,
    // Column names only: JSON values (device metrics) keep their keys exactly as stored.
    transform: { column: { from: postgres.toCamel, to: postgres.fromCamel } },
    connection: { application_name: o.appName },
    onnotice: (n) => o.log.debug("postgres notice", { message: n.message, code: n.code }),
  });
}

/**
 * libpq accepts a Unix socket directory as a percent-encoded host
 * (`postgres://user@%2Fvar%2Frun%2Fpostgresql/db`); postgres.js needs it as an option.
 */
function socketHost(url: string): { host?: string } {
  try {
    const host = decodeURIComponent(new URL(url).hostname);
    return host.startsWith("/") ? { host } : {};
  } catch {
    return {};
  }
}

/**
 * Objects for a `::jsonb[]` parameter. postgres.js serializes each element as JSON (tested in
 * the ingest suite); its type declarations only admit scalars there.
 */
export const jsonbArray = (values: readonly object[]) => values as unknown as string[];

/** A page of a list from rows that carry `count(*) over () as total`: the rows without it, and the total. */
export function paged<T extends { total: number }>(rows: readonly T[]): { items: Omit<T, "total">[]; total: number } {
  return { items: rows.map(({ total: _t, ...r }) => r), total: rows[0]?.total ?? 0 };
}

/** Where a URL points, without credentials: `host:port/database`. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${decodeURIComponent(u.hostname) || "localhost"}:${u.port || 5432}${u.pathname || "/"}`;
  } catch {
    return "(unparseable url)";
  }
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

/** Fails fast, with one clear sentence, when the database cannot be used at all. */
export async function checkConnection(sql: Sql, url: string): Promise<void> {
  try {
    await sql`select 1`;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const reason =
      e.code === "28P01" || e.code === "28000"
        ? "authentication failed"
        : e.code === "3D000"
          ? "database does not exist"
          : e.code === "CONNECT_TIMEOUT"
            ? "connection timed out"
            : e.code === "ECONNREFUSED"
              ? "connection refused"
              : (e.message ?? String(err));
    throw new PulseError("UNAVAILABLE", `cannot use PostgreSQL at ${describeTarget(url)}: ${reason}`, undefined, {
      cause: err,
    });
  }
}

const SQLSTATE: Record<string, ErrorCode> = {
  "23505": "CONFLICT",
  "23503": "CONFLICT",
  "23514": "BAD_REQUEST",
  "23502": "BAD_REQUEST",
  "22P02": "BAD_REQUEST",
  "22001": "BAD_REQUEST",
  "22003": "BAD_REQUEST",
  "42501": "FORBIDDEN",
  "40001": "UNAVAILABLE",
  "40P01": "UNAVAILABLE",
  "55P03": "UNAVAILABLE",
  "57014": "UNAVAILABLE",
  "57P01": "UNAVAILABLE",
  "57P02": "UNAVAILABLE",
  "57P03": "UNAVAILABLE",
  "53300": "UNAVAILABLE",
};

/** Maps a database failure to a PulseError once, keeping the original as `cause`. */
function mapPgError(err: unknown): unknown {
  if (err instanceof PulseError || !(err instanceof Error)) return err;
  const e = err as Error & { code?: string; constraint_name?: string; table_name?: string };
  const code =
    (e.code && SQLSTATE[e.code]) ??
    (e.code && (e.code.startsWith("08") || NETWORK_CODES.has(e.code)) ? "UNAVAILABLE" : undefined);
  if (!code) return err;
  const details: Record<string, unknown> = { sqlstate: e.code };
  if (e.constraint_name) details.constraint = e.constraint_name;
  if (e.table_name) details.table = e.table_name;
  return new PulseError(code, e.message, details, { cause: err });
}

const ignore = () => {};

async function inRole<T>(sql: Sql, role: string, tenant: string | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return (await sql.begin(async (tx) => {
      // Pipelined with fn's first statement on the same connection, so it still runs first; if it
      // failed, the transaction is aborted and fn's statements fail with it. (A reserved
      // connection could also pipeline BEGIN and COMMIT, but postgres.js leaves a reserved
      // connection's queries pending forever when the server goes away mid-transaction.)
      const context = tx`select set_config('role', ${role}, true), set_config('app.tenant_id', ${tenant ?? ""}, true)`.execute();
      context.catch(ignore);
      const out = await fn(tx);
      await context;
      return out;
    })) as T;
  } catch (err) {
    throw mapPgError(err);
  }
}

/** Runs `fn` in a transaction that sees only `tenantId`'s rows. Fails closed without a tenant. */
export function withTenant<T>(sql: Sql, tenantId: string | null | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (!tenantId || !TENANT_ID.test(tenantId)) {
    return Promise.reject(new PulseError("FORBIDDEN", "no valid tenant in the request context"));
  }
  return inRole(sql, "pulse_app", tenantId, fn);
}

/**
 * Hot single-statement reads of one tenant (GET of a device, …) in one socket write and one
 * round trip: BEGIN READ ONLY, the role and tenant settings, the statement and COMMIT are
 * pipelined on single-connection clients. One connection runs its statements in the order
 * sent, so each batch is a contiguous transaction; if any statement of a batch fails, its
 * result is discarded. (`sql.begin` needs three writes per transaction, measured as a third
 * of serve's CPU; a reserved connection would do, but postgres.js leaves its queries pending
 * forever when the server goes away.)
 */
/** Runs one statement built on whatever connection the caller chose (a transaction, `TenantReads`). */
export type RunStatement = <T extends readonly object[]>(build: (db: Db) => PendingQuery<T>) => Promise<T>;

export interface TenantReads {
  read<T extends readonly object[]>(tenantId: string, build: (db: Db) => PendingQuery<T>): Promise<T>;
  end(): Promise<void>;
}

export function openTenantReads(o: ConnectOptions & { clients: number }): TenantReads {
  const clients = Array.from({ length: o.clients }, () => connect({ ...o, max: 1 }));
  let next = 0;
  return {
    async read(tenantId, build) {
      if (!TENANT_ID.test(tenantId)) throw new PulseError("FORBIDDEN", "no valid tenant in the request context");
      const db = clients[next++ % clients.length]!;
      const results = await Promise.allSettled([
        db.unsafe("begin read only").execute(),
        db`select set_config('role', 'pulse_app', true), set_config('app.tenant_id', ${tenantId}, true)`.execute(),
        build(db).execute(),
        db.unsafe("commit").execute(),
      ]);
      const failed = results.find((r) => r.status === "rejected");
      if (failed) throw mapPgError(failed.reason);
      return (results[2] as PromiseFulfilledResult<Awaited<ReturnType<typeof build>>>).value;
    },
    end: async () => void (await Promise.all(clients.map((c) => c.end({ timeout: 5 })))),
  };
}

/**
 * Tenant reads over an ordinary pool, each in its own transaction: for a database that takes
 * one connection only (the embedded engine), where pipelined reads could not have their own.
 */
export function pooledTenantReads(sql: Sql): TenantReads {
  return {
    read: (tenantId, build) => withTenant(sql, tenantId, (tx) => build(tx)),
    end: async () => {},
  };
}

/** Runs `fn` as the worker role, which bypasses row-level security (ingest, evaluator, jobs). */
export function asWorker<T>(sql: Sql, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return inRole(sql, "pulse_worker", null, fn);
}

export interface OperatorAccess {
  actorId: string;
  action: string;
  /** The tenant looked at, or null for a cross-tenant view. */
  targetTenantId: string | null;
  resource: string;
  requestId?: string;
  ip?: string;
}

/** Cross-tenant operator work; the audit row commits or rolls back with the work itself. */
export function asOperator<T>(sql: Sql, access: OperatorAccess, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return inRole(sql, "pulse_operator", null, async (tx) => {
    await tx`
      insert into operator_audit_log (actor_id, action, target_tenant_id, resource, request_id, ip)
      values (${access.actorId}, ${access.action}, ${access.targetTenantId}, ${access.resource},
              ${access.requestId ?? null}, ${access.ip ?? null})`;
    return fn(tx);
  });
}
