/**
 * appliance/compose.yaml and the core configs, checked with the real tools this machine has:
 * docker-compose 1.29 (no engine needed for `config`), caddy 2.6, pgbouncer 1.18, nats-server
 * 2.9 and PostgreSQL 15. A missing tool fails the test with the package to install.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { envValues, GENERATED, localPgbouncerIni } from "../../src/testing/appliance";
import { findBinary } from "../../src/testing/server-process";
import { freePort, type ManagedServer, startPostgres } from "../../src/testing/servers";

const ROOT = join(import.meta.dir, "../..");
const APPLIANCE = join(ROOT, "appliance");
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const ROLES = ["migrate", "serve", "ingest", "evaluate", "bridge", "deliver", "ops"];
const SERVICES = [...ROLES, "timescaledb", "pgbouncer", "nats", "emqx", "minio", "minio-init", "keycloak", "caddy",
  "prometheus", "grafana", "postgres-exporter", "pgbouncer-exporter", "nats-exporter"];
const ONE_SHOTS = ["migrate", "minio-init"];
const SECRETS = ["POSTGRES_PASSWORD", "PULSE_DB_PASSWORD", "PULSE_DB_STATS_PASSWORD", "KEYCLOAK_DB_PASSWORD",
  "KEYCLOAK_ADMIN_PASSWORD", "PULSE_FIRST_ADMIN_PASSWORD", "PULSE_NATS_PASSWORD", "PULSE_MQTT_HOOK_SECRET",
  "PULSE_MQTT_BRIDGE_PASSWORD", "PULSE_MQTT_DELIVER_PASSWORD", "EMQX_NODE_COOKIE", "EMQX_DASHBOARD_PASSWORD",
  "MINIO_ROOT_PASSWORD", "GRAFANA_ADMIN_PASSWORD"];

const tool = (name: string, pkg: string) => findBinary(name, `apt-get install ${pkg}`);
const tmp = (kind: string) => mkdtempSync(`/tmp/pulse-appliance-${kind}-`);
const mode = (file: string) => statSync(file).mode & 0o777;

function run(argv: string[], env: Record<string, string> = {}, cwd = ROOT) {
  const p = Bun.spawnSync(argv, { cwd, env: { PATH, HOME: "/tmp", ...env }, stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

const compose = (dir: string, envFile: string, ...args: string[]) =>
  run([tool("docker-compose", "docker-compose"), "-f", join(dir, "compose.yaml"), "--env-file", envFile, ...args]);


// docker-compose's resolved YAML, read loosely: the assertions say what each field must be.
type Service = Record<string, any>;
let resolved: Record<string, Service>;
let raw: { services: Record<string, Service> };

beforeAll(() => {
  const r = compose(APPLIANCE, join(APPLIANCE, ".env.example"), "config");
  if (r.code !== 0) throw new Error(`docker-compose config failed:\n${r.err}`);
  resolved = (Bun.YAML.parse(r.out) as { services: Record<string, Service> }).services;
  raw = Bun.YAML.parse(readFileSync(join(APPLIANCE, "compose.yaml"), "utf8")) as typeof raw;
});

describe("compose.yaml", () => {
  test("docker-compose validates it with .env.example", () => {
    const r = compose(APPLIANCE, join(APPLIANCE, ".env.example"), "config", "-q");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  test("has exactly the services of the design, all on the pulse network with rotated json logs", () => {
    expect(Object.keys(resolved).sort()).toEqual([...SERVICES].sort());
    for (const [name, s] of Object.entries(resolved)) {
      expect({ name, networks: Object.keys(s.networks) }).toEqual({ name, networks: ["pulse"] });
      expect({ name, logging: s.logging }).toEqual({ name, logging: { driver: "json-file", options: { "max-size": "20m", "max-file": "5" } } });
    }
  });

  test("restart policies, resource limits and healthchecks", () => {
    for (const [name, s] of Object.entries(resolved)) {
      const limits = s.deploy?.resources?.limits ?? {};
      expect({ name, cpus: Number(limits.cpus) > 0, memory: /^\d+[mg]$/.test(String(limits.memory)) }).toEqual({ name, cpus: true, memory: true });
      if (ONE_SHOTS.includes(name)) {
        expect({ name, restart: s.restart }).toEqual({ name, restart: name === "migrate" ? "no" : "on-failure:5" });
        // `healthcheck: disable: true`, as docker-compose resolves it: the image's probe does not apply.
        expect({ name, healthcheck: s.healthcheck }).toEqual({ name, healthcheck: { test: ["NONE"] } });
        continue;
      }
      expect({ name, restart: s.restart }).toEqual({ name, restart: "unless-stopped" });
      // nats-exporter's image is the static binary alone: nothing inside could run a probe.
      if (name === "nats-exporter") expect(s.healthcheck).toBeUndefined();
      else expect({ name, test: s.healthcheck?.test?.[0] }).toEqual({ name, test: expect.stringMatching(/^CMD(-SHELL)?$/) });
    }
  });

  test("Pulse roles: one image, migrate first, pulse probe health, drain time", () => {
    for (const role of ROLES) {
      const s = resolved[role]!;
      expect({ role, image: s.image, command: s.command, grace: s.stop_grace_period })
        .toEqual({ role, image: "pulse:0.1.0", command: [role], grace: "30s" });
      if (role === "migrate") continue;
      expect({ role, migrate: s.depends_on.migrate }).toEqual({ role, migrate: { condition: "service_completed_successfully" } });
      const port = role === "serve" ? "8080" : "9464";
      expect(s.healthcheck.test).toEqual(["CMD", "/usr/local/bin/pulse", "probe", port]);
    }
    expect(resolved.ingest!.deploy.replicas).toBe(2);
    expect(resolved.ops!.profiles).toEqual(["ops"]);
    expect(resolved.migrate!.environment.PULSE_DATABASE_URL).toBe("postgres://pulse:change-me@timescaledb:5432/pulse");
    for (const role of ["serve", "ingest", "evaluate", "deliver"]) {
      expect(resolved[role]!.environment.PULSE_DATABASE_URL).toBe("postgres://pulse:change-me@pgbouncer:6432/pulse?prepare=false");
      expect(resolved[role]!.environment.PULSE_NATS_URL).toBe("nats://pulse:change-me@nats:4222");
    }
    expect(resolved.bridge!.environment.PULSE_MQTT_URL).toBe("mqtt://pulse-bridge:change-me@emqx:1883");
    expect(resolved.deliver!.environment.PULSE_MQTT_URL).toBe("mqtt://pulse-deliver:change-me@emqx:1883");
    expect(resolved.bridge!.environment.PULSE_DATABASE_URL).toBeUndefined();
    expect(resolved.serve!.environment).toMatchObject({
      PULSE_OIDC_ISSUER: "https://pulse.example.com/realms/pulse",
      PULSE_OIDC_JWKS_URL: "http://keycloak:8080/realms/pulse/protocol/openid-connect/certs",
      PULSE_OIDC_AUDIENCE: "pulse-api",
      PULSE_OIDC_CLIENT_ID: "pulse-console",
    });
  });

  test("start order: database, then pgbouncer and migrate; serve before emqx; keycloak before caddy", () => {
    const dep = (s: string, on: string) => resolved[s]!.depends_on?.[on]?.condition;
    expect([dep("migrate", "timescaledb"), dep("pgbouncer", "timescaledb"), dep("keycloak", "timescaledb")])
      .toEqual(["service_healthy", "service_healthy", "service_healthy"]);
    expect([dep("serve", "pgbouncer"), dep("serve", "nats"), dep("emqx", "serve"), dep("bridge", "emqx"), dep("deliver", "emqx")])
      .toEqual(["service_healthy", "service_healthy", "service_healthy", "service_healthy", "service_healthy"]);
    expect([dep("caddy", "serve"), dep("caddy", "keycloak"), dep("minio-init", "minio"), dep("ops", "minio-init")])
      .toEqual(["service_healthy", "service_healthy", "service_healthy", "service_completed_successfully"]);
  });

  test("only caddy and emqx publish ports; prometheus on loopback", () => {
    const published = Object.fromEntries(Object.entries(resolved).filter(([, s]) => s.ports)
      .map(([n, s]) => [n, s.ports.map((p: Service | string) => (typeof p === "string" ? p : `${p.published}:${p.target}/${p.protocol ?? "tcp"}`))]));
    expect(published).toEqual({
      caddy: ["80:80/tcp", "443:443/tcp", "443:443/udp"],
      emqx: ["8883:8883/tcp"],
      prometheus: ["127.0.0.1:9090:9090/tcp"],
    });
  });

  test("named volumes, and every bind mount is a repository file or a generated one", () => {
    const named = new Set<string>();
    for (const [name, s] of Object.entries(resolved)) {
      for (const v of (s.volumes ?? []) as string[]) {
        const source = v.split(":")[0]!;
        if (!source.startsWith("/")) {
          named.add(source);
          continue;
        }
        const rel = source.slice(APPLIANCE.length + 1);
        const generated = GENERATED.some((g) => rel === g || rel.startsWith(`${g}/`));
        expect({ name, rel, ok: source.startsWith(`${APPLIANCE}/`) && (generated || existsSync(source)) }).toEqual({ name, rel, ok: true });
      }
    }
    expect([...named].sort()).toEqual(["caddyconfig", "caddydata", "emqxdata", "grafanadata", "miniodata", "natsdata", "pgdata", "prometheusdata"]);
  });

  test("NATS is 2.12.3 or newer (earlier JetStream loses acknowledged writes)", () => {
    const tag = /^nats:(\d+)\.(\d+)\.(\d+)/.exec(resolved.nats!.image)!;
    const [maj, min, pat] = tag.slice(1).map(Number) as [number, number, number];
    expect(maj * 1e6 + min * 1e3 + pat).toBeGreaterThanOrEqual(2_012_003);
  });

  test("no literal secret: every password, secret and cookie is a ${VAR}", () => {
    const ref = /^\$\{[A-Z0-9_]+(:\?[^}]+)?\}$/;
    for (const [name, s] of Object.entries(raw.services)) {
      for (const [key, value] of Object.entries((s.environment ?? {}) as Record<string, string>)) {
        if (/(PASSWORD|SECRET|COOKIE|_PASS)$/.test(key)) expect({ name, key, value }).toEqual({ name, key, value: expect.stringMatching(ref) });
        const cred = /^[a-z]+:\/\/[^:/@]+:([^@]*)@/.exec(String(value));
        if (cred) expect({ name, key, password: cred[1] }).toEqual({ name, key, password: expect.stringMatching(ref) });
      }
    }
  });

  test(".env.example lists every variable compose.yaml uses, and nothing else; secrets are placeholders", () => {
    const text = readFileSync(join(APPLIANCE, "compose.yaml"), "utf8").replace(/\$\$/g, "");
    const used = new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
    const example = envValues(join(APPLIANCE, ".env.example"));
    expect([...used].sort()).toEqual(Object.keys(example).sort());
    for (const key of SECRETS) expect({ key, value: example[key] }).toEqual({ key, value: "change-me" });
    expect(Object.entries(example).filter(([, v]) => v === "change-me").map(([k]) => k).sort()).toEqual([...SECRETS].sort());
  });
});

describe("Dockerfile", () => {
  const text = readFileSync(join(APPLIANCE, "Dockerfile"), "utf8");
  const stages = [...text.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => [m[2], m[1]]);

  test("stages, default target and the runtime contract", () => {
    expect(stages).toEqual([["deps", "node:20-bookworm-slim"], ["build", "oven/bun:1.4.5"],
      ["base", "gcr.io/distroless/cc-debian12:nonroot"], ["runtime-prebuilt", "base"], ["runtime", "base"]]);
    expect(text).toContain('HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \\\n  CMD ["/usr/local/bin/pulse", "probe", "9464"]');
    expect(text).toContain('ENTRYPOINT ["/usr/local/bin/pulse"]');
    expect(text).toMatch(/^USER nonroot$/m);
    expect(text).toMatch(/^EXPOSE 8080 9464$/m);
    expect(text).toMatch(/^ENV PULSE_DATA_DIR=\/var\/lib\/pulse$/m);
    expect(text).toContain("org.opencontainers.image.version=");
  });

  test("every file it copies from the build context exists", () => {
    const sources = [...text.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((m) => m[1]!.split(" "));
    expect(sources.length).toBeGreaterThan(5);
    for (const s of sources) if (s !== "dist/pulse") expect({ s, exists: existsSync(join(ROOT, s)) }).toEqual({ s, exists: true });
  });
});

describe("scripts/appliance-secrets", () => {
  let dir: string;
  let out: string;
  const script = join(ROOT, "scripts/appliance-secrets");
  beforeAll(() => {
    dir = join(tmp("secrets"), "appliance");
    cpSync(APPLIANCE, dir, { recursive: true, filter: (src) => !GENERATED.some((g) => src === join(APPLIANCE, g)) });
    const r = run(["sh", script, "--domain", "mqtt.pulse.test", dir]);
    out = r.out + r.err;
    if (r.code !== 0) throw new Error(`appliance-secrets failed:\n${out}`);
  });
  afterAll(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

  test("fills every placeholder with a distinct URL-safe secret and prints none", () => {
    const env = envValues(join(dir, ".env"));
    const secrets = SECRETS.map((k) => env[k]!);
    for (const v of secrets) expect(v).toMatch(/^[A-Za-z][A-Za-z0-9]{39}$/);
    expect(new Set(secrets).size).toBe(SECRETS.length);
    expect(Object.values(env)).not.toContain("change-me");
    expect({ domain: env.PULSE_DOMAIN, minio: env.MINIO_ROOT_USER }).toEqual({ domain: "mqtt.pulse.test", minio: "pulse-minio" });
    for (const v of secrets) expect(out).not.toContain(v);
    expect(mode(join(dir, ".env"))).toBe(0o600);
  });

  test("writes the derived files, private, from the same values", () => {
    const env = envValues(join(dir, ".env"));
    expect(readFileSync(join(dir, "pgbouncer/userlist.txt"), "utf8"))
      .toBe(`"pulse" "${env.PULSE_DB_PASSWORD}"\n"pulse_stats" "${env.PULSE_DB_STATS_PASSWORD}"\n`);
    expect(readFileSync(join(dir, "emqx/users.csv"), "utf8")).toBe(
      `user_id,password,is_superuser\npulse-bridge,${env.PULSE_MQTT_BRIDGE_PASSWORD},false\npulse-deliver,${env.PULSE_MQTT_DELIVER_PASSWORD},false\n`);
    expect(readFileSync(join(dir, "emqx/secrets.hocon"), "utf8")).toBe(`pulse_secrets { mqtt_hook_secret = "${env.PULSE_MQTT_HOOK_SECRET}" }\n`);
    const modes = Object.fromEntries(["pgbouncer/userlist.txt", "emqx/users.csv", "emqx/secrets.hocon", "certs/ca.key",
      "certs/server.key", "certs/ca.crt", "certs/server.crt"].map((f) => [f, mode(join(dir, f)).toString(8)]));
    expect(modes).toEqual({ "pgbouncer/userlist.txt": "600", "emqx/users.csv": "600", "emqx/secrets.hocon": "600",
      "certs/ca.key": "600", "certs/server.key": "600", "certs/ca.crt": "644", "certs/server.crt": "644" });
  });

  test("the EMQX server certificate is for the domain and chains to the device CA", () => {
    const openssl = tool("openssl", "openssl");
    const v = run([openssl, "verify", "-CAfile", join(dir, "certs/ca.crt"), join(dir, "certs/server.crt")]);
    expect(v.out.trim()).toBe(`${join(dir, "certs/server.crt")}: OK`);
    const text = run([openssl, "x509", "-in", join(dir, "certs/server.crt"), "-noout", "-ext", "subjectAltName,extendedKeyUsage"]).out;
    expect(text).toContain("DNS:mqtt.pulse.test");
    expect(text).toContain("TLS Web Server Authentication");
  });

  test("the generated .env passes docker-compose config", () => {
    expect(compose(dir, join(dir, ".env"), "config", "-q")).toEqual({ code: 0, out: "", err: "" });
  });

  test("refuses to run again without --force; --force keeps every value and the CA", () => {
    const before = readFileSync(join(dir, ".env"), "utf8");
    const ca = readFileSync(join(dir, "certs/ca.crt"), "utf8");
    const again = run(["sh", script, dir]);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`appliance-secrets: ${dir}/.env already holds its secrets; --force keeps them and rewrites the files derived from them\n`);
    const forced = run(["sh", script, "--force", dir]);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, ".env"), "utf8")).toBe(before);
    expect(readFileSync(join(dir, "certs/ca.crt"), "utf8")).toBe(ca);
  });

  test("fills a copied .env.example in place, and names bad input in one line", () => {
    const other = join(tmp("secrets2"), "appliance");
    try {
      cpSync(join(APPLIANCE, ".env.example"), join(other, ".env.example"));
      cpSync(join(APPLIANCE, ".env.example"), join(other, ".env"));
      writeFileSync(join(other, ".env"), readFileSync(join(other, ".env"), "utf8").replace("PULSE_LOG_LEVEL=info", "PULSE_LOG_LEVEL=debug"));
      const r = run(["sh", script, other]);
      expect(r.code).toBe(0);
      expect(envValues(join(other, ".env"))).toMatchObject({ PULSE_LOG_LEVEL: "debug", PULSE_DOMAIN: "pulse.example.com" });
      expect(Object.values(envValues(join(other, ".env")))).not.toContain("change-me");
      expect(run(["sh", script, "--domain", "bad domain", other])).toMatchObject({ code: 1, err: "appliance-secrets: --domain bad domain is not a host name (letters, digits, dots and hyphens)\n" });
      expect(run(["sh", script, "/nonexistent/appliance"])).toMatchObject({ code: 1, err: "appliance-secrets: /nonexistent/appliance is not a directory\n" });
    } finally {
      rmSync(join(other, ".."), { recursive: true, force: true });
    }
  });
});

/** NATS protocol: INFO, then CONNECT + PING; the server answers PONG or -ERR. */
function natsLogin(port: number, user: string, pass: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    let got = "";
    s.on("data", (d: Buffer) => {
      got += d.toString();
      if (got.startsWith("INFO ") && !got.includes("CONNECT_SENT")) {
        got += "CONNECT_SENT";
        s.write(`CONNECT ${JSON.stringify({ user, pass, verbose: false })}\r\nPING\r\n`);
      }
      if (/PONG|-ERR/.test(got)) {
        s.destroy();
        resolve(got.includes("PONG") ? "PONG" : (/-ERR '([^']+)'/.exec(got)?.[1] ?? got));
      }
    });
    s.on("error", (e) => resolve(String(e)));
  });
}

