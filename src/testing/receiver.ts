/**
 * A recording HTTP endpoint on loopback that stands in for a webhook, Slack, Teams or
 * PagerDuty in tests. It counts accepted TCP connections too, so an SSRF test can show that a
 * refused request never reached it, and it can go down and come back on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  /** Path and query string. */
  path: string;
  /** Lower-case names, as Node reports them. */
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
  at: number;
}

export interface ReceiverReply {
  /** Response body; by default `{"status":"<code>"}`. */
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (for timeout tests). */
  delayMs?: number;
}

export interface Receiver extends AsyncDisposable {
  url: string;
  port: number;
  requests: RecordedRequest[];
  connections: number;
  /** Status (and optionally body, headers, delay) for later requests; 200 by default. */
  respondWith(status: number, reply?: ReceiverReply): void;
  /** Stop listening: connections are refused. */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  /** Resolves once at least `n` requests arrived; rejects after `timeoutMs` (5 s). */
  waitFor(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

/** A list that tests can wait on until it holds enough items. */
export class Arrivals<T> {
  readonly items: T[] = [];
  private readonly wakers = new Set<() => void>();

  constructor(private readonly what: string) {}

  push(item: T): void {
    this.items.push(item);
    for (const wake of this.wakers) wake();
  }

  waitFor(n: number, timeoutMs = 5_000): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.items.length < n) return;
        cleanup();
        resolve(this.items);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`expected ${n} ${this.what} within ${timeoutMs} ms, got ${this.items.length}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.wakers.delete(check);
      };
      this.wakers.add(check);
      check();
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

class RecordingServer implements Receiver {
  url = "";
  port = 0;
  connections = 0;
  private readonly arrivals = new Arrivals<RecordedRequest>("requests");
  private status: number;
  private reply: ReceiverReply = {};
  private readonly server: Server;

  constructor(status: number) {
    this.status = status;
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on("connection", () => this.connections++);
  }

  get requests(): RecordedRequest[] {
    return this.arrivals.items;
  }

  async start(): Promise<this> {
    await this.listen(0);
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  respondWith(status: number, reply: ReceiverReply = {}): void {
    this.status = status;
    this.reply = reply;
  }

  down(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  up(): Promise<void> {
    return this.listen(this.port);
  }

  waitFor(n: number, timeoutMs?: number): Promise<RecordedRequest[]> {
    return this.arrivals.waitFor(n, timeoutMs);
  }

  close(): Promise<void> {
    return this.server.listening ? this.down() : Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      this.arrivals.push({ method: req.method ?? "", path: req.url ?? "", headers: flatHeaders(req), body, json: parseJson(body), at: Date.now() });
      const status = this.status;
      const { body: out = JSON.stringify({ status: String(status) }), headers = { "content-type": "application/json" }, delayMs = 0 } = this.reply;
      const answer = () => {
        if (!res.destroyed) res.writeHead(status, headers).end(out);
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  }
}

export async function startReceiver(o: { status?: number } = {}): Promise<Receiver> {
  return new RecordingServer(o.status ?? 200).start();
}
