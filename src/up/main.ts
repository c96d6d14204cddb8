/**
 * `pulse up`: every role in one process. Each engine is embedded unless its URL is given:
 * PostgreSQL (PGlite in --data-dir, on its own thread), the bus (the local bus, durable in
 * --data-dir), the MQTT broker (aedes, devices checked like the EMQX hooks check them) and
 * identity (the built-in issuer with the first accounts). The roles are the same code the
 * separate `serve`, `ingest` and `bridge` processes run.
 */
import { join } from "node:path";
import type { Bus } from "../platform/bus/bus";
import { Bundler } from "../platform/bus/bundler";
import { openLocalBus } from "../platform/bus/local";
import { checkConnection, connect, openTenantReads, pooledTenantReads, type Sql, type TenantReads } from "../platform/db";
import type { Lifecycle } from "../platform/lifecycle";
import type { Logger } from "../platform/log";
import { createMetrics, type Metrics } from "../platform/metrics";
import { assertSchemaReady, loadMigrations, migrate } from "../platform/migrate";
import { startEmbeddedPostgres } from "../platform/pglite";
import { openBus } from "../platform/services";
import { startHeartbeat } from "../platform/heartbeat";
import { deviceCredentialValid, deviceIdentity, topicAllowed } from "../devices/credentials";
import { startHttp, type HttpSettings } from "../http/server";
import { toFrame } from "../workers/bridge/handler";
import { startBridge } from "../workers/bridge/main";
import { consumeTelemetry, type IngestSettings } from "../workers/ingest/main";
import { evaluate, type EvaluateSettings } from "../workers/evaluate/main";
import { consumeDeliveries, type DeliverRoleSettings } from "../workers/deliver/main";
import type { Republish } from "../workers/deliver/routes";
import type { BulkLoad } from "../telemetry/service";
import { ensureFirstAccounts, type FirstAccounts } from "./accounts";
import { startBroker } from "./broker";
import { lockDataDir } from "./data-dir";
import { startDemo } from "./demo";

export interface UpConfig extends HttpSettings, IngestSettings, EvaluateSettings, DeliverRoleSettings {
  dataDir: string;
  /** null: the embedded engine. */
  databaseUrl: string | null;
  natsUrl: string | null;
  mqttUrl: string | null;
  natsPrefix: string;
  busStorageGib: number;
  mqttClientId: string;
  mqttBrokerAuth: boolean;
  bridgeConnections: number;
  mqttPort: number;
  mqttWsPort: number;
  adminPassword: string;
  dbPoolMax: number;
  lockTimeout: number;
  demo: boolean;
}

/** What a started platform tells its user (and tests) once it is ready. */
export interface UpReady {
  httpPort: number;
  mqttPort: number | null;
  mqttWsPort: number | null;
  dataDir: string;
  engines: { database: string; bus: string; mqtt: string; identity: string };
  accounts: FirstAccounts | null;
  startMs: number;
}

/**
 * The local bus holds what waits for ingest in memory (and on disk), so its budget is
 * --bus-storage-gib capped well inside the process's memory; a full stream refuses publishes,
 * which the edges turn into 503s and withheld PUBACKs.
 */
const LOCAL_BUS_MAX_BYTES = 256 * 1024 * 1024;

interface Database {
  sql: Sql;
  reads: TenantReads;
  name: string;
  /** The embedded engine's socket cannot take COPY FROM STDIN. */
  bulkLoad: BulkLoad;
}

async function openDatabase(config: UpConfig, log: Logger, lifecycle: Lifecycle): Promise<Database> {
  let url = config.databaseUrl;
  let pool = config.dbPoolMax;
  let readClients = Math.max(1, Math.floor(pool / 4));
  if (!url) {
    const pg = await startEmbeddedPostgres({ dataDir: join(config.dataDir, "postgres"), runDir: join(config.dataDir, "run"), log });
    lifecycle.defer(() => pg.close());
    url = pg.url;
    pool = pg.maxConnections;
    readClients = 0;
  }
  const sql = connect({ url, appName: "pulse-up", log, max: Math.max(1, pool - readClients) });
  lifecycle.defer(() => sql.end({ timeout: 5 }));
  await checkConnection(sql, url);
  const applied = await migrate(sql, loadMigrations(), { log, signal: lifecycle.signal, lockTimeoutSeconds: config.lockTimeout });
  if (applied.length > 0) log.info("database migrated", { applied: applied.length });
  await assertSchemaReady(sql);
  if (readClients === 0) return { sql, reads: pooledTenantReads(sql), name: "embedded PostgreSQL (PGlite)", bulkLoad: "insert" };
  const reads = openTenantReads({ url, appName: "pulse-up-reads", log, clients: readClients });
  lifecycle.defer(() => reads.end());
  return { sql, reads, name: "PostgreSQL", bulkLoad: "copy" };
}

