/** `bun run bench <name>`: runs scripts/bench/<name>.ts, which prints its numbers. */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dir, "bench");
const names = readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort();
const name = process.argv[2];
if (!name || !names.includes(name)) {
  console.error(`usage: bun run bench <${names.join("|")}>`);
  process.exit(2);
}
await import(join(dir, `${name}.ts`));
