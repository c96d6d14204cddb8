/**
 * The compiled binary on its own: built by `bun run build`, run from an empty directory with
 * no Bun on PATH, no node_modules and no source tree beside it.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary } from "./build";
import { describePg, testDb } from "../src/testing/db";
import { ROLES, runPulse } from "../src/testing/cli";
import { loadMigrations } from "../src/platform/migrate";

const MIGRATIONS = loadMigrations();

setDefaultTimeout(120_000);

describePg("the compiled pulse binary", () => {
  let dir: string;
  let binary: string;
  const run = (args: string[], env: Record<string, string> = {}) =>
    runPulse(args, { binary, cwd: dir, env: { PATH: "/usr/bin:/bin", ...env } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pulse-bin-"));
    binary = await buildBinary(join(dir, "pulse"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test("lists all eight roles and carries its migrations and console inside", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    for (const role of ROLES) expect(help.stdout).toMatch(new RegExp(`^  ${role} `, "m"));
    const version = await run(["version", "--json"]);
    expect(JSON.parse(version.stdout)).toMatchObject({ version: "0.1.0", migrations: MIGRATIONS.length, schema: MIGRATIONS.at(-1)!.name });
    expect(JSON.parse(version.stdout).console).toBeGreaterThanOrEqual(2);
    // The roles are loaded on demand; each is inside the binary and gets as far as its database.
    for (const role of ["serve", "ingest"]) {
      const r = await run([role, "--database-url", "postgres://pulse@127.0.0.1:9/pulse"]);
      expect([r.code, r.stderr.trim()]).toEqual([3, "pulse: cannot use PostgreSQL at 127.0.0.1:9/pulse: connection refused"]);
    }
  });

  test("migrates an empty database, and a second run applies nothing", async () => {
    await using db = await testDb({ migrated: false });
    const first = await run(["migrate", "--database-url", db.url]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`applied ${MIGRATIONS.length} migration(s)`);
    const second = await run(["migrate", "--database-url", db.url]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("nothing to apply");
  });

  test("brings up the embedded database from its own WebAssembly assets", async () => {
    const r = await run(["up", "--data-dir", "./data"]);
    expect(r.stderr).toContain('"msg":"migration applied"');
    expect(r.stderr).toContain("pulse up prepared the embedded database in ./data");
    expect(r.code).toBe(7);
  });
});
