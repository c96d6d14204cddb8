/**
 * Start-up cost of the compiled binary: `pulse --help` and `pulse version`, run as fresh
 * processes. Builds dist/pulse first when it is missing.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildBinary } from "../build";
import { summarize } from "./stats";

const binary = join(import.meta.dir, "../../dist/pulse");
if (!existsSync(binary)) await buildBinary(binary);
console.log(`binary: ${binary} ${(statSync(binary).size / 1024 / 1024).toFixed(1)} MiB`);

for (const args of [["--help"], ["version"]]) {
  const samples: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    const r = Bun.spawnSync([binary, ...args], { stdout: "ignore", stderr: "ignore", env: { PATH: "/usr/bin:/bin" } });
    if (r.exitCode !== 0) throw new Error(`pulse ${args.join(" ")} exited ${r.exitCode}`);
    if (i >= 3) samples.push(performance.now() - t); // first runs warm the page cache
  }
  console.log(`pulse ${args.join(" ")}: ${summarize(samples)}`);
}
