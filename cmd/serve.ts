import type { Command } from "commander";
import { runServe } from "../src/http/server";
import { boot, GUARD_SETTINGS, withSettings } from "./boot";

const KEYS = ["databaseUrl", "dbPoolMax", "natsUrl", "natsPrefix", "busStorageGib", "httpHost", "httpPort", ...GUARD_SETTINGS] as const;

export function registerServe(program: Command): void {
  withSettings(program.command("serve").description("HTTP API, device ingest endpoints, live updates and the web console"), KEYS).action(
    async (_opts, cmd: Command) => {
      await using rt = boot("serve", KEYS, cmd);
      await runServe(rt.config, rt.log, rt.lifecycle);
    },
  );
}
