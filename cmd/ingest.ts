import type { Command } from "commander";
import { boot, GUARD_SETTINGS, withSettings } from "./boot";

const KEYS = [
  "databaseUrl", "dbPoolMax", "natsUrl", "natsPrefix", "busStorageGib", "healthHost", "healthPort",
  "ingestBatch", "ingestWaitMs", "ingestConcurrency", ...GUARD_SETTINGS,
] as const;

export function registerIngest(program: Command): void {
  withSettings(program.command("ingest").description("store telemetry from the bus in PostgreSQL, quarantine what is invalid"), KEYS).action(
    async (_opts, cmd: Command) => {
      await using rt = boot("ingest", KEYS, cmd);
      // Loaded on demand: `pulse --help` and the other roles need none of it.
      const { runIngest } = await import("../src/workers/ingest/main");
      await runIngest(rt.config, rt.log, rt.lifecycle);
    },
  );
}
