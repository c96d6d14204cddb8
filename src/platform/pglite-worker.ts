/**
 * The embedded PostgreSQL engine, on its own thread: PGlite (PostgreSQL compiled to
 * WebAssembly) served on a Unix socket. Running it in a worker gives the database a core of its
 * own instead of sharing the event loop with HTTP, MQTT and ingest. Started by pglite.ts.
 *
 * PGlite locates its wasm and data files relative to its own module, which Bun does not embed
 * in a compiled binary, so they are imported as files here and handed over explicitly.
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import pgliteWasmPath from "../../node_modules/@electric-sql/pglite/dist/pglite.wasm" with { type: "file" };
import initdbWasmPath from "../../node_modules/@electric-sql/pglite/dist/initdb.wasm" with { type: "file" };
import pgliteDataPath from "../../node_modules/@electric-sql/pglite/dist/pglite.data" with { type: "file" };

declare const self: Worker;

export type EngineRequest = { op: "start"; dataDir: string; socketPath: string; maxConnections: number } | { op: "stop" };
export type EngineReply = { op: "started"; ms: number } | { op: "stopped" } | { op: "failed"; message: string };

let db: PGlite | undefined;
let server: PGLiteSocketServer | undefined;
const reply = (m: EngineReply) => self.postMessage(m);

async function start(r: Extract<EngineRequest, { op: "start" }>): Promise<void> {
  const started = performance.now();
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([
    WebAssembly.compile(await Bun.file(pgliteWasmPath).arrayBuffer()),
    WebAssembly.compile(await Bun.file(initdbWasmPath).arrayBuffer()),
  ]);
  db = await PGlite.create(r.dataDir, { pgliteWasmModule, initdbWasmModule, fsBundle: Bun.file(pgliteDataPath) });
  server = new PGLiteSocketServer({ db, path: r.socketPath, maxConnections: r.maxConnections });
  await server.start();
  reply({ op: "started", ms: Math.round(performance.now() - started) });
}

async function stop(): Promise<void> {
  await server?.stop();
  await db?.close();
  reply({ op: "stopped" });
}

self.onmessage = (e: MessageEvent<EngineRequest>) => {
  const run = e.data.op === "start" ? start(e.data) : stop();
  run.catch((err: unknown) => reply({ op: "failed", message: err instanceof Error ? err.message : String(err) }));
};
