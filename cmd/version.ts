import type { Command } from "commander";
import { loadMigrations } from "../src/platform/migrate";
import { VERSION } from "../src/platform/version";
import { boot } from "./boot";

export function registerVersion(program: Command): void {
  program
    .command("version")
    .description("print the version, the runtime and what is built into this binary")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await using _rt = boot("version", [], cmd); // global flags are checked like everywhere else
      const migrations = loadMigrations();
      const info = {
        version: VERSION,
        runtime: `bun ${Bun.version}`,
        platform: `${process.platform}-${process.arch}`,
        migrations: migrations.length,
        schema: migrations.at(-1)?.name ?? null,
        // Present only in the compiled binary (`bun run build` embeds web-dist/).
        console: Bun.embeddedFiles.filter((f) => (f as File).name.startsWith("web-dist/")).length,
      };
      console.log(opts.json ? JSON.stringify(info) : Object.entries(info).map(([k, v]) => `${k}: ${v}`).join("\n"));
    });
}
