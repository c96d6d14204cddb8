/**
 * The HTTP application of `pulse serve`: one visible list of route groups, request ids, access
 * metrics and problem+json errors. Tests call `createApp(deps).request(…)` in-process.
 */
import { Hono } from "hono";
import type { Logger } from "../platform/log";
import { LATENCY_BUCKETS, type Metrics } from "../platform/metrics";
import type { EdgeDeps, EdgeResult } from "../telemetry/edge";
import { problem, problemFromError } from "./problem";
import { registerHealth } from "./routes/health";
import { registerIngest } from "./routes/ingest";

export interface AppDeps {
  log: Logger;
  metrics: Metrics;
  edge: EdgeDeps;
  checks: Record<string, () => Promise<unknown>>;
}

export type AppEnv = { Variables: { requestId: string; countIngest: (r: EdgeResult) => void } };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const seconds = deps.metrics.histogram("pulse_http_request_seconds", "HTTP request duration by route and status", LATENCY_BUCKETS, ["route", "status"]);
  const ingest = deps.metrics.counter("pulse_ingest_edge_total", "device messages at the HTTP edge, by result and reason", ["result", "reason"]);
  const countIngest = (r: EdgeResult) => (r.ok ? ingest.inc({ result: "accepted", reason: "" }) : ingest.inc({ result: "rejected", reason: r.code }));

  app.use(async (c, next) => {
    const started = performance.now();
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("countIngest", countIngest);
    await next();
    c.header("x-request-id", requestId);
    seconds.observe({ route: c.req.routePath, status: String(c.res.status) }, (performance.now() - started) / 1000);
  });
  app.onError((err, c) => {
    deps.log.error("request failed", { err, requestId: c.get("requestId"), path: c.req.path });
    return problemFromError(c, err);
  });
  app.notFound((c) => problem(c, { status: 404, code: "NOT_FOUND", detail: `no route for ${c.req.method} ${c.req.path}` }));

  registerHealth(app, deps.metrics, deps.checks);
  registerIngest(app, deps.edge);
  return app;
}
