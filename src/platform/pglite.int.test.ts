/**
 * The embedded engine runs the very same migrations, row-level security and queries as the
 * PostgreSQL server path, reached through postgres.js over its Unix socket.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asWorker, connect } from "./db";
import { loadMigrations, migrate, schemaStatus } from "./migrate";
import { startEmbeddedPostgres } from "./pglite";
import { quietLog } from "../testing/db";
import { tenantIsolationSuite } from "../testing/isolation-suite";

// Each embedded instance runs initdb in WebAssembly: seconds, not milliseconds.
setDefaultTimeout(60_000);

async function openMigrated(dataDir = "memory://") {
  const runDir = await mkdtemp(join(tmpdir(), "pulse-pgl-"));
  const pg = await startEmbeddedPostgres({ dataDir, runDir, log: quietLog });
  const sql = connect({ url: pg.url, appName: "test", log: quietLog, max: 1 });
  const applied = await migrate(sql, loadMigrations(), { log: quietLog });
  return {
    sql,
    applied,
    async [Symbol.asyncDispose]() {
      await sql.end({ timeout: 5 });
      await pg.close();
      await rm(runDir, { recursive: true, force: true });
    },
  };
}

describe("embedded PostgreSQL (PGlite)", () => {
  test("applies every migration, keeps them across a restart, and applies nothing the second time", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "pulse-pgdata-"));
    try {
      {
        await using db = await openMigrated(dataDir);
        expect(db.applied.length).toBe(loadMigrations().length);
        await asWorker(db.sql, (tx) => tx`insert into tenants (tenant_id, name) values ('kept', 'Kept')`);
      }
      await using again = await openMigrated(dataDir);
      expect(again.applied).toEqual([]);
      expect((await schemaStatus(again.sql, loadMigrations())).every((r) => r.state === "applied")).toBe(true);
      const rows = await asWorker(again.sql, (tx) => tx`select tenant_id from tenants`);
      expect(rows.map((r) => r.tenantId)).toEqual(["kept"]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test("a data directory too deep for a Unix socket is refused with a clear message", async () => {
    const err = await startEmbeddedPostgres({ dataDir: "memory://", runDir: `/tmp/${"d".repeat(120)}`, log: quietLog }).catch((e) => e);
    expect(err.code).toBe("USAGE");
    expect(err.message).toContain("choose a shorter --data-dir");
  });
});

tenantIsolationSuite("PGlite", () => openMigrated());
