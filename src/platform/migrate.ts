/**
 * Schema migrations: the numbered files in sql/, compiled into the binary. Each file runs in
 * its own transaction under a transaction-level advisory lock, so replicas started together
 * apply each file once (and a pooler in transaction mode cannot break the lock). A file that
 * was edited after it was applied stops everything before anything runs.
 */
import { createHash } from "node:crypto";
import { PulseError } from "./errors";
import type { Db, Sql } from "./db";
import type { Logger } from "./log";
import { MIGRATION_FILES } from "./migrations.gen";

export interface Migration {
  id: number;
  name: string;
  sql: string;
  checksum: string;
  /** Marked `-- pulse:breaking`: binaries older than it must not run against the schema. */
  breaking: boolean;
}

export interface Applied {
  id: number;
  name: string;
  checksum: string;
  appliedAt: Date;
  durationMs: number;
}

export type State = "applied" | "pending" | "edited" | "unknown";
export interface StatusRow {
  id: number;
  name: string;
  state: State;
  appliedAt: Date | null;
}

/** pg_advisory_xact_lock key: the bytes of "pulsemig". */
const LOCK_KEY = 0x70756c73656d6967n;

export const checksumOf = (sql: string) => createHash("sha256").update(sql.replaceAll("\r\n", "\n")).digest("hex");

export function loadMigrations(files: ReadonlyArray<{ file: string; sql: string }> = MIGRATION_FILES): Migration[] {
  return files.map(({ file, sql }) => ({
    id: Number(file.slice(0, 4)),
    name: file.replace(/\.sql$/, ""),
    sql,
    checksum: checksumOf(sql),
    breaking: /^--\s*pulse:breaking\b/m.test(sql),
  }));
}

async function readHistory(db: Db): Promise<Applied[]> {
  const [t] = await db<{ exists: boolean }[]>`select to_regclass('schema_migrations') is not null as exists`;
  if (!t?.exists) return [];
  return db<Applied[]>`
    select id, name, checksum, applied_at, duration_ms from schema_migrations order by id`;
}

export function compareHistory(migrations: readonly Migration[], history: readonly Applied[]): StatusRow[] {
  const applied = new Map(history.map((h) => [h.id, h]));
  const rows: StatusRow[] = migrations.map((m) => {
    const h = applied.get(m.id);
    if (!h) return { id: m.id, name: m.name, state: "pending", appliedAt: null };
    const state = h.checksum === m.checksum && h.name === m.name ? "applied" : "edited";
    return { id: m.id, name: m.name, state, appliedAt: h.appliedAt };
  });
  const known = new Set(migrations.map((m) => m.id));
  for (const h of history) {
    if (!known.has(h.id)) rows.push({ id: h.id, name: h.name, state: "unknown", appliedAt: h.appliedAt });
  }
  return rows.sort((a, b) => a.id - b.id);
}

function assertNotEdited(rows: readonly StatusRow[]): void {
  const edited = rows.filter((r) => r.state === "edited");
  if (edited.length === 0) return;
  const names = edited.map((r) => `${r.name}.sql`).join(", ");
  throw new PulseError(
    "MIGRATION_CONFLICT",
    `applied migration changed since it ran: ${names}; restore the original file and add a new migration instead`,
    { migrations: edited.map((r) => r.id) },
  );
}

/** 1-based line of a character position (1-based, as PostgreSQL reports it) in a text. */
export function lineAt(text: string, position: number): number {
  return text.slice(0, Math.max(0, position - 1)).split("\n").length;
}

function failure(m: Migration, err: unknown): PulseError {
  const e = err as { message?: string; position?: string; where?: string; detail?: string; code?: string };
  const at = e.position ? ` at line ${lineAt(m.sql, Number(e.position))}` : "";
  const context = e.where ? ` [${e.where.split("\n").join("; ")}]` : "";
  const detail = e.detail ? ` (${e.detail})` : "";
  return new PulseError(
    "MIGRATION_FAILED",
    `${m.name}.sql failed${at}: ${e.message ?? String(err)}${detail}${context}; rolled back, nothing of it was applied`,
    { migration: m.id, sqlstate: e.code },
    { cause: err },
  );
}

export interface MigrateOptions {
  log: Logger;
  signal?: AbortSignal;
  lockTimeoutSeconds?: number;
}

/** Applies every pending migration in order; returns the ones this call applied. */
export async function migrate(sql: Sql, migrations: readonly Migration[], o: MigrateOptions): Promise<Migration[]> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY.toString()}::bigint)`;
    await tx`
      create table if not exists schema_migrations (
        id          integer primary key,
        name        text not null,
        checksum    text not null,
        applied_at  timestamptz not null default now(),
        applied_by  text not null default current_user,
        duration_ms integer not null
      )`;
    await tx`revoke all on schema_migrations from public`;
  });
  const done: Migration[] = [];
  for (const m of migrations) {
    if (o.signal?.aborted) {
      o.log.warn("migration run interrupted", { next: m.name });
      break;
    }
    if (await applyOne(sql, migrations, m, o)) done.push(m);
  }
  return done;
}

async function applyOne(sql: Sql, migrations: readonly Migration[], m: Migration, o: MigrateOptions) {
  const lockTimeoutMs = String(Math.round((o.lockTimeoutSeconds ?? 60) * 1000));
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY.toString()}::bigint)`;
    const rows = compareHistory(migrations, await readHistory(tx));
    assertNotEdited(rows);
    if (rows.find((r) => r.id === m.id)?.state !== "pending") return false;
    await tx`select set_config('lock_timeout', ${lockTimeoutMs}, true), set_config('statement_timeout', '0', true)`;
    const started = performance.now();
    try {
      await tx.unsafe(m.sql);
    } catch (err) {
      throw failure(m, err);
    }
    const durationMs = Math.round(performance.now() - started);
    await tx`reset role`;
    await tx`
      insert into schema_migrations (id, name, checksum, duration_ms)
      values (${m.id}, ${m.name}, ${m.checksum}, ${durationMs})`;
    o.log.info("migration applied", { id: m.id, name: m.name, ms: durationMs });
    return true;
  });
}

/** The schema compared with this binary's migrations, for `migrate status` and start-up checks. */
export async function schemaStatus(db: Db, migrations: readonly Migration[]): Promise<StatusRow[]> {
  return compareHistory(migrations, await readHistory(db));
}

/**
 * Start-up check of every role but `migrate`: the schema must have every migration this binary
 * knows, unedited. Roles never migrate by themselves; they tell the operator to.
 */
export async function assertSchemaReady(db: Db, migrations: readonly Migration[] = loadMigrations()): Promise<void> {
  const rows = await schemaStatus(db, migrations);
  const pending = rows.filter((r) => r.state === "pending");
  const edited = rows.filter((r) => r.state === "edited");
  if (pending.length > 0) {
    const at = rows.filter((r) => r.state === "applied").at(-1)?.name ?? "an empty schema";
    throw new PulseError("SCHEMA_MISMATCH", `the database is at ${at} but this binary needs ${pending.at(-1)!.name}: run pulse migrate first`);
  }
  if (edited.length > 0) throw new PulseError("SCHEMA_MISMATCH", `applied migration(s) differ from this binary: ${edited.map((r) => r.name).join(", ")}`);
}
