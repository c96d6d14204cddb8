/** `pulse serve`: wires the engines into the HTTP app and runs it until asked to stop. */
import type { Bus } from "../platform/bus/bus";
import { portError } from "../platform/health";
import type { Lifecycle } from "../platform/lifecycle";
import type { Logger } from "../platform/log";
import { createMetrics, type Metrics } from "../platform/metrics";
import { openBus, openDatabase } from "../platform/services";
import { openTenantReads, type Sql, type TenantReads } from "../platform/db";
import { createGuards, type GuardSettings } from "../telemetry/guards";
import { createApp } from "./app";
import { Bundler } from "../platform/bus/bundler";
import { createApiDeps, type ApiSettings } from "./api/deps";

export interface HttpSettings extends GuardSettings, ApiSettings {
  httpHost: string;
  httpPort: number;
}

export interface ServeConfig extends HttpSettings {
  databaseUrl: string;
  dbPoolMax: number;
  natsUrl: string;
  natsPrefix: string;
  busStorageGib: number;
}

export interface HttpEngines {
  sql: Sql;
  reads: TenantReads;
  bus: Bus;
  metrics: Metrics;
  /** Readiness checks beyond the database and the bus (`pulse up` adds its broker). */
  checks?: Record<string, () => Promise<unknown>>;
}

export interface HttpServer {
  port: number;
  /** Stops accepting and lets requests in flight finish. */
  stop(): Promise<void>;
}

/** Builds the app over open engines and listens; a port in use names `--http-port`. */
export async function startHttp(e: HttpEngines, config: HttpSettings, log: Logger, lifecycle: Lifecycle): Promise<HttpServer> {
  const bundler = new Bundler(e.bus);
  lifecycle.defer(() => bundler.drain());
  const app = createApp({
    log,
    metrics: e.metrics,
    edge: { bundler, ...createGuards(e.sql, config, lifecycle) },
    checks: { database: () => e.sql`select 1`, bus: () => e.bus.backlog("TELEMETRY"), ...e.checks },
    api: { ...(await createApiDeps(e.sql, e.reads, config, log, lifecycle)), bus: e.bus },
    console: { oidcIssuer: config.oidcIssuer },
  });
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({ hostname: config.httpHost, port: config.httpPort, fetch: app.fetch, maxRequestBodySize: 16 * 1024 * 1024 });
  } catch (err) {
    throw portError(err, config.httpPort, "--http-port");
  }
  log.info("serving", { host: config.httpHost, port: server.port });
  return { port: server.port ?? config.httpPort, stop: () => server.stop() };
}

export async function runServe(config: ServeConfig, log: Logger, lifecycle: Lifecycle, onListening?: (port: number) => void): Promise<void> {
  // A quarter of the connections (at least one) serve one-round-trip reads; each pipelines many.
  const readClients = Math.max(1, Math.floor(config.dbPoolMax / 4));
  const sql = await openDatabase({ url: config.databaseUrl, role: "serve", log, lifecycle, max: Math.max(1, config.dbPoolMax - readClients) });
  const bus = await openBus({ url: config.natsUrl, prefix: config.natsPrefix, storageGib: config.busStorageGib, role: "serve", log, lifecycle });
  const reads = openTenantReads({ url: config.databaseUrl, appName: "pulse-serve-reads", log, clients: readClients });
  lifecycle.defer(() => reads.end());
  const server = await startHttp({ sql, reads, bus, metrics: createMetrics("serve") }, config, log, lifecycle);
  onListening?.(server.port);
  await new Promise<void>((resolve) => lifecycle.signal.addEventListener("abort", () => resolve(), { once: true }));
  await server.stop();
  log.info("stopped serving");
}
