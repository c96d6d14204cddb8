import type { Hono } from "hono";
import { readiness } from "../../platform/health";
import type { Metrics } from "../../platform/metrics";
import type { AppEnv } from "../app";

export function registerHealth(app: Hono<AppEnv>, metrics: Metrics, checks: Record<string, () => Promise<unknown>>): void {
  app.get("/health", (c) => c.json({ status: "ok" }));
  app.get("/ready", async (c) => {
    const r = await readiness(checks);
    return c.json({ status: r.ready ? "ready" : "not ready", checks: r.checks }, r.ready ? 200 : 503);
  });
  app.get("/metrics", async () => new Response(await metrics.render(), { headers: { "content-type": metrics.contentType } }));
}
