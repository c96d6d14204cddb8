/**
 * `pulse up` as a user runs it: a child process (from source, or the compiled binary) on free
 * ports with its own data directory, driven from outside over HTTP and MQTT.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./servers";

const ENTRY = join(import.meta.dir, "../../cmd/pulse.ts");
export const UP_PASSWORD = "correct-horse-battery";

export interface UpProcess extends AsyncDisposable {
  pid: number;
  url: string;
  mqttUrl: string;
  wsUrl: string;
  dataDir: string;
  /** The JSON "pulse is up" log line. */
  ready: Record<string, unknown>;
  stdout(): string;
  stderr(): string;
  /** Sends the signal and waits for the exit code. */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<number>;
  api<T = any>(method: string, path: string, o?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: T }>;
  /** An access token of the first admin (tenant `default`). */
  login(email?: string): Promise<string>;
}

export interface UpOptions {
  /** Reuse a data directory (a restart); by default a fresh one, removed on dispose. */
  dataDir?: string;
  binary?: string;
  /** Working directory of the process. */
  cwd?: string;
  /** Options for bun itself (from source only), e.g. a CPU profile. */
  bunArgs?: string[];
  args?: string[];
  env?: Record<string, string>;
  ports?: { http: number; mqtt: number; ws: number };
  timeoutMs?: number;
}

async function readLines(stream: ReadableStream<Uint8Array>, sink: string[], onLine?: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const lines = text.split("\n");
    rest = lines.pop()!;
    for (const l of lines) {
      sink.push(l);
      onLine?.(l);
    }
  }
  if (rest) sink.push(rest);
}

export async function startUp(o: UpOptions = {}): Promise<UpProcess> {
  const owned = !o.dataDir;
  const dataDir = o.dataDir ?? (await mkdtemp(join(tmpdir(), "pulse-up-")));
  const ports = o.ports ?? { http: await freePort(), mqtt: await freePort(), ws: await freePort() };
  const args = ["up", "--data-dir", dataDir, "--http-host", "127.0.0.1", "--http-port", String(ports.http), "--mqtt-port", String(ports.mqtt), "--mqtt-ws-port", String(ports.ws), ...(o.args ?? [])];
  const cmd = o.binary ? [o.binary, ...args] : [process.execPath, ...(o.bunArgs ?? []), ENTRY, ...args];
  const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp", PULSE_LOG_FORMAT: "json", PULSE_ADMIN_PASSWORD: UP_PASSWORD, ...o.env };
  const proc = Bun.spawn(cmd, { env, cwd: o.cwd, stdout: "pipe", stderr: "pipe" });
  const out: string[] = [];
  const err: string[] = [];
  let ready: Record<string, unknown> | undefined;
  const seen = new Promise<void>((resolve) => {
    void readLines(proc.stderr, err, (line) => {
      if (!line.includes('"pulse is up"')) return;
      ready = JSON.parse(line);
      resolve();
    });
  });
  void readLines(proc.stdout, out);
  const timeout = Bun.sleep(o.timeoutMs ?? 90_000).then(() => "timeout" as const);
  const outcome = await Promise.race([seen.then(() => "ready" as const), proc.exited.then(() => "exited" as const), timeout]);
  if (outcome !== "ready") {
    proc.kill(9);
    await proc.exited;
    if (owned) await rm(dataDir, { recursive: true, force: true });
    throw new Error(`pulse up did not become ready (${outcome}):\n${err.slice(-30).join("\n")}\n${out.join("\n")}`);
  }
  // The banner goes to stdout just before the log line; give its pipe a moment to catch up.
  for (let i = 0; i < 50 && !out.some((l) => l.startsWith("Pulse is up")); i++) await Bun.sleep(20);
  const url = `http://127.0.0.1:${ports.http}`;
  const api: UpProcess["api"] = async (method, path, a = {}) => {
    const headers: Record<string, string> = { ...a.headers };
    if (a.token) headers.authorization = `Bearer ${a.token}`;
    if (a.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(url + path, { method, headers, body: a.body === undefined ? undefined : JSON.stringify(a.body) });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, body };
  };
  let exited = false;
  void proc.exited.then(() => (exited = true));
  const stop = async (signal: "SIGTERM" | "SIGKILL" = "SIGTERM") => {
    if (!exited) proc.kill(signal);
    return proc.exited;
  };
  return {
    pid: proc.pid,
    url,
    mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
    wsUrl: `ws://127.0.0.1:${ports.ws}/mqtt`,
    dataDir,
    ready: ready!,
    stdout: () => out.join("\n"),
    stderr: () => err.join("\n"),
    stop,
    api,
    async login(email = "admin@pulse.local") {
      const r = await api<{ accessToken: string }>("POST", "/api/v1/auth/login", { body: { email, password: UP_PASSWORD } });
      if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.accessToken;
    },
    async [Symbol.asyncDispose]() {
      await stop("SIGKILL");
      if (owned) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
