import { describe, expect, test } from "bun:test";
import { describePg, testDb } from "../src/testing/db";
import { ROLES, runPulse } from "../src/testing/cli";
import { deleteStreams } from "../src/platform/bus/jetstream";
import { testSettings } from "../src/platform/config";
import { loadMigrations } from "../src/platform/migrate";

const MIGRATIONS = loadMigrations();
const LATEST = MIGRATIONS.at(-1)!.name;

/** The error line a user sees: exactly one line on stderr. */
const oneLine = (stderr: string) => {
  const lines = stderr.trimEnd().split("\n");
  expect(lines.length).toBe(1);
  return lines[0];
};

describe("pulse CLI", () => {
  test("--help lists every role, the PULSE_* variables and the exit codes", async () => {
    const r = await runPulse(["--help"]);
    expect(r.code).toBe(0);
    for (const role of ROLES) expect(r.stdout).toMatch(new RegExp(`^  ${role} `, "m"));
    expect(r.stdout).toContain("PULSE_LOG_LEVEL");
    expect(r.stdout).toContain("3  a required service (database, bus, broker) is unreachable");
  });

  test("every role has its own --help naming its flags and their variables", async () => {
    const helps = await Promise.all(ROLES.map((role) => runPulse([role, "--help"])));
    for (const [i, r] of helps.entries()) {
      expect(r.code).toBe(0);
      expect(r.stdout).toStartWith(`Usage: pulse ${ROLES[i]}`);
    }
    const migrate = helps[ROLES.indexOf("migrate")]!.stdout;
    expect(migrate).toContain("--database-url <url>");
    expect(migrate).toContain("PULSE_DATABASE_URL");
    expect(migrate).toContain("status");
    expect(helps[ROLES.indexOf("serve")]!.stdout).toMatch(/--http-port <port>[^]*PULSE_HTTP_PORT/);
  });

  test("an unknown flag is one line naming it, exit 2", async () => {
    const r = await runPulse(["migrate", "--databse-url", "postgres://x@y/z"]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe(
      "pulse: unknown option '--databse-url' (Did you mean --database-url?) (see 'pulse migrate --help')",
    );
  });

  test("an unknown subcommand and a missing subcommand exit 2", async () => {
    const unknown = await runPulse(["serv"]);
    expect(unknown.code).toBe(2);
    expect(oneLine(unknown.stderr)).toContain("unknown command 'serv'");
    expect((await runPulse([])).code).toBe(2);
  });

  test("a bad value from a flag or a variable is one line naming both, exit 2", async () => {
    const flag = await runPulse(["serve", "--database-url", "postgres://h/db", "--http-port", "http"]);
    expect(flag.code).toBe(2);
    expect(oneLine(flag.stderr)).toBe('pulse: invalid value "http" for --http-port: expected a port number');
    const env = await runPulse(["serve"], { env: { PULSE_DATABASE_URL: "postgres://h/db", PULSE_HTTP_PORT: "70000" } });
    expect(env.code).toBe(2);
    expect(oneLine(env.stderr)).toBe('pulse: invalid value "70000" for --http-port (from PULSE_HTTP_PORT): expected a port from 0 to 65535');
    const level = await runPulse(["--log-level", "chatty", "version"]);
    expect(level.code).toBe(2);
    expect(oneLine(level.stderr)).toBe('pulse: invalid value "chatty" for --log-level: expected debug, info, warn or error');
    const migrate = await runPulse(["migrate", "--log-level", "chatty", "--database-url", "postgres://h/db"]);
    expect(migrate.code).toBe(2);
    expect(oneLine(migrate.stderr)).toContain("--log-level");
  });

  test("a malformed database URL is refused without echoing it (it may hold a password)", async () => {
    const r = await runPulse(["migrate", "--database-url", "mysql://root:hunter2@db/pulse"]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe("pulse: invalid value for --database-url: expected a URL like postgres://user:password@host:5432/pulse");
  });

  test("an unreachable database is one line, exit 3, and the password stays out of it", async () => {
    const r = await runPulse(["migrate", "--database-url", "postgres://pulse:hunter2@127.0.0.1:9/pulse", "--db-connect-timeout", "2"]);
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toBe("pulse: cannot use PostgreSQL at 127.0.0.1:9/pulse: connection refused");
  });

  test("roles not built yet validate their configuration and then say so, exit 7", async () => {
    for (const role of ["ops"]) {
      const r = await runPulse([role], { env: { PULSE_DATABASE_URL: "postgres://h/db" } });
      expect(r.code).toBe(7);
      expect(oneLine(r.stderr)).toBe(`pulse: pulse ${role} is not built yet in pulse 0.1.0`);
    }
  });

  test("a role that cannot reach its database says so in one line, exit 3", async () => {
    for (const role of ["serve", "ingest", "evaluate", "deliver"]) {
      const r = await runPulse([role, "--database-url", "postgres://pulse:hunter2@127.0.0.1:9/pulse"]);
      expect(r.code).toBe(3);
      expect(oneLine(r.stderr)).toBe("pulse: cannot use PostgreSQL at 127.0.0.1:9/pulse: connection refused");
    }
  });
});

describePg("roles against a database", () => {
  test("a role refuses a database that was not migrated, exit 6, and a port in use names its flag, exit 2", async () => {
    await using empty = await testDb({ migrated: false });
    const notMigrated = await runPulse(["ingest", "--database-url", empty.url]);
    expect(notMigrated.code).toBe(6);
    expect(oneLine(notMigrated.stderr)).toBe(`pulse: the database is at an empty schema but this binary needs ${LATEST}: run pulse migrate first`);
    await using db = await testDb();
    const prefix = `cli${Date.now()}`;
    const busy = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    try {
      const r = await runPulse(["serve", "--database-url", db.url, "--http-host", "127.0.0.1", "--http-port", String(busy.port), "--nats-prefix", prefix, "--bus-storage-gib", "0.01"]);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split("\n").at(-1)).toBe(`pulse: port ${busy.port} is already in use (--http-port)`);
    } finally {
      busy.stop(true);
      await deleteStreams(testSettings().natsUrl, prefix);
    }
  });
});

describePg("pulse migrate from the command line", () => {
  test("applies everything, then nothing, reports status, and refuses an edited history", async () => {
    await using db = await testDb({ migrated: false });
    const env = { PULSE_DATABASE_URL: db.url };
    const first = await runPulse(["migrate"], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^applied ${MIGRATIONS.length} migration\\(s\\) to 127\\.0\\.0\\.1:5432/pulse_t_\\w+ in \\d+ ms; now at ${LATEST}\n$`));
    const logged = first.stderr.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(logged.map((l) => [l.svc, l.msg, l.name])).toContainEqual(["migrate", "migration applied", "0001_foundation"]);

    const second = await runPulse(["migrate"], { env });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`^nothing to apply: .* is up to date at ${LATEST}\n$`));
    expect(second.stderr).toBe("");

    const status = await runPulse(["migrate", "status", "--json"], { env });
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.stdout);
    expect(rows.length).toBe(MIGRATIONS.length);
    expect(rows.every((r: { state: string }) => r.state === "applied")).toBe(true);

    await db.sql`update schema_migrations set checksum = 'tampered' where id = 2`;
    const edited = await runPulse(["migrate"], { env });
    expect(edited.code).toBe(5);
    expect(oneLine(edited.stderr)).toContain("0002_tenancy.sql");
    const statusEdited = await runPulse(["migrate", "status"], { env });
    expect(statusEdited.code).toBe(5);
    expect(statusEdited.stdout).toContain("0002  0002_tenancy");
    expect(statusEdited.stdout).toContain("edited");
  });
});
