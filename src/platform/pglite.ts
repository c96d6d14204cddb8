/**
 * Embedded PostgreSQL: PGlite served on a Unix socket in the data directory by a worker thread
 * (pglite-worker.ts), so the rest of Pulse reaches it with postgres.js through the same code as
 * a real server. The socket lives in a 0700 directory: only this user can connect.
 *
 * PGlite is one backend: every socket shares one session, and the protocol messages of two
 * connections can interleave. Keep to ONE client connection (`maxConnections` is 1) and only
 * transaction-local settings.
 */
import { mkdir, rm, chmod } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PulseError } from "./errors";
import type { Logger } from "./log";
import type { EngineReply, EngineRequest } from "./pglite-worker";

export interface EmbeddedPostgres extends AsyncDisposable {
  /** postgres:// URL whose host is the socket directory (libpq style); use it with platform/db `connect`. */
  url: string;
  /** Connections the socket server accepts; keep the client pool at or below it. */
  maxConnections: number;
  close(): Promise<void>;
}

/** Unix socket paths are limited to 107 bytes on Linux. */
const MAX_SOCKET_PATH = 107;

/**
 * The worker's module: a file beside this one in development; in the compiled binary an extra
 * entrypoint (scripts/build.ts), stored under its path from the repository root as `.js`.
 */
const WORKER = import.meta.url.includes("/$bunfs/") ? "/$bunfs/root/src/platform/pglite-worker.js" : new URL("./pglite-worker.ts", import.meta.url).href;

function request(worker: Worker, msg: EngineRequest, want: EngineReply["op"]): Promise<EngineReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (e: MessageEvent<EngineReply>) => {
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
      if (e.data.op === want) resolve(e.data);
      else reject(new PulseError("UNAVAILABLE", `the embedded database failed: ${e.data.op === "failed" ? e.data.message : e.data.op}`));
    };
    const onError = (e: ErrorEvent) => {
      worker.removeEventListener("message", onMessage);
      reject(new PulseError("UNAVAILABLE", `the embedded database thread crashed: ${e.message}`));
    };
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError, { once: true });
    worker.postMessage(msg);
  });
}

/**
 * Opens (creating on first use) the database in `dataDir`, or an in-memory one for
 * `memory://`, and serves it on `<runDir>/.s.PGSQL.5432`.
 */
export async function startEmbeddedPostgres(o: { dataDir: string; runDir: string; log: Logger }): Promise<EmbeddedPostgres> {
  const runDir = resolve(o.runDir);
  const socketPath = join(runDir, ".s.PGSQL.5432");
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new PulseError("USAGE", `data directory path too long for a Unix socket (${socketPath}); choose a shorter --data-dir`);
  }
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  await chmod(runDir, 0o700);
  await rm(socketPath, { force: true });

  const dataDir = o.dataDir === "memory://" ? o.dataDir : resolve(o.dataDir);
  const maxConnections = 1;
  const worker = new Worker(WORKER);
  try {
    const started = await request(worker, { op: "start", dataDir, socketPath, maxConnections }, "started");
    o.log.info("embedded postgres ready", { dataDir, ms: started.op === "started" ? started.ms : undefined });
  } catch (err) {
    worker.terminate();
    throw err;
  }

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await request(worker, { op: "stop" }, "stopped").catch((err) => o.log.warn("embedded postgres did not stop cleanly", { err }));
    worker.terminate();
    await rm(socketPath, { force: true });
  };
  return {
    url: `postgres://postgres@${encodeURIComponent(runDir)}:5432/postgres`,
    maxConnections,
    close,
    [Symbol.asyncDispose]: close,
  };
}
