/**
 * `pulse migrate` applies the migrations compiled into this binary;
 * `pulse migrate status` shows what is applied, pending, edited or unknown.
 */
import type { Command } from "commander";
import { checkConnection, connect, describeTarget, type Sql } from "../src/platform/db";
import { PulseError } from "../src/platform/errors";
import { loadMigrations, migrate, schemaStatus, type StatusRow } from "../src/platform/migrate";
import { boot, withSettings, type Runtime } from "./boot";

const KEYS = ["databaseUrl", "dbConnectTimeout", "lockTimeout"] as const;

export function registerMigrate(program: Command): void {
  const cmd = withSettings(
    program
      .command("migrate")
      .description("apply pending database migrations built into this binary (safe from several replicas at once)")
      .helpCommand(false),
    KEYS,
  ).action(async (_opts, self: Command) => {
    await using rt = boot("migrate", KEYS, self);
    const sql = await openDatabase(rt);
    console.log(await applyMigrations(sql, rt.config.databaseUrl, rt));
  });

  withSettings(cmd.command("status").description("list applied and pending migrations"), KEYS)
    .option("--json", "print the list as JSON")
    .action(async (opts: { json?: boolean }, sub: Command) => {
      await using rt = boot("migrate", KEYS, sub);
      const sql = await openDatabase(rt);
      const rows = await schemaStatus(sql, loadMigrations());
      console.log(opts.json ? JSON.stringify(rows, null, 2) : renderStatus(rows));
      if (rows.some((r) => r.state === "edited")) {
        throw new PulseError("MIGRATION_CONFLICT", "applied migration(s) changed since they ran (marked 'edited' above)");
      }
    });
}

/** Applies what is pending and returns the one-line outcome people read. */
export async function applyMigrations(sql: Sql, url: string, rt: Runtime<"lockTimeout">): Promise<string> {
  const migrations = loadMigrations();
  const started = performance.now();
  const applied = await migrate(sql, migrations, { log: rt.log, signal: rt.lifecycle.signal, lockTimeoutSeconds: rt.config.lockTimeout });
  const rows = await schemaStatus(sql, migrations);
  const head = rows.filter((r) => r.state === "applied").at(-1)?.name ?? "(empty)";
  if (rt.lifecycle.signal.aborted) {
    throw new PulseError("MIGRATION_FAILED", `interrupted after ${applied.length} migration(s); database is at ${head}`);
  }
  const unknown = rows.filter((r) => r.state === "unknown");
  if (unknown.length > 0) {
    rt.log.warn("database has migrations this binary does not know; a newer pulse applied them", { migrations: unknown.map((r) => r.name) });
  }
  const ms = Math.round(performance.now() - started);
  const target = describeTarget(url);
  return applied.length === 0
    ? `nothing to apply: ${target} is up to date at ${head}`
    : `applied ${applied.length} migration(s) to ${target} in ${ms} ms; now at ${head}`;
}

async function openDatabase(rt: Runtime<(typeof KEYS)[number]>): Promise<Sql> {
  const { config, log } = rt;
  const sql = connect({ url: config.databaseUrl, appName: "pulse-migrate", log, max: 1, connectTimeoutSeconds: config.dbConnectTimeout });
  rt.lifecycle.defer(() => sql.end({ timeout: 5 }));
  await checkConnection(sql, config.databaseUrl);
  return sql;
}

function renderStatus(rows: readonly StatusRow[]): string {
  const lines = rows.map((r) =>
    [String(r.id).padStart(4, "0"), r.name.padEnd(32), r.state.padEnd(8), r.appliedAt?.toISOString() ?? ""].join("  ").trimEnd(),
  );
  const count = (s: string) => rows.filter((r) => r.state === s).length;
  const summary = `${count("applied")} applied, ${count("pending")} pending, ${count("edited")} edited, ${count("unknown")} unknown`;
  return [["ID  ", "NAME".padEnd(32), "STATE   ", "APPLIED AT"].join("  "), ...lines, summary].join("\n");
}