async function openUpBus(config: UpConfig, log: Logger, lifecycle: Lifecycle): Promise<{ bus: Bus; name: string }> {
  if (config.natsUrl) {
    const bus = await openBus({ url: config.natsUrl, prefix: config.natsPrefix, storageGib: config.busStorageGib, role: "up", log, lifecycle });
    return { bus, name: "NATS JetStream" };
  }
  const bus = openLocalBus({ dir: join(config.dataDir, "bus"), log, storageBytes: Math.min(config.busStorageGib * 1024 ** 3, LOCAL_BUS_MAX_BYTES) });
  lifecycle.defer(() => bus.close());
  return { bus, name: "local bus" };
}

/** The embedded broker: devices authenticate with their token and publish under their own topics. */
async function startEmbeddedBroker(config: UpConfig, e: { sql: Sql; bus: Bus; metrics: Metrics }, log: Logger, lifecycle: Lifecycle) {
  const bundler = new Bundler(e.bus);
  lifecycle.defer(() => bundler.drain());
  const messages = e.metrics.counter("pulse_mqtt_messages_total", "device MQTT messages stored on the bus before their PUBACK", ["result"]);
  const broker = await startBroker({
    host: config.httpHost,
    tcpPort: config.mqttPort,
    wsPort: config.mqttWsPort,
    tcpFlag: "--mqtt-port",
    wsFlag: "--mqtt-ws-port",
    log,
    authenticate: async ({ username, password }) => {
      const id = deviceIdentity(username);
      if (!id || !password) return false;
      return deviceCredentialValid(e.sql, { ...id, token: password.toString("utf8") });
    },
    authorize: ({ username, topic }) => {
      const id = deviceIdentity(username);
      return id !== null && topicAllowed(topic, id);
    },
    onPublish: async (topic, payload) => {
      const out = toFrame(topic, payload, Date.now(), config.maxPayloadBytes, true);
      await bundler.add(out.stream, out.tenant, out.frame);
      messages.inc({ result: out.rejected ? "rejected" : "forwarded" });
    },
  });
  lifecycle.defer(() => broker.close());
  return broker;
}

export async function runUp(config: UpConfig, log: Logger, lifecycle: Lifecycle, onReady?: (r: UpReady) => void): Promise<void> {
  const started = performance.now();
  const unlock = lockDataDir(config.dataDir);
  lifecycle.defer(unlock);
  const metrics = createMetrics("up");
  const db = await openDatabase(config, log, lifecycle);
  const { bus, name: busName } = await openUpBus(config, log, lifecycle);
  const accounts = config.oidcIssuer ? null : await ensureFirstAccounts(db.sql, config.adminPassword);

  let mqtt: { check: () => Promise<void>; tcpPort: number | null; wsPort: number | null; name: string; republish: Republish | null };
  if (config.mqttUrl) {
    const bridge = startBridge({ bus, metrics }, { ...config, mqttUrl: config.mqttUrl }, log, lifecycle);
    mqtt = { check: bridge.check, tcpPort: null, wsPort: null, name: `MQTT broker at ${new URL(config.mqttUrl).host}`, republish: null };
  } else {
    const broker = await startEmbeddedBroker(config, { sql: db.sql, bus, metrics }, log, lifecycle);
    mqtt = { check: async () => {}, tcpPort: broker.tcpPort, wsPort: broker.wsPort, name: "embedded MQTT broker", republish: broker.publish };
  }
  const http = await startHttp({ sql: db.sql, reads: db.reads, bus, metrics, checks: { mqtt: mqtt.check } }, config, log, lifecycle);
  // Ingest failing for good (not an outage: those it rides out) stops the whole process.
  const fatal = (role: string) => (err: unknown) => {
    lifecycle.stop(`${role} failed`);
    throw err;
  };
  const workers = Promise.all([
    consumeTelemetry({ sql: db.sql, bus, metrics, bulkLoad: db.bulkLoad }, config, log, lifecycle).catch(fatal("ingest")),
    evaluate({ sql: db.sql, bus, metrics }, config, log, lifecycle).catch(fatal("evaluate")),
    consumeDeliveries({ sql: db.sql, bus, metrics, republish: mqtt.republish }, config, log, lifecycle).catch(fatal("deliver")),
  ]);
  // One row for the process: its parts start and stop together (a failing one stops them all).
  await startHeartbeat(db.sql, { role: "up", lifecycle, log, info: { parts: ["serve", "ingest", "evaluate", "deliver", config.mqttUrl ? "bridge" : "broker"] } });

  const ready: UpReady = {
    httpPort: http.port,
    mqttPort: mqtt.tcpPort,
    mqttWsPort: mqtt.wsPort,
    dataDir: config.dataDir,
    engines: { database: db.name, bus: busName, mqtt: mqtt.name, identity: config.oidcIssuer ? `OIDC issuer ${config.oidcIssuer}` : "built-in" },
    accounts,
    startMs: Math.round(performance.now() - started),
  };
  onReady?.(ready);
  log.info("pulse is up", { ...ready, accounts: accounts ? { admin: accounts.admin, operator: accounts.operator } : null });
  if (config.demo) {
    await startDemo({ sql: db.sql, log, signal: lifecycle.signal, httpPort: http.port, mqttPort: mqtt.tcpPort });
  }

  await new Promise<void>((resolve) => lifecycle.signal.addEventListener("abort", () => resolve(), { once: true }));
  await http.stop();
  await workers;
  log.info("pulse stopped");
}
