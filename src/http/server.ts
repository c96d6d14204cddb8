/** `pulse serve`: wires the engines into the HTTP app and runs it until asked to stop. */
import { portError } from "../platform/health";
import type { Lifecycle } from "../platform/lifecycle";
import type { Logger } from "../platform/log";
import { createMetrics } from "../platform/metrics";
import { openBus, openDatabase } from "../platform/services";
import { openTenantReads } from "../platform/db";
import { createGuards, type GuardSettings } from "../telemetry/guards";
import { createApp } from "./app";
import { Bundler } from "../platform/bus/bundler";
import { createApiDeps, type ApiSettings } from "./api/deps";

export interface ServeConfig extends GuardSettings, ApiSettings {
  databaseUrl: string;
  dbPoolMax: number;
  natsUrl: string;
  natsPrefix: string;
  busStorageGib: number;
  httpHost: string;
  httpPort: number;
}

export async function runServe(config: ServeConfig, log: Logger, lifecycle: Lifecycle, onListening?: (port: number) => void): Promise<void> {
  // A quarter of the connections (at least one) serve one-round-trip reads; each pipelines many.
  const readClients = Math.max(1, Math.floor(config.dbPoolMax / 4));
  const sql = await openDatabase({ url: config.databaseUrl, role: "serve", log, lifecycle, max: Math.max(1, config.dbPoolMax - readClients) });
  const bus = await openBus({ url: config.natsUrl, prefix: config.natsPrefix, storageGib: config.busStorageGib, role: "serve", log, lifecycle });
  const metrics = createMetrics("serve");
  const reads = openTenantReads({ url: config.databaseUrl, appName: "pulse-serve-reads", log, clients: readClients });
  lifecycle.defer(() => reads.end());
  const bundler = new Bundler(bus);
  lifecycle.defer(() => bundler.drain());
  const app = createApp({
    log,
    metrics,
    edge: { bundler, ...createGuards(sql, config, lifecycle) },
    checks: { database: () => sql`select 1`, bus: () => bus.backlog("TELEMETRY") },
    api: await createApiDeps(sql, reads, config, log, lifecycle),
  });
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({ hostname: config.httpHost, port: config.httpPort, fetch: app.fetch, maxRequestBodySize: 16 * 1024 * 1024 });
  } catch (err) {
    throw portError(err, config.httpPort, "--http-port");
  }
  log.info("serving", { host: config.httpHost, port: server.port });
  onListening?.(server.port ?? config.httpPort);
  await new Promise<void>((resolve) => lifecycle.signal.addEventListener("abort", () => resolve(), { once: true }));
  await server.stop(); // stops accepting, lets requests in flight finish
  log.info("stopped serving");
}
