/**
 * The process machinery behind servers.ts: readiness probes, the start/stop/kill state of one
 * server, and the exit hook and watchdog that SIGKILL whatever a failing test left running.
 */
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import type { Subprocess } from "bun";

export interface ManagedServer extends AsyncDisposable {
  /** connection URL: nats://127.0.0.1:PORT, postgres://postgres@127.0.0.1:PORT/postgres, mqtt://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** the temp directory holding data, config and `server.log`; removed by dispose() */
  readonly dir: string;
  readonly logFile: string;
  /** stop the process (SIGTERM, wait for exit; SIGKILL after 5 s). Data directory is kept. */
  stop(): Promise<void>;
  /** SIGKILL immediately, keep data directory. */
  kill(): Promise<void>;
  /** start again on the SAME port with the SAME data directory; resolves when it accepts connections. */
  start(): Promise<void>;
  /** stop + remove data directory (Symbol.asyncDispose does this too). */
  dispose(): Promise<void>;
}

export const READY_TIMEOUT_MS = 20_000;
export const STOP_GRACE_MS = 5_000;
const SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// A fixed environment: PG*, NATS_* or LANG settings of the developer's shell must not change the servers.
const CHILD_ENV = { PATH: SEARCH_PATH, HOME: "/tmp" };

/** Synchronous SIGKILLs of every running server, and every undisposed directory, for the exit hook. */
const reapers = new Map<object, () => void>();
const liveDirs = new Set<string>();
let exitHooked = false;

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  // Only 'exit': lifecycle tests in the same `bun test` process send themselves SIGTERM/SIGINT
  // and count the listeners, so this module must not add signal handlers.
  process.on("exit", () => {
    for (const reap of reapers.values()) reap();
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Killed by a signal (Ctrl-C, `timeout`, SIGKILL), the test process runs no 'exit' handler, and
 * the postmaster, in a session of its own, would not even get the terminal's signal. So each
 * directory gets a watchdog in its own session: when the test process is gone it SIGKILLs the
 * pids named in the directory's pid files (if their command line still names the directory,
 * so a reused pid is spared) and removes the directory. It ends by itself once dispose() ran.
 */
const WATCHDOG = `
while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done
[ -d "$2" ] || exit 0
for f in "$2/server.pid" "$2/data/postmaster.pid"; do
  pid=$(head -n 1 "$f" 2>/dev/null) || continue
  if tr '\\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$2"; then kill -9 "-$pid" "$pid" 2>/dev/null; fi
done
rm -rf "$2"`;

function watch(dir: string): void {
  const setsid = Bun.which("setsid", { PATH: SEARCH_PATH });
  if (!setsid) return; // the exit hook still covers ordinary ends
  const argv = [setsid, "sh", "-c", WATCHDOG, "pulse-server-watchdog", String(process.pid), dir];
  Bun.spawn(argv, { env: CHILD_ENV, stdin: "ignore", stdout: "ignore", stderr: "ignore" }).unref();
}

export const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
    s.setTimeout(1_000, () => done(false));
  });

/**
 * True when whatever listens on the port answers `hello` with `expect`. A bare TCP connect is
 * not proof: until a server that failed to bind has exited, the connect may reach the process
 * that holds the port instead.
 */
export const speaks = (port: number, o: { hello?: Uint8Array; expect: Uint8Array; bye?: Uint8Array }) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    let got = Buffer.alloc(0);
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      if (ok && o.bye) s.end(o.bye);
      else s.destroy();
      resolve(ok);
    };
    s.once("connect", () => o.hello && s.write(o.hello));
    s.on("data", (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= o.expect.length) done(got.subarray(0, o.expect.length).equals(o.expect));
    });
    s.once("error", () => done(false));
    s.once("close", () => done(false));
    s.setTimeout(1_000, () => done(false));
  });

export function logTail(file: string, lines = 30): string {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "(no log file)";
  return `--- last lines of ${file} ---\n${text.trimEnd().split("\n").slice(-lines).join("\n")}`;
}

