/**
 * Private, throwaway instances of the real servers (NATS with JetStream, PostgreSQL,
 * Mosquitto) as child processes, for fault-injection tests that stop, kill and restart
 * them. Each gets a free loopback port and its own directory under /tmp (data, config,
 * log), so the shared services on 4222, 5432 and 1883 are never touched.
 */
import { chownSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import {
  canConnect, childEngine, type Engine, findBinary, launched, logTail, type ManagedServer, makeDir, manage,
  READY_TIMEOUT_MS, run, speaks, STOP_GRACE_MS, waitFor,
} from "./server-process";

export type { ManagedServer } from "./server-process";

const SHARED_PORTS = new Set([1883, 4222, 5432, 8222]);
/** Ports already handed out by this process: the kernel may offer a closed one again. */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
      });
    });
    if (port > 0 && !SHARED_PORTS.has(port) && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export async function startNats(opts: { maxStoreBytes?: number; auth?: { user: string; pass: string } | { token: string } } = {}): Promise<ManagedServer> {
  const bin = findBinary("nats-server", "apt-get install nats-server");
  const port = await freePort();
  const dir = makeDir("nats");
  const logFile = join(dir, "server.log");
  const config = join(dir, "nats.conf");
  // A config file rather than -js/-sd flags: the store limit has no command-line flag.
  const limit = opts.maxStoreBytes === undefined ? "" : `\n  max_file_store: ${opts.maxStoreBytes}`;
  const auth = !opts.auth ? "" : "token" in opts.auth ? `authorization { token: ${JSON.stringify(opts.auth.token)} }\n`
    : `authorization { users: [ { user: ${JSON.stringify(opts.auth.user)}, password: ${JSON.stringify(opts.auth.pass)} } ] }\n`;
  writeFileSync(config, `listen: "127.0.0.1:${port}"\n${auth}jetstream {\n  store_dir: "${join(dir, "store")}"${limit}\n}\n`);
  const ready = () => speaks(port, { expect: Buffer.from("INFO {") });
  const engine = childEngine("nats-server", [bin, "-c", config], port, logFile, ready);
  return launched(manage({ url: `nats://127.0.0.1:${port}`, port, dir, logFile, engine }));
}

/** MQTT 3.1.1 CONNECT with an empty client id and a clean session; CONNACK "accepted"; DISCONNECT. */
const MQTT_PROBE = {
  hello: Buffer.from("100c00044d5154540402003c0000", "hex"),
  expect: Buffer.from("20020000", "hex"),
  bye: Buffer.from("e000", "hex"),
};

export async function startMosquitto(): Promise<ManagedServer> {
  const bin = findBinary("mosquitto", "apt-get install mosquitto");
  const port = await freePort();
  const dir = makeDir("mqtt");
  const logFile = join(dir, "server.log");
  const config = join(dir, "mosquitto.conf");
  const lines = [
    `listener ${port} 127.0.0.1`,
    "allow_anonymous true",
    "persistence true",
    `persistence_location ${dir}/`,
    "max_queued_messages 0", // unlimited: the bridge must never lose queued QoS 1 messages
    "max_inflight_messages 100",
    "autosave_interval 1",
    "user root", // as root it would otherwise switch to `mosquitto`, which cannot write our directory
    "log_dest stderr",
    ...["error", "warning", "notice", "information"].map((t) => `log_type ${t}`), // one type per line, or the rest are ignored
  ];
  writeFileSync(config, `${lines.join("\n")}\n`);
  const engine = childEngine("mosquitto", [bin, "-c", config], port, logFile, () => speaks(port, MQTT_PROBE));
  return launched(manage({ url: `mqtt://127.0.0.1:${port}`, port, dir, logFile, engine }));
}

/** The newest installed major version (Debian: /usr/lib/postgresql/<major>/bin). */
function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, "bin", "initdb"))) : [];
  const newest = majors.sort((a, b) => Number(a) - Number(b)).at(-1);
  if (!newest) throw new Error(`no PostgreSQL under ${root} (apt-get install postgresql)`);
  return join(root, newest, "bin");
}

const isRoot = () => process.getuid?.() === 0;
/** initdb and the postmaster refuse to run as root. */
const asPostgres = (argv: string[]) => (isRoot() ? [findBinary("runuser", "util-linux"), "-u", "postgres", "--", ...argv] : argv);

