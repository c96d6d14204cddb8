/**
 * A minimal SMTP server on loopback that records every message, for e-mail channel tests.
 * Plain TCP only (no STARTTLS), so clients must be configured not to require TLS. AUTH
 * accepts any credentials and records them.
 */
import { type AddressInfo, createServer, type Socket } from "node:net";
import { Arrivals } from "./receiver";

export interface SinkMessage {
  from: string;
  to: string[];
  /** The message as sent, dot-stuffing removed, lines joined with CRLF. */
  data: string;
  /** The Subject header, RFC 2047 encoded words decoded. */
  subject: string;
}

export interface SmtpSink extends AsyncDisposable {
  port: number;
  messages: SinkMessage[];
  /** Credentials clients authenticated with, in order. */
  logins: Array<{ username: string; password: string }>;
  /** TCP connections accepted (an SSRF test expects 0). */
  connections: number;
  waitFor(n: number, timeoutMs?: number): Promise<SinkMessage[]>;
  close(): Promise<void>;
}

interface Session {
  from: string;
  to: string[];
  /** Lines of the message while in DATA mode. */
  data: string[] | null;
  /** The next step of an AUTH exchange in progress. */
  auth: ((line: string) => string) | null;
}

const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

function decodeWord(charset: string, enc: string, text: string): string {
  const bytes = enc.toUpperCase() === "B"
    ? Buffer.from(text, "base64")
    : Buffer.from(text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))), "latin1");
  try {
    return new TextDecoder(charset.toLowerCase() as ConstructorParameters<typeof TextDecoder>[0]).decode(bytes);
  } catch {
    return bytes.toString("utf8"); // an unknown charset label
  }
}

/** RFC 2047: `=?UTF-8?B?…?=` words; whitespace between two encoded words is dropped. */
export function decodeHeader(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, cs: string, enc: string, text: string) => decodeWord(cs, enc, text));
}

function subjectOf(lines: string[]): string {
  const end = lines.indexOf("");
  const head = (end < 0 ? lines : lines.slice(0, end)).join("\r\n").replace(/\r\n[ \t]+/g, " ");
  const m = /^subject:[ \t]*(.*)$/im.exec(head);
  return m ? decodeHeader(m[1]!) : "";
}

const addressOf = (arg: string) => /<([^>]*)>/.exec(arg)?.[1] ?? arg.trim();

type RecordLogin = (username: string, password: string) => void;

function plainAuth(record: RecordLogin) {
  return (line: string) => {
    const [, user = "", pass = ""] = b64(line).split("\0");
    record(user, pass);
    return "235 2.7.0 Authentication successful";
  };
}

function loginAuth(record: RecordLogin) {
  let user: string | null = null;
  return (line: string) => {
    if (user === null) {
      user = b64(line);
      return "334 UGFzc3dvcmQ6";
    }
    record(user, b64(line));
    return "235 2.7.0 Authentication successful";
  };
}

const fresh = (): Session => ({ from: "", to: [], data: null, auth: null });

class Sink implements SmtpSink {
  port = 0;
  connections = 0;
  readonly logins: Array<{ username: string; password: string }> = [];
  private readonly arrivals = new Arrivals<SinkMessage>("messages");
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((socket) => this.serve(socket));

  get messages(): SinkMessage[] {
    return this.arrivals.items;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  waitFor(n: number, timeoutMs?: number): Promise<SinkMessage[]> {
    return this.arrivals.waitFor(n, timeoutMs);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const socket of this.sockets) socket.destroy();
      this.server.close(() => resolve());
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private serve(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const s = fresh();
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let i = pending.indexOf("\r\n"); i >= 0; i = pending.indexOf("\r\n")) {
        const reply = this.onLine(s, pending.subarray(0, i).toString("utf8"));
        pending = pending.subarray(i + 2);
        if (reply === null) return void socket.end("221 2.0.0 Bye\r\n");
        if (reply) socket.write(`${reply}\r\n`);
      }
    });
    socket.write("220 pulse-smtp-sink ESMTP ready\r\n");
  }

  /** The reply to one line: "" for none (inside DATA), null to hang up. */
  private onLine(s: Session, line: string): string | null {
    if (s.data) {
      if (line !== ".") {
        s.data.push(line.startsWith(".") ? line.slice(1) : line);
        return "";
      }
      this.arrivals.push({ from: s.from, to: s.to, data: s.data.join("\r\n"), subject: subjectOf(s.data) });
      Object.assign(s, fresh());
      return "250 2.0.0 queued";
    }
    if (s.auth) {
      const reply = s.auth(line);
      if (reply.startsWith("235")) s.auth = null;
      return reply;
    }
    const [verb = "", ...rest] = line.split(" ");
    return this.command(s, verb.toUpperCase(), rest.join(" "));
  }

  private command(s: Session, verb: string, arg: string): string | null {
    switch (verb) {
      case "EHLO":
        return "250-pulse-smtp-sink\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SIZE 10485760";
      case "HELO":
        return "250 pulse-smtp-sink";
      case "AUTH":
        return this.auth(s, arg);
      case "MAIL":
        Object.assign(s, { from: addressOf(arg.replace(/^FROM:/i, "")), to: [] });
        return "250 2.1.0 OK";
      case "RCPT":
        s.to.push(addressOf(arg.replace(/^TO:/i, "")));
        return "250 2.1.5 OK";
      case "DATA":
        if (s.to.length === 0) return "503 5.5.1 RCPT first";
        s.data = [];
        return "354 End data with <CR><LF>.<CR><LF>";
      case "RSET":
        Object.assign(s, fresh());
        return "250 2.0.0 OK";
      case "NOOP":
        return "250 2.0.0 OK";
      case "QUIT":
        return null;
      default:
        return "502 5.5.2 command not recognized";
    }
  }

  private auth(s: Session, arg: string): string {
    const [mech = "", initial] = arg.split(" ");
    const login = mech.toUpperCase() === "LOGIN";
    const record = (username: string, password: string) => void this.logins.push({ username, password });
    s.auth = login ? loginAuth(record) : plainAuth(record);
    if (initial === undefined) return login ? "334 VXNlcm5hbWU6" : "334 ";
    const reply = s.auth(initial);
    if (reply.startsWith("235")) s.auth = null;
    return reply;
  }
}

export async function startSmtpSink(): Promise<SmtpSink> {
  return new Sink().start();
}
