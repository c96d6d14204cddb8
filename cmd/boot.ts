/**
 * What every subcommand does first: turn flags and PULSE_* variables into a validated config,
 * make the logger and install the signal handling.
 */
import { Option, type Command } from "commander";
import { loadConfig, SETTINGS, envOf, flagOf, type Config, type SettingKey } from "../src/platform/config";
import { createLifecycle, type Lifecycle } from "../src/platform/lifecycle";
import { createLogger, resolveLogFormat, type Logger } from "../src/platform/log";

export const GLOBAL_SETTINGS = ["logLevel", "logFormat"] as const satisfies readonly SettingKey[];

/** How device messages are checked, wherever they enter (serve and ingest). */
export const GUARD_SETTINGS = [
  "maxPayloadBytes", "deviceRate", "deviceBurst", "tenantRate", "tenantBurst", "deviceCacheTtl", "maxClockSkew",
] as const satisfies readonly SettingKey[];

/** What `serve` needs for identity, API limits and the broker hooks. */
export const EVALUATE_SETTINGS = ["evaluateShard", "evaluateTickMs"] as const satisfies readonly SettingKey[];
export const DELIVER_SETTINGS = ["deliverAttempts", "deliverBackoffMs", "deliverMaxBackoffMs", "deliverConcurrency", "egressAllow"] as const satisfies readonly SettingKey[];

export const API_SETTINGS = [
  "oidcIssuer", "oidcAudience", "oidcClientId", "oidcJwksUrl", "accessTokenTtl", "sessionTtl", "apiRate", "apiBurst", "mqttHookSecret", "egressAllow",
] as const satisfies readonly SettingKey[];

export function settingOption(key: SettingKey): Option {
  const s = SETTINGS[key];
  const dflt = "default" in s ? ` (default: ${s.default})` : "";
  return new Option(`${flagOf(key)} <${s.placeholder}>`, `${s.describe}${dflt} [env: ${envOf(key)}]`);
}

export function withSettings(cmd: Command, keys: readonly SettingKey[]): Command {
  for (const key of keys) cmd.addOption(settingOption(key));
  return cmd;
}

export interface Runtime<K extends SettingKey> extends AsyncDisposable {
  config: Config<K | (typeof GLOBAL_SETTINGS)[number]>;
  log: Logger;
  lifecycle: Lifecycle;
}

export function boot<K extends SettingKey>(svc: string, keys: readonly K[], cmd: Command): Runtime<K> {
  const flags = cmd.optsWithGlobals<Partial<Record<SettingKey, string>>>();
  const config = loadConfig([...GLOBAL_SETTINGS, ...keys], flags);
  const log = createLogger({ svc, level: config.logLevel, format: resolveLogFormat(config.logFormat) });
  const lifecycle = createLifecycle(log);
  return { config, log, lifecycle, [Symbol.asyncDispose]: () => lifecycle[Symbol.asyncDispose]() };
}
