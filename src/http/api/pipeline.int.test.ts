/** What every API request gets: request ids, problem bodies, rate limits, the OpenAPI document. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createLogger } from "../../platform/log";
import { apiHarness, HOOK_SECRET, type ApiHarness } from "../../testing/api";
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
      expect(def.response ?? def.produces ?? (def.status === 204 ? "no content" : undefined), `${def.method} ${def.path} declares no response`).toBeDefined();
      if (def.query && !def.query.safeParse({}).success) {
        expect(def.exampleQuery, `${def.method} ${def.path} has required query parameters: give it an exampleQuery`).toBeDefined();
        expect(def.query.safeParse(def.exampleQuery).success, `${def.method} ${def.path}: its exampleQuery is invalid`).toBe(true);
      }
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

describePg("API logs", () => {
  test("carry the request id and never a password, token or secret", async () => {
    const lines: string[] = [];
    await using h = await apiHarness({ log: createLogger({ svc: "serve", level: "debug", format: "json", write: (l) => lines.push(l) }) });
    const secrets = ["hunter2-but-longer", "prt_stolen_refresh_token_value", "pt_device_secret_value", HOOK_SECRET];
    await h.call("POST", "/api/v1/auth/login", { body: { email: "a@b.c", password: secrets[0] }, headers: { "x-request-id": "req-login-1" } });
    await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: secrets[1] } });
    await h.call("POST", "/api/v1/internal/mqtt-auth", { body: { username: "acme/d", password: secrets[2] }, headers: { "x-internal-auth": "x".repeat(HOOK_SECRET.length) } });
    await h.call("GET", "/api/v1/auth/me", { token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged" });
    const text = lines.join("\n");
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).not.toContain("forged");
    expect(lines.some((l) => JSON.parse(l).requestId === "req-login-1")).toBe(true);
  });
});
