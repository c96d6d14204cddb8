/**
 * In-process API tests: a migrated database, the real app with the built-in issuer, and
 * tokens minted by that issuer for any tenant and roles. Requests go through `app.request`,
 * the same pipeline `pulse serve` runs.
 */
import { createApp } from "../http/app";
import { createApiDeps } from "../http/api/deps";
import type { ApiDeps } from "../http/api/route";
import type { Role } from "../identity/schema";
import { createMetrics } from "../platform/metrics";
import { openTenantReads } from "../platform/db";
import type { Logger } from "../platform/log";
import { TokenBuckets } from "../telemetry/rate-limit";
import { quietLog, testDb, type TestDb } from "./db";
import { seedTenant } from "./fixtures";

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is (not JSON-encoded), e.g. CSV. */
  raw?: string;
  headers?: Record<string, string>;
}

export interface ApiHarness extends AsyncDisposable {
  db: TestDb;
  deps: ApiDeps;
  app: ReturnType<typeof createApp>;
  /** An access token from the built-in issuer. */
  token(o: { tenant?: string | null; roles: Role[]; subject?: string; email?: string }): Promise<string>;
  /** Tokens of a tenant's admin and of a viewer (customer role). */
  tokens(tenant: string): Promise<{ admin: string; viewer: string }>;
  call<T = any>(method: string, path: string, o?: CallOptions): Promise<ApiResponse<T>>;
}

export const HOOK_SECRET = "test-hook-secret-0123456789abcdef";

/**
 * `apiRate`/`apiBurst`: the per-tenant API limit (default unlimited). Unauthenticated routes
 * keep their production per-address limit only with `publicLimit: true` (requests built
 * in-process all share one "address").
 */
export async function apiHarness(
  o: { apiRate?: number; apiBurst?: number; oidcIssuer?: string; publicLimit?: boolean; log?: Logger; seed?: string[]; egressAllow?: string[] } = {},
): Promise<ApiHarness> {
  const log = o.log ?? quietLog;
  const db = await testDb();
  for (const tenant of o.seed ?? []) await seedTenant(db.sql, tenant);
  const reads = openTenantReads({ url: db.url, appName: "pulse-test", log: quietLog, clients: 2 });
  const deps = await createApiDeps(
    db.sql,
    reads,
    {
      oidcIssuer: o.oidcIssuer ?? "",
      jwks: { cooldownMs: 200 },
      oidcAudience: "pulse-api",
      oidcJwksUrl: "",
      accessTokenTtl: 900,
      sessionTtl: 86_400,
      apiRate: o.apiRate ?? 0,
      apiBurst: o.apiBurst ?? 1000,
      mqttHookSecret: HOOK_SECRET,
      deviceCacheTtl: 60,
      egressAllow: o.egressAllow ?? [],
    },
    log,
  );
  if (!o.publicLimit) deps.publicLimits = new TokenBuckets(0, 1);
  const app = createApp({ log, metrics: createMetrics("serve"), checks: {}, api: deps });
  const token: ApiHarness["token"] = (t) => {
    if (!deps.identity.builtin) throw new Error("token() needs the built-in issuer; mint OIDC tokens with the test IdP");
    return deps.identity.builtin.accessToken({
      userId: t.subject ?? crypto.randomUUID(),
      tenantId: t.tenant ?? null,
      email: t.email ?? `${t.roles[0]}@${t.tenant ?? "operators"}.test`,
      displayName: null,
      roles: t.roles,
      status: "ACTIVE",
      lastLoginAt: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
  };
  return {
    db,
    deps,
    app,
    token,
    tokens: async (tenant) => ({ admin: await token({ tenant, roles: ["tenant-admin"] }), viewer: await token({ tenant, roles: ["customer"] }) }),
    async call(method, path, c = {}) {
      const headers: Record<string, string> = { ...c.headers };
      if (c.token) headers.authorization = `Bearer ${c.token}`;
      let body: string | undefined;
      if (c.raw !== undefined) body = c.raw;
      else if (c.body !== undefined) {
        body = JSON.stringify(c.body);
        headers["content-type"] ??= "application/json";
      }
      const res = await app.request(path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {}
      return { status: res.status, headers: res.headers, body: parsed as never, text };
    },
    async [Symbol.asyncDispose]() {
      await reads.end();
      await db[Symbol.asyncDispose]();
    },
  };
}