function chownToPostgres(dir: string): void {
  if (!isRoot()) return;
  const entry = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  const [, , uid, gid] = entry?.split(":") ?? [];
  if (!uid || !gid) throw new Error("no `postgres` user in /etc/passwd (apt-get install postgresql)");
  chownSync(dir, Number(uid), Number(gid));
}

/** /proc/PID/stat fields after the command name: state, ppid, pgrp. */
function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state = "", , pgrp = ""] = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state, pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

/** Any process of the group (the postmaster and its backends) that is not yet dead. */
const groupAlive = (pgid: number) =>
  readdirSync("/proc").some((d) => {
    const st = /^\d+$/.test(d) ? procStat(Number(d)) : undefined;
    return st !== undefined && st.pgrp === pgid && st.state !== "Z";
  });

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // pg_ctl starts the postmaster in its own session: this reaches every backend
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function killCluster(postmaster: number | undefined, port: number, lockFiles: string[], logFile: string): Promise<void> {
  if (postmaster) {
    signalGroup(postmaster, "SIGKILL");
    await waitFor(`postmaster ${postmaster} did not die`, logFile, () => !groupAlive(postmaster));
    // Orphans are reaped by PID 1, sometimes seconds later; the new postmaster would take an
    // unreaped zombie named in its lock files for a running server and refuse to start.
    if (procStat(postmaster)?.state === "Z") for (const lock of lockFiles) rmSync(lock, { force: true });
  }
  await waitFor(`port ${port} still open after SIGKILL`, logFile, async () => !(await canConnect(port)));
}

function postgresEngine(bin: string, dir: string, port: number, logFile: string, settings: string[]): Engine {
  const data = join(dir, "data");
  const pidFile = join(data, "postmaster.pid");
  const pgCtl = (...args: string[]) => run(asPostgres([join(bin, "pg_ctl"), ...args, "-D", data]), dir);
  const readPid = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) || undefined : undefined);
  const lockFiles = [pidFile, join(dir, `.s.PGSQL.${port}.lock`)];
  let pid: number | undefined;
  const crash = async () => {
    const victim = pid ?? readPid();
    pid = undefined;
    await killCluster(victim, port, lockFiles, logFile);
  };
  return {
    async launch() {
      const options = [`-p ${port}`, `-k ${dir}`, ...settings.map((s) => `-c ${s}`)].join(" ");
      const r = await pgCtl("start", "-w", "-t", String(READY_TIMEOUT_MS / 1000), "-l", logFile, "-o", options);
      pid = readPid();
      if (r.code !== 0) throw new Error(`pg_ctl start failed (exit ${r.code}): ${r.output}\n${logTail(logFile)}`);
      await waitFor(`postgres did not accept connections on 127.0.0.1:${port}`, logFile, () => canConnect(port));
    },
    async halt() {
      const r = await pgCtl("stop", "-m", "fast", "-w", "-t", String(STOP_GRACE_MS / 1000));
      if (r.code !== 0) await crash();
      pid = undefined;
    },
    crash,
    reap() {
      if (pid) signalGroup(pid, "SIGKILL");
    },
  };
}

/**
 * A throwaway cluster. `synchronous_commit` stays on by default: with it off a commit is
 * acknowledged before its WAL leaves shared memory, so kill() would lose acknowledged rows and
 * crash tests would blame the code under test. fsync=off alone loses nothing when only the
 * process dies, and costs no disk flushes.
 */
export async function startPostgres(opts: { synchronousCommit?: boolean; settings?: string[] } = {}): Promise<ManagedServer> {
  const bin = postgresBin();
  const port = await freePort();
  const dir = makeDir("pg");
  const logFile = join(dir, "server.log");
  // `settings` come last, so they override these (a benchmark wants fsync on).
  const settings = ["listen_addresses=127.0.0.1", "fsync=off", `synchronous_commit=${opts.synchronousCommit === false ? "off" : "on"}`, "full_page_writes=off", ...(opts.settings ?? [])];
  const engine = postgresEngine(bin, dir, port, logFile, settings);
  const server = manage({ url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, dir, logFile, engine });
  try {
    chownToPostgres(dir);
    const init = [join(bin, "initdb"), "-D", join(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"];
    const r = await run(asPostgres(init), dir);
    if (r.code !== 0) throw new Error(`initdb failed (exit ${r.code}):\n${r.output}`);
  } catch (err) {
    await server.dispose();
    throw err;
  }
  return launched(server);
}
