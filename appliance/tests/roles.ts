/** What the appliance tests read from Pulse's own source: the roles that are built. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Long-running roles that are built (cmd/roles.ts gives them a loader; `ops` has none yet). */
export function builtRoles(): string[] {
  const src = readFileSync(join(import.meta.dir, "../../cmd/roles.ts"), "utf8");
  return src
    .split("registerRole(program, ")
    .slice(1)
    .filter((chunk) => chunk.slice(0, chunk.indexOf(";\n")).includes("await import("))
    .map((chunk) => /^"([a-z]+)"/.exec(chunk)![1]!);
}
