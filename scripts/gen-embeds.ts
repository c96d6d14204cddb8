/**
 * Writes src/platform/migrations.gen.ts: one text import per sql/NNNN_name.sql file, so the
 * migrations are compiled into the binary and never read from disk at run time.
 * `bun scripts/gen-embeds.ts --check` fails when the generated file is out of date.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const OUT = join(ROOT, "src/platform/migrations.gen.ts");
const MIGRATION_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;

export function migrationFiles(dir = join(ROOT, "sql")): string[] {
  const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
  files.forEach((f, i) => {
    const m = MIGRATION_NAME.exec(f);
    if (!m) throw new Error(`sql/${f}: migration files are named NNNN_lowercase_name.sql`);
    if (Number(m[1]) !== i + 1) throw new Error(`sql/${f}: expected number ${String(i + 1).padStart(4, "0")} (ids are contiguous from 0001)`);
  });
  return files;
}

export function render(files: string[]): string {
  const ids = files.map((f) => `m${f.slice(0, 4)}`);
  return [
    "// Written by scripts/gen-embeds.ts from sql/*.sql. Do not edit: run `bun run gen`.",
    ...files.map((f, i) => `import ${ids[i]} from "../../sql/${f}" with { type: "text" };`),
    "",
    "export const MIGRATION_FILES: ReadonlyArray<{ file: string; sql: string }> = [",
    ...files.map((f, i) => `  { file: "${f}", sql: ${ids[i]} },`),
    "];",
    "",
  ].join("\n");
}

if (import.meta.main) {
  const text = render(migrationFiles());
  const current = await Bun.file(OUT).text().catch(() => "");
  if (process.argv.includes("--check")) {
    if (current !== text) {
      console.error("src/platform/migrations.gen.ts is out of date: run `bun run gen`");
      process.exit(1);
    }
  } else if (current !== text) {
    await Bun.write(OUT, text);
    console.error("wrote src/platform/migrations.gen.ts");
  }
}
