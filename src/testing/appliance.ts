/**
 * The appliance's topology on loopback, from Debian packages and the files `appliance/` ships:
 * PostgreSQL prepared by the shipped init script (password logins), `pulse migrate` straight to
 * it, PgBouncer with the shipped pgbouncer.ini, NATS with the shipped nats.conf, Mosquitto
 * standing in for EMQX, Caddy with the shipped Caddyfile, and each Pulse role a process of the
 * compiled binary with the environment `docker-compose config` gives its service (host names
 * mapped to loopback ports), checked ready with `pulse probe` as the compose healthchecks do.
 * Keycloak is stood in for by the test issuer: serve verifies tokens against its keys, at
 * Keycloak's JWKS path, with the issuer the compose file names.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startIdp, type TestIdp } from "./idp";
import { childEngine, findBinary, launched, logTail, type ManagedServer, makeDir, manage, run, speaks } from "./server-process";
import { freePort, startMosquitto, startPostgres } from "./servers";

const ROOT = join(import.meta.dir, "../..");
const APPLIANCE = join(ROOT, "appliance");
/** What scripts/appliance-secrets writes; never copied from the checkout. */
export const GENERATED = [".env", "pgbouncer/userlist.txt", "emqx/users.csv", "emqx/secrets.hocon", "certs"];
export const DOMAIN = "localhost";
const tool = (name: string, pkg: string) => findBinary(name, `apt-get install ${pkg}`);

export interface RoleProcess {
  /** serve, ingest-1, ingest-2, evaluate, bridge, deliver */
  name: string;
  server: ManagedServer;
  /** the port `pulse probe` checks: serve's HTTP port, the others' health port */
  port: number;
}

export interface Appliance extends AsyncDisposable {
  /** Caddy: https://localhost:PORT (its own internal CA; `ca` is the root to trust) */
  url: string;
  ca: string;
  /** Mosquitto, where devices connect (EMQX in the appliance) */
  mqttUrl: string;
  /** NATS's monitoring endpoint (http_port in nats.conf) */
  natsMonitorUrl: string;
  /** PostgreSQL as superuser, for what a test sets up or checks beneath Pulse */
  superuserUrl: string;
  pgbouncerPort: number;
  /** the `.env` scripts/appliance-secrets generated */
  env: Record<string, string>;
  roles: RoleProcess[];
  idp: TestIdp;
  /** the issuer the compose file configures (tokens must carry it) */
  issuer: string;
  /** the last lines of every process's log, for a failure message */
  logs(lines?: number): string;
}

export interface ApplianceOptions {
  binary: string;
  ingestReplicas?: number;
  /** PostgreSQL settings (a benchmark wants fsync on) */
  pgSettings?: string[];
  /** added to every role's environment */
  roleEnv?: Record<string, string>;
}

