/**
 * Embedded PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly) served on a Unix socket in
 * the data directory, so the rest of Pulse reaches it with postgres.js through the same code
 * as a real server. The socket lives in a 0700 directory: only this user can connect.
 *
 * PGlite locates its wasm and data files relative to its own module, which Bun does not embed
 * in a compiled binary, so they are imported as files here and handed over explicitly.
 */
import { mkdir, rm, chmod } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import pgliteWasmPath from "../../node_modules/@electric-sql/pglite/dist/pglite.wasm" with { type: "file" };
import initdbWasmPath from "../../node_modules/@electric-sql/pglite/dist/initdb.wasm" with { type: "file" };
import pgliteDataPath from "../../node_modules/@electric-sql/pglite/dist/pglite.data" with { type: "file" };
import { PulseError } from "./errors";
import type { Logger } from "./log";

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

  const started = performance.now();
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([
    WebAssembly.compile(await Bun.file(pgliteWasmPath).arrayBuffer()),
    WebAssembly.compile(await Bun.file(initdbWasmPath).arrayBuffer()),
  ]);
  const dataDir = o.dataDir === "memory://" ? o.dataDir : resolve(o.dataDir);
  const db = await PGlite.create(dataDir, { pgliteWasmModule, initdbWasmModule, fsBundle: Bun.file(pgliteDataPath) });
  const maxConnections = 4;
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections });
  await server.start();
  o.log.info("embedded postgres ready", { dataDir, ms: Math.round(performance.now() - started) });

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.stop();
    await db.close();
    await rm(socketPath, { force: true });
  };
  return {
    url: `postgres://postgres@${encodeURIComponent(runDir)}:5432/postgres`,
    maxConnections,
    close,
    [Symbol.asyncDispose]: close,
  };
}
