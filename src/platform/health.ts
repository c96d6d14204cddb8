/**
 * The small HTTP endpoint every worker role exposes: /health (the process runs), /ready (it can
 * do its work: dependencies answer) and /metrics (Prometheus). `pulse serve` answers the same
 * paths from its own API server.
 */
import { PulseError } from "./errors";
import type { Metrics } from "./metrics";

/** Runs the checks; each resolves to "ok" or a reason. */
export async function readiness(checks: Record<string, () => Promise<unknown>>, timeoutMs = 2_000): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const results: Record<string, string> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), timeoutMs));
      results[name] = await Promise.race([check(), timeout]).then(
        () => "ok",
        (e: Error) => e.message,
      );
    }),
  );
  return { ready: Object.values(results).every((r) => r === "ok"), checks: results };
}

export interface HealthServer {
  port: number;
  stop(): Promise<void>;
}

export function serveHealth(o: { host: string; port: number; flag: string; metrics: Metrics; checks: Record<string, () => Promise<unknown>> }): HealthServer {
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: o.host,
      port: o.port,
      async fetch(req) {
        const path = new URL(req.url).pathname;
        if (path === "/health") return Response.json({ status: "ok" });
        if (path === "/ready") {
          const r = await readiness(o.checks);
          return Response.json({ status: r.ready ? "ready" : "not ready", checks: r.checks }, { status: r.ready ? 200 : 503 });
        }
        if (path === "/metrics") return new Response(await o.metrics.render(), { headers: { "content-type": o.metrics.contentType } });
        return new Response("not found\n", { status: 404 });
      },
    });
  } catch (err) {
    throw portError(err, o.port, o.flag);
  }
  return { port: server.port ?? o.port, stop: () => server.stop(true) };
}

/** "Address in use" names the flag that chose the port. */
export function portError(err: unknown, port: number, flag: string): PulseError {
  const inUse = /EADDRINUSE|in use/i.test(String((err as Error)?.message ?? err)) || (err as { code?: string })?.code === "EADDRINUSE";
  return new PulseError("USAGE", inUse ? `port ${port} is already in use (${flag})` : `cannot listen on port ${port} (${flag}): ${(err as Error).message}`, undefined, { cause: err });
}