export const envValues = (file: string) =>
  Object.fromEntries(readFileSync(file, "utf8").split("\n").filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

/** `text` with each `from` replaced; a shipped file that no longer holds one fails loudly instead of running unchanged. */
function rewrite(what: string, text: string, pairs: Array<[string | RegExp, string]>): string {
  return pairs.reduce((t, [from, to]) => {
    if (!(typeof from === "string" ? t.includes(from) : from.test(t))) throw new Error(`${what} no longer contains ${String(from)}`);
    return t.replace(from, to);
  }, text);
}

/** The shipped pgbouncer.ini for loopback: PostgreSQL at `host` (a socket directory or address), listening on 127.0.0.1:`listenPort`. */
export const localPgbouncerIni = (shipped: string, o: { host: string; port: number; listenPort: number; userlist: string }) =>
  rewrite("pgbouncer.ini", shipped, [["host=timescaledb port=5432", `host=${o.host} port=${o.port}`], ["listen_addr = 0.0.0.0", "listen_addr = 127.0.0.1"],
    ["listen_port = 6432", `listen_port = ${o.listenPort}`], ["/etc/pgbouncer/userlist.txt", o.userlist]]);

/** A copy of appliance/ with fresh secrets, and the services as docker-compose resolves them. */
async function configure(work: string) {
  const dir = join(work, "appliance");
  cpSync(APPLIANCE, dir, { recursive: true, filter: (src) => !GENERATED.some((g) => src === join(APPLIANCE, g)) });
  const secrets = await run(["sh", join(ROOT, "scripts/appliance-secrets"), "--domain", DOMAIN, dir], ROOT);
  if (secrets.code !== 0) throw new Error(`appliance-secrets failed:\n${secrets.output}`);
  const compose = Bun.spawnSync([tool("docker-compose", "docker-compose"), "-f", join(dir, "compose.yaml"), "--env-file", join(dir, ".env"), "config"],
    { cwd: dir, env: { PATH: "/usr/bin:/bin", HOME: work }, stdout: "pipe", stderr: "pipe" });
  if (compose.exitCode !== 0) throw new Error(`docker-compose config failed:\n${compose.stderr.toString()}`);
  const services = (Bun.YAML.parse(compose.stdout.toString()) as { services: Record<string, { environment?: Record<string, string>; deploy?: { replicas?: number } }> }).services;
  return { dir, env: envValues(join(dir, ".env")), services };
}

/** A process of ours in a directory of its own (log, pid file for the watchdog), ready when `ready` says so. */
function managedProcess(name: string, argv: string[], port: number, env: Record<string, string>, ready: () => Promise<boolean>): ManagedServer {
  const dir = makeDir(`appliance-${name}`);
  const logFile = join(dir, "server.log");
  return manage({ url: `http://127.0.0.1:${port}`, port, dir, logFile, engine: childEngine(name, argv, port, logFile, ready, env) });
}

export async function startAppliance(o: ApplianceOptions): Promise<Appliance> {
  const owned: ManagedServer[] = [];
  const roles: RoleProcess[] = [];
  const work = makeDir("appliance");
  let idp: TestIdp | undefined;
  const own = async (s: Promise<ManagedServer>) => {
    const server = await s;
    owned.push(server);
    return server;
  };
  const logs = (lines = 30) => owned.map((s) => logTail(s.logFile, lines)).join("\n");
  const dispose = async () => {
    // Roles first (they drain into the bus and the database), then what they use.
    for (const r of [...roles].reverse()) await r.server.dispose().catch(() => undefined);
    await Promise.all(owned.filter((s) => !roles.some((r) => r.server === s)).map((s) => s.dispose().catch(() => undefined)));
    await idp?.[Symbol.asyncDispose]();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const { dir, env, services } = await configure(work);
    const pg = await own(startPostgres({ settings: o.pgSettings }));
    const [pgbouncerPort, natsPort, natsHttp, https, http, admin, servePort] = [await freePort(), await freePort(), await freePort(),
      await freePort(), await freePort(), await freePort(), await freePort()];

    // The init script, as the timescaledb image runs it on first start; then password logins only.
    const initRun = Bun.spawnSync(["bash", join(dir, "timescaledb/init/10-pulse.sh")], {
      env: { PATH: "/usr/bin:/bin", PGHOST: "127.0.0.1", PGPORT: String(pg.port), PGUSER: "postgres", PULSE_DB_PASSWORD: env.PULSE_DB_PASSWORD!,
        PULSE_DB_STATS_PASSWORD: env.PULSE_DB_STATS_PASSWORD!, KEYCLOAK_DB_PASSWORD: env.KEYCLOAK_DB_PASSWORD! },
      stdout: "pipe", stderr: "pipe" });
    if (initRun.exitCode !== 0) throw new Error(`timescaledb/init/10-pulse.sh failed:\n${initRun.stderr.toString()}`);
    const hba = (pulseOverTcp: "scram-sha-256" | "reject") => {
      writeFileSync(join(pg.dir, "data/pg_hba.conf"), ["local all postgres trust", "local all pulse,pulse_stats scram-sha-256",
        "host all postgres 127.0.0.1/32 trust", `host all pulse,pulse_stats 127.0.0.1/32 ${pulseOverTcp}`, ""].join("\n"));
      const reload = Bun.spawnSync(["psql", "-X", "-At", "-h", "127.0.0.1", "-p", String(pg.port), "-U", "postgres", "-c", "select pg_reload_conf()"], { env: { PATH: "/usr/bin:/bin" } });
      if (reload.exitCode !== 0) throw new Error(`pg_reload_conf failed: ${reload.stderr.toString()}`);
    };
    hba("scram-sha-256");

    // Compose host names → loopback ports.
    idp = await startIdp("pulse-api");
    const idpHost = new URL(idp.issuer).host;
    const hosts: Record<string, string> = {
      "timescaledb:5432": `127.0.0.1:${pg.port}`, "pgbouncer:6432": `127.0.0.1:${pgbouncerPort}`, "nats:4222": `127.0.0.1:${natsPort}`,
      "keycloak:8080": idpHost,
    };
    const mosquitto = await own(startMosquitto());
    hosts["emqx:1883"] = new URL(mosquitto.url).host;
    const local = (value: string) => Object.entries(hosts).reduce((v, [from, to]) => v.replaceAll(`@${from}`, `@${to}`).replaceAll(`//${from}/`, `//${to}/`), value);
    const serviceEnv = (name: string) => Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, local(String(v))]));
    const binary = o.binary;

    // Migrate first, straight to PostgreSQL as `pulse`, as the compose file's one-shot does.
    const migrateEnv = serviceEnv("migrate");
    const migrate = Bun.spawnSync([binary, "migrate"], { env: { PATH: "/usr/bin:/bin", HOME: work, ...migrateEnv }, stdout: "pipe", stderr: "pipe" });
    if (migrate.exitCode !== 0) throw new Error(`pulse migrate failed (${migrate.exitCode}):\n${migrate.stderr.toString()}`);
    // From here `pulse` reaches PostgreSQL only over its Unix socket, which only PgBouncer uses:
    // a role that bypassed the pooler would be refused, not quietly work.
    hba("reject");

    // PgBouncer with the shipped settings, pointed at PostgreSQL's socket; it reads the 0600 auth file as
    // root and then runs as postgres, as in compose.
    const bouncerDir = join(work, "pgbouncer");
    mkdirSync(bouncerDir);
    cpSync(join(dir, "pgbouncer/userlist.txt"), join(bouncerDir, "userlist.txt"));
    writeFileSync(join(bouncerDir, "pgbouncer.ini"), localPgbouncerIni(readFileSync(join(dir, "pgbouncer/pgbouncer.ini"), "utf8"),
      { host: pg.dir, port: pg.port, listenPort: pgbouncerPort, userlist: join(bouncerDir, "userlist.txt") }));
    const asUser = process.getuid?.() === 0 ? ["-u", "postgres"] : [];
    // PostgreSQL's protocol: an SSLRequest is answered with one byte, 'N' (PgBouncer here has no TLS).
    const pgReady = (port: number) => () => speaks(port, { hello: Buffer.from("0000000804d2162f", "hex"), expect: Buffer.from("N") });
    const bouncing = own(launched(managedProcess("pgbouncer", [tool("pgbouncer", "pgbouncer"), ...asUser, join(bouncerDir, "pgbouncer.ini")], pgbouncerPort, {}, pgReady(pgbouncerPort))));

    // NATS with the shipped nats.conf; Debian's 2.9 does not know `sync_interval` (2.10+), the one line dropped.
    const natsConf = join(work, "nats.conf");
    writeFileSync(natsConf, rewrite("nats.conf", readFileSync(join(dir, "nats/nats.conf"), "utf8"),
      [[/^\s*sync_interval:.*\n/m, ""], ["/data/jetstream", join(work, "nats-store")]]));
    const natsArgv = [tool("nats-server", "nats-server"), "-c", natsConf, "-a", "127.0.0.1", "-p", String(natsPort), "-m", String(natsHttp)];
    const natsUp = async () => (await fetch(`http://127.0.0.1:${natsHttp}/healthz?js-enabled-only=true`).then((r) => r.ok).catch(() => false));
    const natsing = own(launched(managedProcess("nats", natsArgv, natsPort, { PULSE_NATS_PASSWORD: env.PULSE_NATS_PASSWORD! }, natsUp)));
    await Promise.all([bouncing, natsing]);

    // Every role, with its service's environment; ready when `pulse probe` says so.
    const probe = (port: number) => async () => (await Bun.spawn([binary, "probe", String(port)], { stdout: "ignore", stderr: "ignore" }).exited) === 0;
    // Mosquitto, unlike EMQX with Pulse's hooks, lets anyone publish: the bridge must not vouch
    // for devices here (PULSE_MQTT_BROKER_AUTH), so each payload carries its token.
    const standIn: Record<string, Record<string, string>> = { bridge: { PULSE_MQTT_BROKER_AUTH: "false" } };
    const role = async (name: string, service: string, extra: Record<string, string>, port: number) => {
      const roleEnv = { HOME: work, ...serviceEnv(service), PULSE_HEALTH_HOST: "127.0.0.1", PULSE_HEALTH_PORT: String(port), ...standIn[service], ...extra, ...o.roleEnv };
      const server = await own(launched(managedProcess(name, [binary, service], port, roleEnv, probe(port))));
      roles.push({ name, server, port });
    };
    await role("serve", "serve", { PULSE_HTTP_HOST: "127.0.0.1", PULSE_HTTP_PORT: String(servePort), PULSE_HEALTH_PORT: String(servePort) }, servePort);
    const replicas = o.ingestReplicas ?? services.ingest?.deploy?.replicas ?? 1;
    await Promise.all([
      ...Array.from({ length: replicas }, async (_, i) => role(`ingest-${i + 1}`, "ingest", {}, await freePort())),
      ...["evaluate", "bridge", "deliver"].map(async (r) => role(r, r, {}, await freePort())),
    ]);

    // Caddy with the shipped Caddyfile in front of serve and the stand-in Keycloak.
    const xdg = join(work, "caddy");
    const caddyEnv = { HOME: xdg, XDG_DATA_HOME: xdg, XDG_CONFIG_HOME: xdg, PULSE_DOMAIN: DOMAIN, PULSE_TLS: "internal",
      CADDY_HTTP_PORT: String(http), CADDY_HTTPS_PORT: String(https), CADDY_ADMIN: `127.0.0.1:${admin}`, SERVE_UPSTREAM: `127.0.0.1:${servePort}`,
      KEYCLOAK_UPSTREAM: idpHost, GRAFANA_UPSTREAM: "127.0.0.1:9", EMQX_WS_UPSTREAM: "127.0.0.1:9" };
    const ca = join(xdg, "caddy/pki/authorities/local/root.crt");
    const caddyReady = async () => (await Bun.file(ca).exists()) && (await fetch(`https://${DOMAIN}:${https}/ready`, { tls: { ca: await Bun.file(ca).text() } }).then((r) => r.ok).catch(() => false));
    await own(launched(managedProcess("caddy", [tool("caddy", "caddy"), "run", "--config", join(dir, "caddy/Caddyfile"), "--adapter", "caddyfile"], https, caddyEnv, caddyReady)));

    return {
      url: `https://${DOMAIN}:${https}`,
      ca: readFileSync(ca, "utf8"),
      mqttUrl: mosquitto.url,
      natsMonitorUrl: `http://127.0.0.1:${natsHttp}`,
      superuserUrl: pg.url.replace(/\/postgres$/, "/pulse"),
      pgbouncerPort,
      env,
      roles,
      idp,
      issuer: serviceEnv("serve").PULSE_OIDC_ISSUER!,
      logs,
      [Symbol.asyncDispose]: dispose,
    };
  } catch (err) {
    const tail = logs(15);
    await dispose();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tail}`);
  }
}
