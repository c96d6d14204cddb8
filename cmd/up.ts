/**
 * `pulse up`: the whole platform in one process. With no configuration every engine is
 * embedded and kept in --data-dir; --database-url, --nats-url, --mqtt-url and --oidc-issuer
 * each switch one piece to the real engine.
 */
import type { Command } from "commander";
import { loadConfig, settingGiven, type SettingKey } from "../src/platform/config";
import type { UpReady } from "../src/up/main";
import { API_SETTINGS, boot, DELIVER_SETTINGS, GUARD_SETTINGS, withSettings } from "./boot";

const KEYS = [
  "dataDir", "httpHost", "httpPort", "mqttPort", "mqttWsPort", "adminPassword", "lockTimeout", "dbPoolMax",
  "natsPrefix", "busStorageGib", "mqttBrokerAuth", "mqttClientId", "bridgeConnections", "ingestBatch", "ingestWaitMs", "ingestConcurrency",
  ...GUARD_SETTINGS, ...API_SETTINGS, "evaluateTickMs",
  // egressAllow is an API setting too (test sends): one flag for both.
  ...DELIVER_SETTINGS.filter((k) => k !== "egressAllow"),
] as const;

/** Embedded unless given: their defaults (a local server) do not apply here. */
const ENGINES = ["databaseUrl", "natsUrl", "mqttUrl"] as const;

export function registerUp(program: Command): void {
  withSettings(
    program
      .command("up")
      .description("run the whole platform in one process; PostgreSQL, the bus and the MQTT broker are embedded in --data-dir unless their URLs are given")
      .option("--demo", "seed a demo fleet in the default tenant and simulate it"),
    [...KEYS, ...ENGINES],
  ).action(async (opts: { demo?: boolean }, cmd: Command) => {
    await using rt = boot("up", KEYS, cmd);
    const flags = cmd.optsWithGlobals<Partial<Record<SettingKey, string>>>();
    const engines: Partial<Record<(typeof ENGINES)[number], string>> = loadConfig(ENGINES.filter((k) => settingGiven(k, flags)), flags);
    const { runUp } = await import("../src/up/main");
    await runUp(
      {
        ...rt.config,
        // One process evaluates every tenant.
        evaluateShard: "0/1",
        databaseUrl: engines.databaseUrl ?? null,
        natsUrl: engines.natsUrl ?? null,
        mqttUrl: engines.mqttUrl ?? null,
        demo: opts.demo === true,
      },
      rt.log,
      rt.lifecycle,
      (ready) => console.log(banner(ready)),
    );
  });
}

/** What a person needs after starting: where things are and how to sign in. */
function banner(r: UpReady): string {
  const lines = [
    `Pulse is up (${r.startMs} ms).`,
    `  Console    http://localhost:${r.httpPort}/app/`,
    `  API        http://localhost:${r.httpPort}/api/v1  (docs: http://localhost:${r.httpPort}/api/docs)`,
    `  Ingest     http://localhost:${r.httpPort}/ingest/v1/tenant/{tenant}/device/{device}/telemetry`,
    r.mqttPort !== null
      ? `  MQTT       mqtt://localhost:${r.mqttPort}${r.mqttWsPort !== null ? `  ws://localhost:${r.mqttWsPort}/mqtt` : ""}`
      : `  MQTT       ${r.engines.mqtt}`,
    `  Engines    ${r.engines.database}; ${r.engines.bus}; ${r.engines.mqtt}; identity ${r.engines.identity}`,
    `  Data       ${r.dataDir}`,
  ];
  if (r.accounts) {
    lines.push(
      "",
      `  First start: created tenant "${r.accounts.tenantId}" with admin ${r.accounts.admin}, and operator ${r.accounts.operator}.`,
      r.accounts.generatedPassword
        ? `  Their password (shown once): ${r.accounts.generatedPassword}`
        : "  Their password is the one in PULSE_ADMIN_PASSWORD / --admin-password.",
    );
  }
  return lines.join("\n");
}
