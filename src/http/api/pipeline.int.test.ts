/** What every API request gets: request ids, problem bodies, rate limits, the OpenAPI document. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../testing/api";
import { describePg } from "../../testing/db";
import { seedTenant } from "../../testing/fixtures";
import { API_ROUTES } from "./routes";

describePg("API pipeline", () => {
  let h: ApiHarness;
  let token: string;

  beforeAll(async () => {
    h = await apiHarness({ apiRate: 1, apiBurst: 3, publicLimit: true });
    await seedTenant(h.db.sql, "acme");
    token = await h.token({ tenant: "acme", roles: ["customer"] });
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("every response carries a request id; a caller's own id is kept", async () => {
    const mine = await h.call("GET", "/api/v1/auth/config", { headers: { "x-request-id": "trace-abc.1" } });
    expect(mine.headers.get("x-request-id")).toBe("trace-abc.1");
    const missing = await h.call("GET", "/api/v1/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.requestId).toBe(missing.headers.get("x-request-id"));
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
  });

  test("a tenant over its API rate gets 429 with Retry-After", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const r = await h.call("GET", "/api/v1/customer/sites", { token });
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get("retry-after");
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another tenant has its own budget.
    const other = await h.token({ tenant: "globex", roles: ["customer"] });
    await seedTenant(h.db.sql, "globex");
    expect((await h.call("GET", "/api/v1/customer/sites", { token: other })).status).toBe(200);
  });

  test("sign-in attempts are limited per client address", async () => {
    const attempts = Array.from({ length: 30 }, () => h.call("POST", "/api/v1/auth/login", { body: { email: "x@y.z", password: "guess" } }));
    const statuses = new Set((await Promise.all(attempts)).map((r) => r.status));
    expect([...statuses].sort()).toEqual([401, 429]);
  });

  test("the OpenAPI document lists every route, with examples that pass their own schemas", async () => {
    const doc = (await h.call("GET", "/api/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    for (const def of API_ROUTES) {
      const op = doc.paths[def.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")]?.[def.method];
      expect(op, `${def.method} ${def.path} missing from the document`).toBeDefined();
      expect(op.operationId).toBeString();
      if (def.body && def.bodyFormat !== "text") {
        expect(def.example, `${def.method} ${def.path} needs an example body`).toBeDefined();
        expect(def.body.safeParse(def.example).success, `${def.method} ${def.path}: its example is invalid`).toBe(true);
      }
    }
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops as Record<string, { operationId: string }>).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    const docs = await h.call("GET", "/api/docs");
    expect(docs.text).toContain("/api/openapi.json");
  });
});
