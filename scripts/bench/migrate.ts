/**
 * Time to apply every migration to an empty database: PostgreSQL (PULSE_TEST_DATABASE_URL's
 * server) through the runner `pulse migrate` uses, and the embedded PGlite engine.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "../../src/platform/db";
import { loadMigrations, migrate } from "../../src/platform/migrate";
import { startEmbeddedPostgres } from "../../src/platform/pglite";
import { quietLog, testDb } from "../../src/testing/db";
import { summarize } from "./stats";

const migrations = loadMigrations();
const pg: number[] = [];
for (let i = 0; i < 8; i++) {
  await using db = await testDb({ migrated: false });
  const t = performance.now();
  await migrate(db.sql, migrations, { log: quietLog });
  pg.push(performance.now() - t);
}
console.log(`PostgreSQL, ${migrations.length} migrations into an empty database: ${summarize(pg)}`);

const embedded: number[] = [];
for (let i = 0; i < 3; i++) {
  const run = await mkdtemp(join(tmpdir(), "pulse-bench-"));
  const t0 = performance.now();
  const engine = await startEmbeddedPostgres({ dataDir: "memory://", runDir: run, log: quietLog });
  const opened = performance.now();
  const sql = connect({ url: engine.url, appName: "bench", log: quietLog, max: 1 });
  await migrate(sql, migrations, { log: quietLog });
  embedded.push(performance.now() - opened);
  console.log(`PGlite open (initdb, in memory): ${(opened - t0).toFixed(0)} ms`);
  await sql.end();
  await engine.close();
  await rm(run, { recursive: true, force: true });
}
console.log(`PGlite, ${migrations.length} migrations: ${summarize(embedded)}`);
