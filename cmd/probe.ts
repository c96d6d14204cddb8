/**
 * `pulse probe [target]`: a health check for containers that hold nothing but this binary
 * (no curl, no shell). GETs a role's `/ready` (or `--path`) on loopback; exit 0 on a 2xx answer,
 * 3 when the role is unreachable or not ready, 2 for a bad target.
 */
import type { Command } from "commander";
import { PulseError } from "../src/platform/errors";

const TIMEOUT_MS = 3_000;

/** A port (`9464`), `host:port` or a full http(s) URL; a port or host:port gets `path`. */
export function probeUrl(target: string, path: string): string {
  if (/^https?:\/\//.test(target)) {
    try {
      return new URL(target).toString();
    } catch {
      throw new PulseError("USAGE", `invalid probe target ${JSON.stringify(target)}: expected a port, host:port or http(s) URL`);
    }
  }
  const m = /^(?:([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):)?(\d{1,5})$/.exec(target);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) {
    throw new PulseError("USAGE", `invalid probe target ${JSON.stringify(target)}: expected a port, host:port or http(s) URL`);
  }
  if (!path.startsWith("/")) throw new PulseError("USAGE", `invalid value ${JSON.stringify(path)} for --path: expected a path starting with /`);
  return `http://${m[1] ?? "127.0.0.1"}:${port}${path}`;
}

export function registerProbe(program: Command): void {
  program
    .command("probe")
    .description("health check: GET a role's /ready on loopback; exit 0 when it answers 2xx (for container HEALTHCHECKs)")
    .argument("[target]", "port, host:port or URL of the role's health endpoint (workers 9464, serve 8080)", "9464")
    .option("--path <path>", "path when the target is a port or host:port", "/ready")
    .action(async (target: string, opts: { path: string }) => {
      const url = probeUrl(target, opts.path);
      let res: Response;
      try {
        res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "manual" });
      } catch (err) {
        const e = err as Error & { code?: string };
        const why = e.name === "TimeoutError" ? `no answer within ${TIMEOUT_MS / 1000} s` : (e.code ?? e.message);
        throw new PulseError("UNAVAILABLE", `${url} is unreachable: ${why}`);
      }
      await res.arrayBuffer();
      if (res.status < 200 || res.status > 299) throw new PulseError("UNAVAILABLE", `${url} answered ${res.status}`);
    });
}