describe("nats.conf", () => {
  const conf = readFileSync(join(APPLIANCE, "nats/nats.conf"), "utf8");

  test("fsyncs every write, and starts under nats-server 2.9 without that one line", async () => {
    expect(conf).toMatch(/jetstream \{[^}]*\n {2}sync_interval: always\n\}/);
    expect(conf).toMatch(/^server_name: pulse-nats$/m);
    expect(conf).toMatch(/^http_port: 8222$/m);
    const dir = tmp("nats");
    const [port, http] = [await freePort(), await freePort()];
    writeFileSync(join(dir, "nats.conf"), conf.replace(/^\s*sync_interval:.*\n/m, "").replace("/data/jetstream", join(dir, "js")));
    const proc = Bun.spawn([tool("nats-server", "nats-server"), "-c", join(dir, "nats.conf"), "-a", "127.0.0.1", "-p", String(port), "-m", String(http)],
      { env: { PATH, PULSE_NATS_PASSWORD: "Natspass0123456789" }, stdout: "pipe", stderr: "pipe" });
    try {
      let health: unknown;
      for (let i = 0; i < 100 && health === undefined; i++) {
        health = await fetch(`http://127.0.0.1:${http}/healthz?js-enabled-only=true`).then((r) => r.json()).catch(() => Bun.sleep(50).then(() => undefined));
      }
      expect(health).toEqual({ status: "ok" });
      expect(await natsLogin(port, "pulse", "Natspass0123456789")).toBe("PONG");
      expect(await natsLogin(port, "pulse", "wrong")).toBe("Authorization Violation");
    } finally {
      proc.kill();
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});

describe("caddy/Caddyfile", () => {
  const file = join(APPLIANCE, "caddy/Caddyfile");

  test("caddy validate accepts it", () => {
    const xdg = tmp("caddy-validate");
    try {
      const r = run([tool("caddy", "caddy"), "validate", "--config", file, "--adapter", "caddyfile"], { XDG_DATA_HOME: xdg, XDG_CONFIG_HOME: xdg });
      expect(r.code).toBe(0);
      expect(r.out + r.err).toContain("Valid configuration");
      expect(r.err).not.toContain("not formatted");
    } finally {
      rmSync(xdg, { recursive: true, force: true });
    }
  });

  test("routes by path, hides the internal endpoints and streams events unbuffered", async () => {
    const hits: string[] = [];
    const stub = (name: string) =>
      Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch(req) {
          const path = new URL(req.url).pathname;
          if (path !== "/ready") hits.push(`${name} ${path}`);
          if (path !== "/events") return new Response(name);
          // One event now, the end of the stream a second later: Caddy must not hold the first.
          const body = new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode("data: first\n\n"));
              setTimeout(() => c.close(), 1_000);
            },
          });
          return new Response(body, { headers: { "content-type": "text/event-stream" } });
        },
      });
    const stubs = { serve: stub("serve"), keycloak: stub("keycloak"), grafana: stub("grafana"), emqx: stub("emqx") };
    const [http, https, admin] = [await freePort(), await freePort(), await freePort()];
    const xdg = tmp("caddy-run");
    const proc = Bun.spawn([tool("caddy", "caddy"), "run", "--config", file, "--adapter", "caddyfile"], {
      env: { PATH, HOME: xdg, XDG_DATA_HOME: xdg, XDG_CONFIG_HOME: xdg, PULSE_DOMAIN: "localhost", PULSE_TLS: "internal",
        CADDY_HTTP_PORT: String(http), CADDY_HTTPS_PORT: String(https), CADDY_ADMIN: `127.0.0.1:${admin}`,
        SERVE_UPSTREAM: `127.0.0.1:${stubs.serve.port}`, KEYCLOAK_UPSTREAM: `127.0.0.1:${stubs.keycloak.port}`,
        GRAFANA_UPSTREAM: `127.0.0.1:${stubs.grafana.port}`, EMQX_WS_UPSTREAM: `127.0.0.1:${stubs.emqx.port}` },
      stdout: "pipe", stderr: "pipe" });
    const get = (path: string) => fetch(`https://localhost:${https}${path}`, { tls: { rejectUnauthorized: false }, redirect: "manual" });
    try {
      let first: Response | undefined;
      for (let i = 0; i < 200 && !first; i++) first = await get("/app/").catch(() => Bun.sleep(50).then(() => undefined));
      expect(first?.status).toBe(200);
      expect(first?.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
      const answers: Record<string, string> = {};
      for (const path of ["/realms/pulse/.well-known/openid-configuration", "/resources/x.css", "/js/keycloak.js", "/grafana/api/health",
        "/mqtt", "/api/v1/customer/devices", "/api/v1/internal/mqtt-auth", "/API/V1/INTERNAL/mqtt-acl", "/metrics",
        "/realms/master/protocol/openid-connect/token", "/api//v1/internal/mqtt-auth", "/api/v1/internal/%2e%2e/internal/mqtt-auth",
        "/api/v1/%69nternal/mqtt-auth"]) {
        const r = await get(path);
        answers[path] = `${r.status} ${await r.text()}`;
      }
      const missing = '404 {"type":"about:blank","title":"Not Found","status":404}';
      expect(answers).toEqual({
        "/realms/pulse/.well-known/openid-configuration": "200 keycloak", "/resources/x.css": "200 keycloak", "/js/keycloak.js": "200 keycloak",
        "/grafana/api/health": "200 grafana", "/mqtt": "200 emqx", "/api/v1/customer/devices": "200 serve",
        "/api/v1/internal/mqtt-auth": missing, "/API/V1/INTERNAL/mqtt-acl": missing, "/metrics": missing, "/realms/master/protocol/openid-connect/token": missing,
        // Spellings of the same path that a naive prefix match would let through.
        "/api//v1/internal/mqtt-auth": missing, "/api/v1/internal/%2e%2e/internal/mqtt-auth": missing, "/api/v1/%69nternal/mqtt-auth": missing,
      });
      expect(hits.filter((h) => /internal|INTERNAL|metrics|master/.test(h))).toEqual([]);

      const started = performance.now();
      const events = await get("/events");
      const chunk = await events.body!.getReader().read();
      expect(new TextDecoder().decode(chunk.value)).toBe("data: first\n\n");
      expect(performance.now() - started).toBeLessThan(800);

      const plain = await fetch(`http://localhost:${http}/app/`, { redirect: "manual" });
      expect(plain.status).toBe(308);
    } finally {
      proc.kill();
      await proc.exited;
      for (const s of Object.values(stubs)) s.stop(true);
      rmSync(xdg, { recursive: true, force: true });
    }
  }, 30_000);
});