export async function waitFor(what: string, logFile: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${READY_TIMEOUT_MS / 1000} s\n${logTail(logFile)}`);
    await Bun.sleep(25);
  }
}

export function findBinary(name: string, hint: string): string {
  const path = Bun.which(name, { PATH: SEARCH_PATH });
  if (!path) throw new Error(`${name} not found in ${SEARCH_PATH} (${hint})`);
  return path;
}

/** Directly under /tmp, not $TMPDIR: PostgreSQL runs as `postgres` and must traverse every parent. */
export function makeDir(kind: string): string {
  const dir = mkdtempSync(`/tmp/pulse-${kind}-`);
  chmodSync(dir, 0o755);
  liveDirs.add(dir);
  hookExit();
  watch(dir);
  return dir;
}

/** What differs between servers; `manage` adds the state, serialization and cleanup. */
export interface Engine {
  /** starts the process; resolves once it accepts connections */
  launch(): Promise<void>;
  halt(): Promise<void>;
  crash(): Promise<void>;
  /** synchronous SIGKILL, for the exit hook and failed launches; a no-op when not running */
  reap(): void;
}

/** The state of one server; methods are bound, so `setTimeout(server.start, 10_000)` works. */
class Handle implements ManagedServer {
  private running = false;
  private queue: Promise<void> = Promise.resolve();
  constructor(
    readonly url: string,
    readonly port: number,
    readonly dir: string,
    readonly logFile: string,
    private readonly engine: Engine,
  ) {}

  /** start/stop/kill never overlap: a stop() issued while a restart is under way waits for it. */
  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.catch(() => undefined).then(fn);
    this.queue = next;
    return next;
  }

  private down(): void {
    this.running = false;
    reapers.delete(this);
  }

  private whileRunning(fn: () => Promise<void>): Promise<void> {
    return this.serial(async () => {
      if (!this.running) return;
      await fn();
      this.down();
    });
  }

  start = () =>
    this.serial(async () => {
      if (this.running) return;
      reapers.set(this, () => this.engine.reap());
      try {
        await this.engine.launch();
        this.running = true;
      } catch (err) {
        this.engine.reap();
        this.down();
        throw err;
      }
    });
  stop = () => this.whileRunning(() => this.engine.halt());
  kill = () => this.whileRunning(() => this.engine.crash());
  dispose = async () => {
    try {
      await this.stop().catch(() => this.kill());
    } finally {
      this.engine.reap();
      this.down();
      rmSync(this.dir, { recursive: true, force: true });
      liveDirs.delete(this.dir);
    }
  };
  [Symbol.asyncDispose] = this.dispose;
}

export const manage = (o: { url: string; port: number; dir: string; logFile: string; engine: Engine }): ManagedServer =>
  new Handle(o.url, o.port, o.dir, o.logFile, o.engine);

/** Starts the server; on failure removes everything it made before rethrowing. */
export async function launched(server: ManagedServer): Promise<ManagedServer> {
  try {
    await server.start();
    return server;
  } catch (err) {
    await server.dispose().catch(() => undefined);
    throw err;
  }
}

/** A server that runs in the foreground as our child: NATS, Mosquitto, the appliance's processes. `env` adds to the fixed environment. */
export function childEngine(name: string, argv: string[], port: number, logFile: string, ready: () => Promise<boolean>, env: Record<string, string> = {}): Engine {
  const pidFile = join(dirname(logFile), "server.pid"); // for the watchdog
  let proc: Subprocess | undefined;
  const exited = (p: Subprocess) => p.exitCode !== null || p.signalCode !== null;
  return {
    async launch() {
      const fd = openSync(logFile, "a");
      try {
        proc = Bun.spawn(argv, { env: { ...CHILD_ENV, ...env }, stdin: "ignore", stdout: fd, stderr: fd });
      } finally {
        closeSync(fd); // the child has its own copy
      }
      writeFileSync(pidFile, `${proc.pid}\n`);
      const p = proc;
      await waitFor(`${name} did not accept connections on 127.0.0.1:${port}`, logFile, () => {
        if (exited(p)) throw new Error(`${name} exited (code ${p.exitCode}, signal ${p.signalCode}) before accepting connections\n${logTail(logFile)}`);
        return ready();
      });
    },
    async halt() {
      if (!proc) return;
      proc.kill("SIGTERM");
      let timer: Timer | undefined;
      const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), STOP_GRACE_MS)));
      if ((await Promise.race([proc.exited, late])) === "late") proc.kill("SIGKILL");
      clearTimeout(timer);
      await proc.exited;
    },
    async crash() {
      proc?.kill("SIGKILL");
      await proc?.exited;
    },
    reap() {
      if (proc && !exited(proc)) proc.kill("SIGKILL");
    },
  };
}

export async function run(argv: string[], cwd: string): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn(argv, { env: CHILD_ENV, cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, output: `${out}${err}`.trim() };
}
