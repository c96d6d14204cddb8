import { expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { asWorker, connect } from "./db";
import { PulseError } from "./errors";
import { loadMigrations, migrate, schemaStatus, type Migration } from "./migrate";
import { adminQuery, describePg, quietLog, testDb, urlFor } from "../testing/db";

const all = loadMigrations();
const extra = (id: number, sql: string): Migration => ({
  ...loadMigrations([{ file: `${String(id).padStart(4, "0")}_extra.sql`, sql }])[0]!,
});

describePg("pulse migrate against PostgreSQL", () => {
  test("an empty database gets every migration in order; a second run applies nothing", async () => {
    await using db = await testDb({ migrated: false });
    const first = await migrate(db.sql, all, { log: quietLog });
    expect(first.map((m) => m.id)).toEqual(all.map((m) => m.id));
    const rows = await db.sql<{ id: number; name: string; checksum: string }[]>`select id, name, checksum from schema_migrations order by id`;
    expect(rows.map((r) => ({ ...r }))).toEqual(all.map((m) => ({ id: m.id, name: m.name, checksum: m.checksum })));
    expect(await migrate(db.sql, all, { log: quietLog })).toEqual([]);
    expect((await schemaStatus(db.sql, all)).every((r) => r.state === "applied")).toBe(true);
  });

  test("replicas migrating at the same moment apply each file exactly once", async () => {
    await using db = await testDb({ migrated: false });
    const replicas = [1, 2, 3].map(() => connect({ url: db.url, appName: "replica", log: quietLog, max: 1 }));
    try {
      const results = await Promise.all(replicas.map((sql) => migrate(sql, all, { log: quietLog })));
      expect(results.flat().map((m) => m.id).sort((a, b) => a - b)).toEqual(all.map((m) => m.id));
    } finally {
      await Promise.all(replicas.map((sql) => sql.end()));
    }
    const [n] = await db.sql<{ n: number }[]>`select count(*)::int as n from schema_migrations`;
    expect(n!.n).toBe(all.length);
  });

  test("an edited applied migration stops the run before anything else is applied", async () => {
    await using db = await testDb();
    const edited = all.map((m) => (m.id === 3 ? { ...m, checksum: "0".repeat(64) } : m));
    const err = await migrate(db.sql, [...edited, extra(all.length + 1, "create table never_created (x int);")], { log: quietLog }).catch((e) => e);
    expect(err).toBeInstanceOf(PulseError);
    expect(err.code).toBe("MIGRATION_CONFLICT");
    expect(err.exitCode).toBe(5);
    expect(err.message).toContain("0003_device_templates.sql");
    const [t] = await db.sql`select to_regclass('never_created') as t`;
    expect(t!.t).toBeNull();
    expect((await schemaStatus(db.sql, edited)).find((r) => r.id === 3)?.state).toBe("edited");
  });

  test("a migration failing halfway rolls back whole and names its file and line", async () => {
    await using db = await testDb();
    const bad = extra(all.length + 1, "create table half_done (x int);\n\ninsert into no_such_table values (1);\n");
    const err = await migrate(db.sql, [...all, bad], { log: quietLog }).catch((e) => e);
    expect(err).toBeInstanceOf(PulseError);
    expect(err.code).toBe("MIGRATION_FAILED");
    expect(err.exitCode).toBe(4);
    expect(err.message).toBe(
      `${bad.name}.sql failed at line 3: relation "no_such_table" does not exist; rolled back, nothing of it was applied`,
    );
    const [t] = await db.sql`select to_regclass('half_done') as t`;
    expect(t!.t).toBeNull();
    expect((await schemaStatus(db.sql, [...all, bad])).at(-1)?.state).toBe("pending");
  });

  test("an error inside a PL/pgSQL block says where it happened", async () => {
    await using db = await testDb();
    const bad = extra(all.length + 1, "do $$\nbegin\n  perform 1 / 0;\nend $$;\n");
    const err = await migrate(db.sql, [...all, bad], { log: quietLog }).catch((e) => e);
    expect(err.code).toBe("MIGRATION_FAILED");
    expect(err.message).toContain("division by zero");
    expect(err.message).toContain("PL/pgSQL function inline_code_block line 3");
  });

  test("a migration waiting on a lock gives up after the lock timeout instead of queueing traffic", async () => {
    await using db = await testDb();
    const holder = await db.sql.reserve();
    try {
      await holder`begin`;
      await holder`lock table sites in access share mode`;
      const alter = extra(all.length + 1, "alter table sites add column slow int;");
      const err = await migrate(db.sql, [...all, alter], { log: quietLog, lockTimeoutSeconds: 0.3 }).catch((e) => e);
      expect(err.code).toBe("MIGRATION_FAILED");
      expect(err.message).toContain("lock timeout");
    } finally {
      await holder`rollback`;
      holder.release();
    }
  });

  test("a database migrated by a newer binary is reported, not touched", async () => {
    await using db = await testDb();
    const newer = [...all, extra(all.length + 1, "create table from_the_future (x int);")];
    await migrate(db.sql, newer, { log: quietLog });
    expect(await migrate(db.sql, all, { log: quietLog })).toEqual([]);
    const status = await schemaStatus(db.sql, all);
    expect(status.at(-1)).toMatchObject({ id: all.length + 1, state: "unknown" });
  });

  test("a non-superuser database owner can migrate once the roles exist", async () => {
    await using _roles = await testDb(); // makes sure the cluster-wide roles exist
    const owner = `pulse_owner_${randomUUID().slice(0, 8)}`;
    const name = `pulse_t_${randomUUID().replaceAll("-", "")}`;
    await adminQuery(`create role ${owner} login nosuperuser`);
    await adminQuery(`grant pulse_app, pulse_worker, pulse_operator to ${owner}`);
    await adminQuery(`create database ${name} owner ${owner}`);
    const u = new URL(urlFor(name));
    u.username = owner;
    const sql = connect({ url: u.toString(), appName: "owner", log: quietLog, max: 1 });
    try {
      const applied = await migrate(sql, all, { log: quietLog });
      expect(applied.length).toBe(all.length);
      await asWorker(sql, async (tx) => {
        await tx`insert into tenants (tenant_id, name) values ('t1', 'T1')`;
        await tx`insert into device_templates (tenant_id, slug, name, category) values ('t1', 'x', 'X', 'gateway')`;
      });
      // Row-level security is forced: the owner itself sees no tenant's rows, only system rows.
      const [asOwner] = await sql<{ n: number }[]>`select count(*)::int as n from device_templates`;
      expect(asOwner!.n).toBe(4);
      const [asWorkerRole] = await asWorker(sql, (tx) => tx<{ n: number }[]>`select count(*)::int as n from device_templates`);
      expect(asWorkerRole!.n).toBe(5);
    } finally {
      await sql.end();
      await adminQuery(`drop database ${name} with (force)`);
      await adminQuery(`drop role ${owner}`);
    }
  });
});