describe("PostgreSQL: init script, PgBouncer, migrations", () => {
  let pg: ManagedServer;
  let env: Record<string, string>;
  const psql = (port: number, user: string, db: string, sql: string, password = "") =>
    run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", db, "-c", sql], { PGPASSWORD: password });

  beforeAll(async () => {
    tool("psql", "postgresql-client");
    pg = await startPostgres();
    const work = tmp("pg-secrets");
    const dir = join(work, "appliance");
    cpSync(APPLIANCE, dir, { recursive: true, filter: (src) => !GENERATED.some((g) => src === join(APPLIANCE, g)) });
    const r = run(["sh", join(ROOT, "scripts/appliance-secrets"), dir]);
    if (r.code !== 0) throw new Error(r.err);
    env = { ...envValues(join(dir, ".env")), USERLIST: readFileSync(join(dir, "pgbouncer/userlist.txt"), "utf8") };
    rmSync(work, { recursive: true, force: true });
  }, 30_000);
  afterAll(async () => pg?.dispose());

  test("the init script runs twice on a plain PostgreSQL 15 and sets up roles and databases", () => {
    const script = join(APPLIANCE, "timescaledb/init/10-pulse.sh");
    expect(mode(script) & 0o111).toBe(0o111);
    const scriptEnv = { PGHOST: "127.0.0.1", PGPORT: String(pg.port), PGUSER: "postgres", PULSE_DB_PASSWORD: env.PULSE_DB_PASSWORD!,
      PULSE_DB_STATS_PASSWORD: env.PULSE_DB_STATS_PASSWORD!, KEYCLOAK_DB_PASSWORD: env.KEYCLOAK_DB_PASSWORD! };
    for (let i = 0; i < 2; i++) {
      const r = run(["bash", script], scriptEnv);
      expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: "" });
      expect(r.out + r.err).not.toContain(env.PULSE_DB_PASSWORD!);
    }
    const roles = psql(pg.port, "postgres", "postgres", `select rolname, rolcanlogin, rolsuper, rolbypassrls, coalesce(rolpassword like 'SCRAM-SHA-256$%', false)
      from pg_authid where rolname in ('pulse','pulse_app','pulse_worker','pulse_operator','pulse_stats','keycloak') order by 1`);
    expect(roles.out.trim().split("\n")).toEqual(["keycloak|t|f|f|t", "pulse|t|f|f|t", "pulse_app|f|f|f|f", "pulse_operator|f|f|t|f",
      "pulse_stats|t|f|f|t", "pulse_worker|f|f|t|f"]);
    const members = psql(pg.port, "postgres", "postgres", `select r.rolname || '>' || m.rolname from pg_auth_members a
      join pg_roles r on r.oid = a.roleid join pg_roles m on m.oid = a.member where m.rolname in ('pulse','pulse_stats') order by 1`);
    expect(members.out.trim().split("\n")).toEqual(["pg_monitor>pulse_stats", "pg_read_all_settings>pulse", "pulse_app>pulse",
      "pulse_operator>pulse", "pulse_worker>pulse"]);
    const dbs = psql(pg.port, "postgres", "postgres", "select datname, pg_get_userbyid(datdba) from pg_database where datname in ('pulse','keycloak') order by 1");
    expect(dbs.out.trim()).toBe("keycloak|keycloak\npulse|pulse");
    const temp = psql(pg.port, "postgres", "postgres", `select r, has_database_privilege(r, 'pulse', 'TEMPORARY') from unnest(array['pulse_app','pulse_worker','pulse_operator','pulse_stats']) r`);
    expect(temp.out.trim().split("\n")).toEqual(["pulse_app|f", "pulse_worker|t", "pulse_operator|f", "pulse_stats|f"]);
  });

  test("with password auth, pulse logs in, runs every migration, and PgBouncer pools it", async () => {
    // From here on the three login roles need their passwords, as in the container.
    const hba = "local all all trust\nhost all pulse,pulse_stats,keycloak 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\n";
    writeFileSync(join(pg.dir, "data/pg_hba.conf"), hba);
    expect(psql(pg.port, "postgres", "postgres", "select pg_reload_conf()").out.trim()).toBe("t");
    expect(psql(pg.port, "pulse", "pulse", "select current_user", "wrong").code).toBe(2);
    expect(psql(pg.port, "pulse", "pulse", "select current_user", env.PULSE_DB_PASSWORD).out.trim()).toBe("pulse");
    // Migration 0006 reads it to choose hypertables; a plain role may not.
    expect(psql(pg.port, "pulse", "pulse", "select current_setting('shared_preload_libraries') is not null", env.PULSE_DB_PASSWORD).out.trim()).toBe("t");

    const migrate = run([process.execPath, "cmd/pulse.ts", "migrate"], {
      PULSE_DATABASE_URL: `postgres://pulse:${env.PULSE_DB_PASSWORD}@127.0.0.1:${pg.port}/pulse`, PULSE_LOG_FORMAT: "json" });
    expect({ code: migrate.code, err: migrate.code === 0 ? "" : migrate.err }).toEqual({ code: 0, err: "" });

    const dir = tmp("pgbouncer");
    const port = await freePort();
    const ini = readFileSync(join(APPLIANCE, "pgbouncer/pgbouncer.ini"), "utf8");
    expect(ini).toMatch(/^pool_mode = transaction$/m);
    writeFileSync(join(dir, "userlist.txt"), env.USERLIST!, { mode: 0o600 });
    writeFileSync(join(dir, "pgbouncer.ini"), localPgbouncerIni(ini, { host: "127.0.0.1", port: pg.port, listenPort: port, userlist: join(dir, "userlist.txt") }));
    // As in compose: read the 0600 auth file as root, then run as postgres (it refuses root).
    const asUser = process.getuid?.() === 0 ? ["-u", "postgres"] : [];
    const proc = Bun.spawn([tool("pgbouncer", "pgbouncer"), ...asUser, join(dir, "pgbouncer.ini")], { env: { PATH }, stdout: "pipe", stderr: "pipe" });
    try {
      let who = { code: 1, out: "", err: "" };
      for (let i = 0; i < 100 && who.code !== 0; i++) {
        if (proc.exitCode !== null) throw new Error(`pgbouncer exited ${proc.exitCode}: ${await new Response(proc.stderr).text()}`);
        who = psql(port, "pulse", "pulse", "select current_user, count(*) > 0 from schema_migrations", env.PULSE_DB_PASSWORD);
        if (who.code !== 0) await Bun.sleep(50);
      }
      expect(who.out.trim()).toBe("pulse|t");
      const applied = psql(port, "pulse", "pulse", "select count(*) from schema_migrations", env.PULSE_DB_PASSWORD).out.trim();
      expect(Number(applied)).toBe(readdirSync(join(ROOT, "sql")).filter((f) => f.endsWith(".sql")).length);
      expect(psql(port, "pulse", "pulse", "select 1", "wrong").code).toBe(2);
      const pools = psql(port, "pulse_stats", "pgbouncer", "show pools", env.PULSE_DB_STATS_PASSWORD);
      expect(pools.out).toContain("pulse|pulse|");
      expect(pools.out).toContain("|transaction");
    } finally {
      proc.kill();
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
