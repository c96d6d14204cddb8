/**
 * Opening the shared engines the way every long-running role does: a database whose schema
 * matches this binary (and the role's heartbeat in it), and the bus with its streams ensured.
 */
import type { Bus, StreamKey } from "./bus/bus";
import { connectJetStream } from "./bus/jetstream";
import { checkConnection, connect, type Sql } from "./db";
import type { Lifecycle } from "./lifecycle";
import type { Logger } from "./log";
import { assertSchemaReady } from "./migrate";
import { startHeartbeat } from "./heartbeat";
import { serveHealth } from "./health";
import { createMetrics } from "./metrics";

/** `heartbeat: false` for one-shot commands, which the system page should not list as roles. */
export async function openDatabase(o: { url: string; role: string; log: Logger; lifecycle: Lifecycle; max: number; heartbeat?: boolean }): Promise<Sql> {
  const sql = connect({ url: o.url, appName: `pulse-${o.role}`, log: o.log, max: o.max });
  o.lifecycle.defer(() => sql.end({ timeout: 5 }));
  await checkConnection(sql, o.url);
  await assertSchemaReady(sql);
  if (o.heartbeat !== false) await startHeartbeat(sql, { role: o.role, lifecycle: o.lifecycle, log: o.log });
  return sql;
}

export async function openBus(o: { url: string; prefix: string; storageGib: number; role: string; log: Logger; lifecycle: Lifecycle }): Promise<Bus> {
  const bus = await connectJetStream({ url: o.url, prefix: o.prefix, log: o.log, name: `pulse-${o.role}`, storageBytes: o.storageGib * 1024 ** 3 });
  o.lifecycle.defer(() => bus.close());
  return bus;
}

/** What every bus worker role (ingest, evaluate, deliver) is configured with. */
export interface WorkerEngineConfig {
  databaseUrl: string;
  dbPoolMax: number;
  natsUrl: string;
  natsPrefix: string;
  busStorageGib: number;
  healthHost: string;
  healthPort: number;
}

/** Database, bus, metrics and the /health, /ready, /metrics listener of a worker role. */
export async function openWorkerEngines(config: WorkerEngineConfig, role: string, log: Logger, lifecycle: Lifecycle, stream: StreamKey) {
  const sql = await openDatabase({ url: config.databaseUrl, role, log, lifecycle, max: config.dbPoolMax });
  const bus = await openBus({ url: config.natsUrl, prefix: config.natsPrefix, storageGib: config.busStorageGib, role, log, lifecycle });
  const metrics = createMetrics(role);
  const health = serveHealth({
    host: config.healthHost,
    port: config.healthPort,
    flag: "--health-port",
    metrics,
    checks: { database: () => sql`select 1`, bus: () => bus.backlog(stream) },
  });
  lifecycle.defer(() => health.stop());
  return { sql, bus, metrics, healthPort: health.port };
}
