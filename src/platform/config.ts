/**
 * Configuration: every setting is declared once here, with its flag, its PULSE_* variable,
 * its default and its zod check. This is the only module that reads `process.env`.
 * Precedence: command-line flag, then environment variable, then default.
 */
import { z } from "zod";
import { PulseError } from "./errors";

interface Setting<T> {
  describe: string;
  /** Shown in `--help` after the flag, e.g. `--database-url <url>`. */
  placeholder: string;
  /** Raw default, parsed by `schema` exactly like a flag or env value would be. */
  default?: string;
  schema: z.ZodType<T, unknown>;
  /** Values never appear in logs or error messages. */
  secret?: boolean;
}

const setting = <T>(s: Setting<T>): Setting<T> => s;

const portNumber = z.coerce
  .number({ error: "expected a port number" })
  .int({ error: "expected a whole number" })
  .min(0, { error: "expected a port from 0 to 65535" })
  .max(65535, { error: "expected a port from 0 to 65535" });

const positiveSeconds = z.coerce
  .number({ error: "expected a number of seconds" })
  .positive({ error: "expected a positive number of seconds" })
  .max(86_400, { error: "expected at most 86400 seconds" });

const intIn = (min: number, max: number, what: string) =>
  z.coerce
    .number({ error: `expected ${what}` })
    .int({ error: `expected a whole number of ${what}` })
    .min(min, { error: `expected ${min} to ${max} ${what}` })
    .max(max, { error: `expected ${min} to ${max} ${what}` });

const rate = z.coerce
  .number({ error: "expected messages per second" })
  .min(0, { error: "expected 0 (unlimited) or more messages per second" });

const urlWith = (protocols: readonly string[], example: string) =>
  z.string().refine(
    (raw) => {
      try {
        return protocols.includes(new URL(raw).protocol);
      } catch {
        return false;
      }
    },
    { error: `expected a URL like ${example}` },
  );

