/** Runs the `pulse` CLI as a separate process, from source or as a compiled binary. */
import { join } from "node:path";

const ENTRY = join(import.meta.dir, "../../cmd/pulse.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runPulse(
  args: string[],
  o: { env?: Record<string, string>; binary?: string; cwd?: string } = {},
): Promise<CliResult> {
  const cmd = o.binary ? [o.binary, ...args] : [process.execPath, ENTRY, ...args];
  // A clean environment: nothing from the developer's shell leaks into what is tested.
  const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp", PULSE_LOG_FORMAT: "json", ...o.env };
  const proc = Bun.spawn(cmd, { env, cwd: o.cwd, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

export const ROLES = ["serve", "ingest", "evaluate", "bridge", "deliver", "ops", "migrate", "up"] as const;
