/**
 * The long-running roles, one table. A built role loads its code on demand (`pulse --help` and
 * the other roles need none of it) and runs until its first signal. A role not built yet
 * validates its configuration, so deployments can be wired and checked, and then says so.
 */
import type { Command } from "commander";
import type { SettingKey } from "../src/platform/config";
import { PulseError } from "../src/platform/errors";
import type { Lifecycle } from "../src/platform/lifecycle";
import type { Logger } from "../src/platform/log";
import { VERSION } from "../src/platform/version";
import { API_SETTINGS, boot, DELIVER_SETTINGS, EVALUATE_SETTINGS, GUARD_SETTINGS, withSettings, type Runtime } from "./boot";

type Run<K extends SettingKey> = (config: Runtime<K>["config"], log: Logger, lifecycle: Lifecycle) => Promise<void>;

function registerRole<K extends SettingKey>(program: Command, name: string, summary: string, keys: readonly K[], load?: () => Promise<Run<K>>): void {
  withSettings(program.command(name).description(summary), keys).action(async (_opts, cmd: Command) => {
    await using rt = boot(name, keys, cmd);
    if (!load) throw new PulseError("NOT_BUILT", `pulse ${name} is not built yet in pulse ${VERSION}`);
    await (await load())(rt.config, rt.log, rt.lifecycle);
  });
}

const BUS = ["natsUrl", "natsPrefix", "busStorageGib"] as const;
const HEALTH = ["healthHost", "healthPort"] as const;

export function registerRoles(program: Command): void {
  registerRole(program, "serve", "HTTP API, device ingest endpoints, live updates and the web console",
    ["databaseUrl", "dbPoolMax", ...BUS, "httpHost", "httpPort", ...GUARD_SETTINGS, ...API_SETTINGS],
    async () => (await import("../src/http/server")).runServe);
  registerRole(program, "ingest", "store telemetry from the bus in PostgreSQL, quarantine what is invalid",
    ["databaseUrl", "dbPoolMax", ...BUS, ...HEALTH, "ingestBatch", "ingestWaitMs", "ingestConcurrency", ...GUARD_SETTINGS],
    async () => (await import("../src/workers/ingest/main")).runIngest);
  registerRole(program, "bridge", "republish MQTT broker traffic onto the bus, acknowledging only what the bus stored",
    ["mqttUrl", "mqttBrokerAuth", "mqttClientId", "bridgeConnections", ...BUS, ...HEALTH, "maxPayloadBytes"],
    async () => (await import("../src/workers/bridge/main")).runBridge);
  registerRole(program, "evaluate", "device status, rules and the alert lifecycle; relays alert notifications to the bus",
    ["databaseUrl", "dbPoolMax", ...BUS, ...HEALTH, ...EVALUATE_SETTINGS],
    async () => (await import("../src/workers/evaluate/main")).runEvaluate);
  registerRole(program, "deliver", "webhooks, notifications and message routes, with retries and dead letters",
    ["databaseUrl", "dbPoolMax", ...BUS, ...HEALTH, "mqttUrl", ...DELIVER_SETTINGS],
    async () => (await import("../src/workers/deliver/main")).runDeliver);
  registerRole(program, "ops", "periodic jobs: retention, exports, reports, OTA and certificates", ["databaseUrl", "natsUrl"]);
}
