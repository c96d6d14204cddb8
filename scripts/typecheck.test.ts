import { expect, test } from "bun:test";
import { join } from "node:path";

test("the whole project type-checks (strict)", () => {
  const r = Bun.spawnSync([process.execPath, "check", "--no-pretty"], { cwd: join(import.meta.dir, ".."), stdout: "pipe", stderr: "pipe" });
  const output = `${r.stdout.toString()}${r.stderr.toString()}`;
  expect(output).toContain("No type errors");
  expect(r.exitCode).toBe(0);
}, 60_000);
