/** `pulse ingest`: the durable TELEMETRY consumer, scaled by running more replicas. */
import type { Lifecycle } from "../../platform/lifecycle";
import type { Logger } from "../../platform/log";
import type { Metrics } from "../../platform/metrics";
import type { Bus } from "../../platform/bus/bus";
import type { Sql } from "../../platform/db";
import { openWorkerEngines, type WorkerEngineConfig } from "../../platform/services";
import { createGuards, type GuardSettings } from "../../telemetry/guards";
import { StateWriter } from "../../telemetry/state-writer";
import type { BulkLoad } from "../../telemetry/service";
import { RouteMatcher } from "../../notify/fanout";
import { announce } from "./announce";
import { handleBatch, ingestStats, type IngestDeps } from "./handler";

export interface IngestSettings extends GuardSettings {
  ingestBatch: number;
  ingestWaitMs: number;
  ingestConcurrency: number;
}

export interface IngestConfig extends IngestSettings, WorkerEngineConfig {}

export async function runIngest(config: IngestConfig, log: Logger, lifecycle: Lifecycle): Promise<void> {
  const { sql, bus, metrics, healthPort } = await openWorkerEngines(config, "ingest", log, lifecycle, "TELEMETRY");
  log.info("ingest started", { batch: config.ingestBatch, concurrency: config.ingestConcurrency, healthPort });
  await consumeTelemetry({ sql, bus, metrics }, config, log, lifecycle);
  log.info("ingest stopped");
}

/** Stores TELEMETRY from the bus until the lifecycle stops; `pulse up` runs it beside the other roles. */
export async function consumeTelemetry(e: { sql: Sql; bus: Bus; metrics: Metrics; bulkLoad?: BulkLoad }, config: IngestSettings, log: Logger, lifecycle: Lifecycle): Promise<void> {
  const { sql, bus, metrics } = e;
  metrics.gauge("pulse_bus_backlog_messages", "messages waiting in the stream, or delivered and not yet acknowledged", ["stream", "state"], async (g) => {
    const b = await bus.backlog("TELEMETRY");
    g.set({ stream: "TELEMETRY", state: "pending" }, b.pending);
    g.set({ stream: "TELEMETRY", state: "in_flight" }, b.inFlight);
  });
  const stats = ingestStats(metrics);
  const routes = new RouteMatcher(sql);
  const state = new StateWriter(sql, log, 1000, (rows, seconds) => {
    stats.stateRows.inc(rows);
    stats.stateSeconds.observe(seconds);
  });
  lifecycle.defer(() => state.close());
  metrics.gauge("pulse_ingest_state_pending_devices", "devices whose state waits for the next write", [], (g) => g.set(state.size));
  const deps: IngestDeps = {
    sql,
    state,
    ...createGuards(sql, config, lifecycle),
    log,
    stats,
    maxDeliver: bus.maxDeliver,
    bulkLoad: e.bulkLoad,
    announce: (items) => announce(bus, routes, items),
  };
  metrics.gauge("pulse_ingest_device_cache_entries", "devices held in the registry cache", [], (g) => g.set(deps.directory.size));
  await bus.consume({
    stream: "TELEMETRY",
    maxBatch: config.ingestBatch,
    maxWaitMs: config.ingestWaitMs,
    concurrency: config.ingestConcurrency,
    signal: lifecycle.signal,
    handle: (batch) => handleBatch(deps, batch, lifecycle.signal).then(() => undefined),
  });
}
