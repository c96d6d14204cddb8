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
import { registerSpa, type ConsoleOptions } from "./spa";
import { mountRoutes, type ApiDeps } from "./api/route";
import { API_ROUTES } from "./api/routes";
import { DOCS_PAGE, openApiDocument } from "./api/openapi";
import type { Principal } from "../identity/principal";
import { getConnInfo } from "hono/bun";

export interface AppDeps {
  log: Logger;
  metrics: Metrics;
  /** Device ingest endpoints; absent in API-only tests. */
  edge?: EdgeDeps;
  checks: Record<string, () => Promise<unknown>>;
  /** The REST API; absent in ingest-only tests. */
  api?: ApiDeps;
  /** Serve the web console at /app/ (with the OIDC issuer it may talk to). */
  console?: ConsoleOptions;
}

export type AppEnv = {
  Variables: { requestId: string; clientIp: string | null; principal?: Principal; countIngest: (r: EdgeResult) => void };
};

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
    c.set("clientIp", clientIp(c));
    c.set("countIngest", countIngest);
    await next();
    c.header("x-request-id", requestId);
    seconds.observe({ route: c.req.routePath, status: String(c.res.status) }, (performance.now() - started) / 1000);
  });
  app.onError((err, c) => {
    const res = problemFromError(c, err);
    if (res.status >= 500) deps.log.error("request failed", { err, requestId: c.get("requestId"), method: c.req.method, path: c.req.path });
    else deps.log.debug("request refused", { status: res.status, code: (err as { code?: string }).code, requestId: c.get("requestId"), path: c.req.path });
    return res;
  });
  app.notFound((c) => problem(c, { status: 404, code: "NOT_FOUND", detail: `no route for ${c.req.method} ${c.req.path}` }));

  registerHealth(app, deps.metrics, deps.checks);
  if (deps.edge) registerIngest(app, deps.edge);
  if (deps.api) mountRoutes(app, deps.api, API_ROUTES);
  const doc = JSON.stringify(openApiDocument(API_ROUTES));
  app.get("/api/openapi.json", () => new Response(doc, { headers: { "content-type": "application/json" } }));
  app.get("/api/docs", (c) => c.html(DOCS_PAGE));
  if (deps.console) registerSpa(app, deps.console);
  return app;
}

/** The peer address (behind Caddy, Caddy's). Requests built in-process have none. */
function clientIp(c: Parameters<typeof getConnInfo>[0]): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}
