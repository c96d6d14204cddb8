import type { Command } from "commander";
import { runIngest } from "../src/workers/ingest/main";
import { boot, withSettings } from "./boot";

const KEYS = [
  "databaseUrl", "dbPoolMax", "natsUrl", "natsPrefix", "busStorageGib", "healthHost", "healthPort",
  "ingestBatch", "ingestWaitMs", "ingestConcurrency", "maxPayloadBytes",
  "deviceRate", "deviceBurst", "tenantRate", "tenantBurst", "deviceCacheTtl", "maxClockSkew",
] as const;

export function registerIngest(program: Command): void {
  withSettings(program.command("ingest").description("store telemetry from the bus in PostgreSQL, quarantine what is invalid"), KEYS).action(
    async (_opts, cmd: Command) => {
      await using rt = boot("ingest", KEYS, cmd);
      await runIngest(rt.config, rt.log, rt.lifecycle);
    },
  );
}