export const SETTINGS = {
  logLevel: setting({
    describe: "lowest level written to the log",
    placeholder: "level",
    default: "info",
    schema: z.enum(["debug", "info", "warn", "error"], { error: "expected debug, info, warn or error" }),
  }),
  logFormat: setting({
    describe: "log line format; auto is text on a terminal and json otherwise",
    placeholder: "format",
    default: "auto",
    schema: z.enum(["auto", "json", "text"], { error: "expected auto, json or text" }),
  }),
  databaseUrl: setting({
    describe: "PostgreSQL connection URL",
    placeholder: "url",
    schema: urlWith(["postgres:", "postgresql:"], "postgres://user:password@host:5432/pulse"),
    secret: true,
  }),
  dbConnectTimeout: setting({
    describe: "seconds to wait for a database connection",
    placeholder: "seconds",
    default: "10",
    schema: positiveSeconds,
  }),
  lockTimeout: setting({
    describe: "seconds a migration waits for a table lock before giving up",
    placeholder: "seconds",
    default: "60",
    schema: positiveSeconds,
  }),
  natsUrl: setting({
    describe: "NATS server URL (JetStream enabled)",
    placeholder: "url",
    default: "nats://127.0.0.1:4222",
    schema: urlWith(["nats:", "tls:"], "nats://127.0.0.1:4222"),
    secret: true,
  }),
  mqttUrl: setting({
    describe: "MQTT broker URL",
    placeholder: "url",
    default: "mqtt://127.0.0.1:1883",
    schema: urlWith(["mqtt:", "mqtts:", "ws:", "wss:"], "mqtt://127.0.0.1:1883"),
    secret: true,
  }),
  natsPrefix: setting({
    describe: "namespace for stream and subject names, to share one NATS account",
    placeholder: "prefix",
    default: "",
    schema: z.string().regex(/^([A-Za-z0-9-]{1,32})?$/, { error: "expected up to 32 letters, digits or '-'" }),
  }),
  busStorageGib: setting({
    describe: "GiB of NATS storage the streams may hold together before publishers are refused",
    placeholder: "gib",
    default: "10",
    schema: z.coerce.number({ error: "expected a number of GiB" }).positive({ error: "expected a positive number of GiB" }),
  }),
  dbPoolMax: setting({
    describe: "most database connections this process opens",
    placeholder: "n",
    default: "10",
    schema: intIn(1, 200, "connections"),
  }),
  healthHost: setting({
    describe: "address the /health, /ready and /metrics endpoint listens on",
    placeholder: "host",
    default: "0.0.0.0",
    schema: z.string().min(1, { error: "expected a host name or address" }),
  }),
  healthPort: setting({
    describe: "port of the /health, /ready and /metrics endpoint",
    placeholder: "port",
    default: "9464",
    schema: portNumber,
  }),
  ingestBatch: setting({
    describe: "most messages written to the database in one transaction",
    placeholder: "n",
    default: "1000",
    schema: intIn(1, 10_000, "messages"),
  }),
  ingestWaitMs: setting({
    describe: "milliseconds a partial batch waits for more messages",
    placeholder: "ms",
    default: "20",
    schema: intIn(1, 10_000, "milliseconds"),
  }),
  ingestConcurrency: setting({
    describe: "batches written at the same time",
    placeholder: "n",
    default: "2",
    schema: intIn(1, 32, "batches"),
  }),
  maxPayloadBytes: setting({
    describe: "largest device payload accepted, in bytes",
    placeholder: "bytes",
    default: "16384",
    // A bus message is at most 1 MiB (NATS max_payload); leave room for the metadata.
    schema: intIn(256, 524_288, "bytes"),
  }),
  deviceRate: setting({
    describe: "messages per second a device may send (0: unlimited)",
    placeholder: "n",
    default: "10",
    schema: rate,
  }),
  deviceBurst: setting({
    describe: "messages a device may send at once above its rate",
    placeholder: "n",
    default: "50",
    schema: intIn(1, 1_000_000, "messages"),
  }),
  tenantRate: setting({
    describe: "messages per second all devices of a tenant may send (0: unlimited)",
    placeholder: "n",
    default: "0",
    schema: rate,
  }),
  tenantBurst: setting({
    describe: "messages a tenant may send at once above its rate",
    placeholder: "n",
    default: "10000",
    schema: intIn(1, 10_000_000, "messages"),
  }),
  deviceCacheTtl: setting({
    describe: "seconds a device's registry entry and credentials are cached (changes apply within it)",
    placeholder: "seconds",
    default: "60",
    schema: positiveSeconds,
  }),
  maxClockSkew: setting({
    describe: "seconds a device timestamp may be ahead of the receive time",
    placeholder: "seconds",
    default: "300",
    schema: positiveSeconds,
  }),
  bridgeConnections: setting({
    describe: "MQTT connections the bridge uses; more than one shares the subscriptions (an MQTT shared subscription)",
    placeholder: "n",
    default: "1",
    schema: intIn(1, 64, "connections"),
  }),
  mqttBrokerAuth: setting({
    describe: "true when the MQTT broker authenticates every device and confines it to its own topics (EMQX with Pulse's auth and ACL hooks): the bridge then vouches for the topic's device and payloads need no provision_token. false: each payload's token is checked",
    placeholder: "bool",
    default: "false",
    schema: z.enum(["true", "false"], { error: "expected true or false" }).transform((v) => v === "true"),
  }),
  mqttClientId: setting({
    describe: "MQTT client id prefix of the bridge's persistent sessions",
    placeholder: "id",
    default: "pulse-bridge",
    schema: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, { error: "expected up to 40 letters, digits, '_' or '-'" }),
  }),
  httpHost: setting({
    describe: "address the HTTP server listens on",
    placeholder: "host",
    default: "0.0.0.0",
    schema: z.string().min(1, { error: "expected a host name or address" }),
  }),
  httpPort: setting({
    describe: "port the HTTP server listens on",
    placeholder: "port",
    default: "8080",
    schema: portNumber,
  }),
  oidcIssuer: setting({
    describe: "OIDC issuer whose tokens the API accepts (e.g. Keycloak's realm URL); empty uses Pulse's built-in issuer and local users",
    placeholder: "url",
    default: "",
    schema: z.union([z.literal(""), urlWith(["http:", "https:"], "https://sso.example.com/realms/pulse")]),
  }),
  oidcAudience: setting({
    describe: "audience (aud) the OIDC access tokens must carry",
    placeholder: "aud",
    default: "pulse-api",
    schema: z.string().min(1, { error: "expected an audience" }),
  }),
  oidcClientId: setting({
    describe: "OIDC client id the web console signs in with (authorization code + PKCE, a public client)",
    placeholder: "id",
    default: "pulse-console",
    schema: z.string().min(1, { error: "expected a client id" }).max(200),
  }),
  oidcJwksUrl: setting({
    describe: "JWKS URL of the OIDC issuer; empty reads it from the issuer's discovery document",
    placeholder: "url",
    default: "",
    schema: z.union([z.literal(""), urlWith(["http:", "https:"], "https://sso.example.com/realms/pulse/protocol/openid-connect/certs")]),
  }),
  accessTokenTtl: setting({
    describe: "seconds an access token of the built-in issuer is valid",
    placeholder: "seconds",
    default: "900",
    schema: intIn(60, 86_400, "seconds"),
  }),
  sessionTtl: setting({
    describe: "seconds a built-in sign-in session (refresh token) lasts without use",
    placeholder: "seconds",
    default: "2592000",
    schema: intIn(300, 31_536_000, "seconds"),
  }),
  apiRate: setting({
    describe: "API requests per second a tenant may make across its users (0: unlimited)",
    placeholder: "n",
    default: "100",
    schema: rate,
  }),
  apiBurst: setting({
    describe: "API requests a tenant may make at once above its rate",
    placeholder: "n",
    default: "500",
    schema: intIn(1, 1_000_000, "requests"),
  }),
  mqttHookSecret: setting({
    describe: "shared secret the MQTT broker sends in X-Internal-Auth to the auth/ACL hooks; empty disables the hooks",
    placeholder: "secret",
    default: "",
    schema: z.union([z.literal(""), z.string().min(24, { error: "expected at least 24 characters" })]),
    secret: true,
  }),
  mqttPort: setting({
    describe: "port of the embedded MQTT broker (TCP)",
    placeholder: "port",
    default: "1883",
    schema: portNumber,
  }),
  mqttWsPort: setting({
    describe: "port of the embedded MQTT broker's WebSocket listener (path /mqtt)",
    placeholder: "port",
    default: "8083",
    schema: portNumber,
  }),
  adminPassword: setting({
    describe: "password of the first admin accounts `pulse up` creates; generated and printed once when empty",
    placeholder: "password",
    default: "",
    schema: z.string().refine((p) => p === "" || p.length >= 10, { error: "expected at least 10 characters" }),
    secret: true,
  }),
  evaluateShard: setting({
    describe: "which tenants this evaluator replica owns: i/n takes every n-th of the 8 EVALUATE partitions starting at i",
    placeholder: "i/n",
    default: "0/1",
    schema: z.string().refine(
      (v) => {
        const m = /^(\d+)\/(\d+)$/.exec(v);
        return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 8 && Number(m[1]) < Number(m[2]);
      },
      { error: "expected i/n with 0 <= i < n <= 8, e.g. 0/2 and 1/2 for two replicas" },
    ),
  }),
  evaluateTickMs: setting({
    describe: "milliseconds between checks of time-based conditions (hold durations, gaps, heartbeats, escalations)",
    placeholder: "ms",
    default: "1000",
    schema: intIn(100, 60_000, "milliseconds"),
  }),
  deliverAttempts: setting({
    describe: "sends of a notification or routed message before it becomes a dead letter",
    placeholder: "n",
    default: "10",
    schema: intIn(1, 19, "attempts"),
  }),
  deliverBackoffMs: setting({
    describe: "wait before the second send attempt; each later wait doubles",
    placeholder: "ms",
    default: "1000",
    schema: intIn(10, 600_000, "milliseconds"),
  }),
  deliverMaxBackoffMs: setting({
    describe: "longest wait between send attempts",
    placeholder: "ms",
    default: "120000",
    schema: intIn(10, 3_600_000, "milliseconds"),
  }),
  deliverConcurrency: setting({
    describe: "batches of notifications and routed messages sent at once",
    placeholder: "n",
    default: "8",
    schema: intIn(1, 256, "batches"),
  }),
  egressAllow: setting({
    describe: "comma-separated CIDRs or host names that webhooks, channels and routes may reach although private (loopback, LAN, link-local)",
    placeholder: "list",
    default: "",
    schema: z.string().transform((v) => v.split(",").map((x) => x.trim()).filter(Boolean)),
  }),
  dataDir: setting({
    describe: "directory for the embedded database and broker state",
    placeholder: "dir",
    default: "./pulse-data",
    schema: z.string().min(1, { error: "expected a directory path" }),
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
type ValueOf<K extends SettingKey> = (typeof SETTINGS)[K] extends Setting<infer T> ? T : never;
export type Config<K extends SettingKey> = { readonly [P in K]: ValueOf<P> };

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const flagOf = (key: SettingKey) => `--${kebab(key)}`;
export const envOf = (key: SettingKey) => `PULSE_${kebab(key).replaceAll("-", "_").toUpperCase()}`;

/**
 * Validates the settings a command uses. `flags` holds raw strings from the command line
 * (undefined when the flag was not given). A bad or missing value throws a USAGE error whose
 * one-line message names the flag and the variable it came from.
 */
export function loadConfig<K extends SettingKey>(
  keys: readonly K[],
  flags: Partial<Record<K, string>>,
  env: Record<string, string | undefined> = process.env,
): Config<K> {
  const out: Partial<Record<K, unknown>> = {};
  for (const key of keys) {
    const s: Setting<unknown> = SETTINGS[key];
    const fromFlag = flags[key];
    const fromEnv = env[envOf(key)];
    const raw = fromFlag ?? (fromEnv === "" ? undefined : fromEnv) ?? s.default;
    const source = fromFlag !== undefined ? flagOf(key) : fromEnv ? `${envOf(key)}` : "default";
    if (raw === undefined) {
      throw new PulseError("USAGE", `missing ${flagOf(key)} (or set ${envOf(key)}): ${s.describe}`, { setting: key });
    }
    const parsed = s.schema.safeParse(raw);
    if (!parsed.success) {
      const reason = parsed.error.issues[0]?.message ?? "invalid value";
      const shown = s.secret ? "" : ` ${JSON.stringify(raw)}`;
      const from = source === flagOf(key) ? flagOf(key) : `${flagOf(key)} (from ${source})`;
      throw new PulseError("USAGE", `invalid value${shown} for ${from}: ${reason}`, { setting: key });
    }
    out[key] = parsed.data;
  }
  return out as Config<K>;
}

/** Was the setting given (flag or non-empty variable), rather than left to its default? */
export function settingGiven(key: SettingKey, flags: Partial<Record<SettingKey, string>>, env: Record<string, string | undefined> = process.env): boolean {
  return flags[key] !== undefined || Boolean(env[envOf(key)]);
}

/**
 * Run from source only (never the binary, which serves its embedded console): a web-dist/
 * built elsewhere, so tests and page work can serve their own build. Not a setting.
 */
export function consoleBuildDir(env: Record<string, string | undefined> = process.env): string | undefined {
  return env.PULSE_WEB_DIST || undefined;
}

/** For test runs: drop every PULSE_* variable except PULSE_TEST_*, and fix the time zone. */
export function isolateTestEnvironment(env: Record<string, string | undefined> = process.env): void {
  for (const name of Object.keys(env)) {
    if (name.startsWith("PULSE_") && !name.startsWith("PULSE_TEST_")) delete env[name];
  }
  env.TZ = "UTC";
}

const TestEnv = z.object({
  PULSE_TEST_DATABASE_URL: urlWith(["postgres:", "postgresql:"], "postgres://postgres@127.0.0.1:5432/postgres").default(
    "postgres://postgres@127.0.0.1:5432/postgres",
  ),
  PULSE_TEST_NATS_URL: urlWith(["nats:"], "nats://127.0.0.1:4222").default("nats://127.0.0.1:4222"),
  PULSE_TEST_MQTT_URL: urlWith(["mqtt:"], "mqtt://127.0.0.1:1883").default("mqtt://127.0.0.1:1883"),
  CI: z.string().optional(),
});

/** Settings of the test harness itself (where the throwaway databases are created). */
export function testSettings(env: Record<string, string | undefined> = process.env) {
  const t = TestEnv.parse(env);
  return {
    adminDatabaseUrl: t.PULSE_TEST_DATABASE_URL,
    natsUrl: t.PULSE_TEST_NATS_URL,
    mqttUrl: t.PULSE_TEST_MQTT_URL,
    ci: t.CI === "true" || t.CI === "1",
  };
}
