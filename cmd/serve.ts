import type { Command } from "commander";
import { boot, GUARD_SETTINGS, withSettings } from "./boot";

const KEYS = ["databaseUrl", "dbPoolMax", "natsUrl", "natsPrefix", "busStorageGib", "httpHost", "httpPort", ...GUARD_SETTINGS] as const;

export function registerServe(program: Command): void {
  withSettings(program.command("serve").description("HTTP API, device ingest endpoints, live updates and the web console"), KEYS).action(
    async (_opts, cmd: Command) => {
      await using rt = boot("serve", KEYS, cmd);
      // Loaded on demand: `pulse --help` and the other roles need none of it.
      const { runServe } = await import("../src/http/server");
      await runServe(rt.config, rt.log, rt.lifecycle);
    },
  );
}
