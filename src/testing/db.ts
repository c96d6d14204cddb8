/**
 * Throwaway PostgreSQL databases for integration tests. The migrations are applied once per
 * run into a template database (named by the migrations' checksums, so an edited migration
 * gets a fresh one); each test file then clones it in milliseconds and drops it afterwards,
 * so files run in parallel without sharing state.
 */
import { createHash, randomUUID } from "node:crypto";
import { describe } from "bun:test";
import { testSettings } from "../platform/config";
import { probe } from "./services";
import { connect, type Sql } from "../platform/db";
import { createLogger } from "../platform/log";
import { loadMigrations, migrate } from "../platform/migrate";

const settings = testSettings();
export const quietLog = createLogger({ svc: "test", level: "error", format: "json" });

export function urlFor(database: string, base = settings.adminDatabaseUrl): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Keyed by the migrations and the UTC day (migrating creates the telemetry days around "now"). */
const templateName = () =>
  `pulse_tpl_${createHash("sha256").update(loadMigrations().map((m) => m.checksum).join()).digest("hex").slice(0, 12)}_${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`;

const unavailable = await probe("PostgreSQL", settings.adminDatabaseUrl, async () => {
  const sql = connect({ url: settings.adminDatabaseUrl, appName: "pulse-test", log: quietLog, max: 1, connectTimeoutSeconds: 3 });
  try {
    await sql`select 1`;
  } finally {
    await sql.end({ timeout: 1 });
  }
});

/** `describe` for tests that need PostgreSQL: skipped loudly on a laptop without it, never under CI. */
export const describePg = unavailable ? describe.skipIf(true) : describe;

let template: Promise<string> | undefined;

/** Creates (once per run, under a cluster-wide lock) the migrated template database. */
function ensureTemplate(admin: Sql): Promise<string> {
  template ??= (async () => {
    const name = templateName();
    const conn = await admin.reserve();
    try {
      await conn`select pg_advisory_lock(hashtext('pulse test template'))`;
      const [exists] = await conn`select 1 from pg_database where datname = ${name}`;
      if (!exists) {
        const building = `${name}_b${process.pid}`;
        await conn.unsafe(`drop database if exists ${building}`);
        await conn.unsafe(`create database ${building}`);
        const sql = connect({ url: urlFor(building), appName: "pulse-test", log: quietLog, max: 1 });
        try {
          await migrate(sql, loadMigrations(), { log: quietLog });
        } finally {
          await sql.end({ timeout: 5 });
        }
        await conn.unsafe(`alter database ${building} rename to ${name}`);
        await conn.unsafe(`alter database ${name} is_template true`);
        await dropStaleTemplates(conn, name);
      }
    } finally {
      await conn`select pg_advisory_unlock(hashtext('pulse test template'))`;
      conn.release();
    }
    return name;
  })();
  return template;
}

async function dropStaleTemplates(conn: Sql, keep: string) {
  const stale = await conn<{ datname: string }[]>`
    select datname from pg_database where datname like 'pulse\\_tpl\\_%' and datname <> ${keep}`;
  for (const { datname } of stale) {
    await conn.unsafe(`alter database ${datname} is_template false`).catch(() => {});
    await conn.unsafe(`drop database if exists ${datname}`).catch(() => {});
  }
}

export interface TestDb extends AsyncDisposable {
  name: string;
  url: string;
  sql: Sql;
}

let adminSql: Sql | undefined;
const admin = () => (adminSql ??= connect({ url: settings.adminDatabaseUrl, appName: "pulse-test", log: quietLog, max: 2 }));

/** A fresh database: migrated (default) or empty. Dispose it with `await using`. */
export async function testDb(o: { migrated?: boolean } = {}): Promise<TestDb> {
  const name = `pulse_t_${randomUUID().replaceAll("-", "")}`;
  if (o.migrated === false) await admin().unsafe(`create database ${name}`);
  else await admin().unsafe(`create database ${name} template ${await ensureTemplate(admin())}`);
  const url = urlFor(name);
  const sql = connect({ url, appName: "pulse-test", log: quietLog, max: 4 });
  return {
    name,
    url,
    sql,
    async [Symbol.asyncDispose]() {
      await sql.end({ timeout: 5 });
      await admin().unsafe(`drop database if exists ${name} with (force)`);
    },
  };
}

/** Runs SQL as the cluster superuser (creating roles and databases in tests). */
export const adminQuery = (text: string) => admin().unsafe(text);
