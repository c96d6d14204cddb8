/**
 * `pulse up`: the whole platform in one process on embedded defaults. In this release it
 * brings up the embedded database (PGlite in --data-dir, migrated with the same migrations
 * as a server) and then says which roles are not built yet.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { checkConnection, connect } from "../src/platform/db";
import { PulseError } from "../src/platform/errors";
import { startEmbeddedPostgres } from "../src/platform/pglite";
import { VERSION } from "../src/platform/version";
import { boot, withSettings } from "./boot";
import { applyMigrations } from "./migrate";

const KEYS = ["dataDir", "lockTimeout"] as const;

export function registerUp(program: Command): void {
  withSettings(program.command("up").description("run the whole platform in one process, on embedded defaults"), KEYS).action(
    async (_opts, cmd: Command) => {
      await using rt = boot("up", KEYS, cmd);
      const { config, log } = rt;
      const pg = await startEmbeddedPostgres({ dataDir: join(config.dataDir, "postgres"), runDir: join(config.dataDir, "run"), log });
      rt.lifecycle.defer(() => pg.close());
      const sql = connect({ url: pg.url, appName: "pulse-up", log, max: 1 });
      rt.lifecycle.defer(() => sql.end({ timeout: 5 }));
      await checkConnection(sql, pg.url);
      log.info("embedded database migrated", { dataDir: config.dataDir, outcome: await applyMigrations(sql, pg.url, rt) });
      throw new PulseError(
        "NOT_BUILT",
        `pulse up prepared the embedded database in ${config.dataDir}; the platform roles it runs are not built yet in pulse ${VERSION}`,
      );
    },
  );
}
