import type { Command } from "commander";
import { loadMigrations } from "../src/platform/migrate";
import { VERSION } from "../src/platform/version";

export function registerVersion(program: Command): void {
  program
    .command("version")
    .description("print the version, the runtime and what is built into this binary")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean }) => {
      const migrations = loadMigrations();
      const info = {
        version: VERSION,
        runtime: `bun ${Bun.version}`,
        platform: `${process.platform}-${process.arch}`,
        migrations: migrations.length,
        schema: migrations.at(-1)?.name ?? null,
      };
      console.log(opts.json ? JSON.stringify(info) : Object.entries(info).map(([k, v]) => `${k}: ${v}`).join("\n"));
    });
}
