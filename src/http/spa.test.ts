/**
 * The console's HTTP side: pages fall back to index.html uncached, hashed assets are immutable,
 * a missing asset is a 404 problem (not HTML), paths cannot climb out, and every answer carries
 * the content security policy.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "./app";
import { createMetrics } from "../platform/metrics";
import { quietLog } from "../testing/db";

let dir: string;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pulse-spa-"));
  await mkdir(join(dir, "assets"));
  await writeFile(join(dir, "index.html"), '<!doctype html><div id="root"></div><script type="module" src="/app/assets/index-abc123.js"></script>');
  await writeFile(join(dir, "assets/index-abc123.js"), "console.log('pulse')");
  await writeFile(join(dir, "assets/index-def456.css"), "body{}");
  await writeFile(join(dir, "secret.txt"), "not an asset");
  app = createApp({ log: quietLog, metrics: createMetrics("serve"), checks: {}, console: { oidcIssuer: "https://sso.example.com/realms/pulse", dir } });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test("a page of the console, at any depth, is index.html and never cached", async () => {
  for (const path of ["/app/", "/app/devices/d-1", "/app/operator/tenants?status=ACTIVE"]) {
    const r = await app.request(path);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(r.headers.get("cache-control")).toBe("no-cache");
    expect(await r.text()).toContain('<div id="root">');
  }
});

test("hashed assets are immutable with their own content types", async () => {
  const js = await app.request("/app/assets/index-abc123.js");
  expect([js.status, js.headers.get("content-type"), js.headers.get("cache-control")]).toEqual([200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"]);
  expect(await js.text()).toBe("console.log('pulse')");
  const css = await app.request("/app/assets/index-def456.css");
  expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
});

test("a missing asset is a 404 problem, not the page; nothing outside assets/ is served as one", async () => {
  const r = await app.request("/app/assets/index-000000.js");
  expect(r.status).toBe(404);
  expect(r.headers.get("content-type")).toBe("application/problem+json");
  expect((await r.json()).detail).toBe("no console asset assets/index-000000.js");
  for (const path of ["/app/assets/../secret.txt", "/app/assets/%2e%2e/secret.txt", "/app/assets//etc/passwd"]) {
    const t = await (await app.request(path)).text();
    expect(t).not.toContain("not an asset");
    expect(t).not.toContain("root:");
  }
});

test("the root and /app lead to the console", async () => {
  expect((await app.request("/")).headers.get("location")).toBe("/app/");
  expect((await app.request("/app")).headers.get("location")).toBe("/app/");
});

test("scripts and connections only to this origin and the OIDC issuer; no framing", async () => {
  const csp = (await app.request("/app/")).headers.get("content-security-policy")!;
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("connect-src 'self' https://sso.example.com");
  expect(csp).toContain("frame-ancestors 'none'");
  expect((await app.request("/app/assets/index-abc123.js")).headers.get("x-content-type-options")).toBe("nosniff");
});

test("the API's unknown paths stay problem+json 404s", async () => {
  const r = await app.request("/api/v1/nothing-here");
  expect(r.status).toBe(404);
  expect(r.headers.get("content-type")).toBe("application/problem+json");
});
