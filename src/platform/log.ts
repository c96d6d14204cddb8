/**
 * Structured logging: one line per event on stderr (stdout carries command output such as
 * `migrate status --json`). Messages are lowercase facts; values go in fields.
 */
export type Level = "debug" | "info" | "warn" | "error";
export type Fields = Record<string, unknown>;
type LogFn = (msg: string, fields?: Fields) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  with(fields: Fields): Logger;
}

export interface LoggerOptions {
  svc: string;
  level: Level;
  format: "json" | "text";
  write?: (line: string) => void;
}

const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|credential|api[-_]?key/i;

/** Removes a password from a URL so connection strings can be logged. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (!u.password) return raw;
    u.password = "***";
    return u.toString();
  } catch {
    return raw;
  }
}

function serializeError(e: Error): Fields {
  const out: Fields = { name: e.name, message: e.message };
  const code = (e as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (e.stack) out.stack = e.stack;
  if (e.cause instanceof Error) out.cause = serializeError(e.cause);
  return out;
}

function clean(value: unknown, key: string): unknown {
  if (SECRET_KEY.test(key)) return "[redacted]";
  if (value instanceof Error) return serializeError(value);
  if (typeof value === "string" && /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*:[^/\s]*@/i.test(value)) return redactUrl(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}

function cleanFields(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = clean(v, k);
  return out;
}

function textLine(time: string, level: Level, svc: string, msg: string, fields: Fields): string {
  const parts = Object.entries(fields).map(([k, v]) => {
    if (v && typeof v === "object") {
      const err = v as { message?: unknown; stack?: unknown };
      if (level === "debug" && typeof err.stack === "string") return `${k}=${err.stack}`;
      return `${k}=${typeof err.message === "string" ? JSON.stringify(err.message) : JSON.stringify(v)}`;
    }
    return `${k}=${typeof v === "string" && /\s/.test(v) ? JSON.stringify(v) : String(v)}`;
  });
  return [time.slice(11, 23), level.toUpperCase().padEnd(5), svc, msg, ...parts].join(" ");
}

/** `auto` means readable text when a person watches stderr, JSON lines otherwise. */
export const resolveLogFormat = (format: "auto" | "json" | "text"): "json" | "text" =>
  format === "auto" ? (process.stderr.isTTY ? "text" : "json") : format;

export function createLogger(opts: LoggerOptions, bound: Fields = {}): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const min = RANK[opts.level];
  const emit = (level: Level) => (msg: string, fields?: Fields) => {
    if (RANK[level] < min) return;
    const time = new Date().toISOString();
    const all = cleanFields({ ...bound, ...fields });
    if (opts.format === "json") {
      write(JSON.stringify({ time, level, svc: opts.svc, msg, ...all }));
    } else {
      write(textLine(time, level, opts.svc, msg, all));
    }
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    with: (fields) => createLogger(opts, { ...bound, ...fields }),
  };
}
