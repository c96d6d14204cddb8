/**
 * One client's Server-Sent Event stream of live updates: framing, a keepalive comment (Bun.serve
 * cuts a connection idle for its idleTimeout, 10 s by default), the end at token expiry, and a
 * cut-off for a client that stops reading. Frames are encoded once and shared by every stream.
 */

export interface Subscription {
  tenantId: string;
  devices: readonly string[];
  /** Fleet counts, and the state of every device rather than only `devices`. */
  fleet: boolean;
  /** The access token's expiry: the stream ends then, so the client reconnects with a fresh token. */
  expiresAt: Date;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
}

/** Bytes queued for a client that stopped reading before it is cut off (it reconnects and refetches). */
const MAX_QUEUED_BYTES = 1 << 20;
const MAX_TIMER_MS = 2_147_483_647;

const encoder = new TextEncoder();
const KEEPALIVE = encoder.encode(": keepalive\n\n");

/** `event: <name>`, an `id:` when given, and one line of JSON data. */
export const frame = (event: string, json: string, id?: number) =>
  encoder.encode(`event: ${event}\n${id === undefined ? "" : `id: ${id}\n`}data: ${json}\n\n`);

/** One client's stream: what it follows, and whether it has had `hello` and which fleet counts. */
export class LiveStream {
  readonly body: ReadableStream<Uint8Array>;
  readonly devices: ReadonlySet<string>;
  readonly fleet: boolean;
  /** Events go out only after `hello`. */
  welcomed = false;
  /** The fleet event last sent, as JSON: an unchanged one is not repeated. */
  fleetSent: string | null = null;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly keepalive: Timer;
  private readonly expiry: Timer;
  private ended = false;

  constructor(sub: Subscription, keepaliveMs: number, private readonly onEnd: (s: LiveStream) => void) {
    this.devices = new Set(sub.devices);
    this.fleet = sub.fleet;
    this.body = new ReadableStream<Uint8Array>(
      { start: (c) => void (this.controller = c), cancel: () => this.end() },
      { highWaterMark: MAX_QUEUED_BYTES, size: (chunk) => chunk?.byteLength ?? 0 },
    );
    this.keepalive = setInterval(() => this.push(KEEPALIVE), keepaliveMs);
    this.expiry = setTimeout(() => this.end(), Math.min(MAX_TIMER_MS, Math.max(0, sub.expiresAt.getTime() - Date.now())));
    this.keepalive.unref();
    this.expiry.unref();
    if (sub.signal?.aborted) queueMicrotask(() => this.end());
    sub.signal?.addEventListener("abort", () => this.end(), { once: true });
  }

  /** Whether a device's changes go to this stream; in a burst, fleet streams take `resync` instead. */
  wants(deviceId: string, burst: boolean): boolean {
    return this.devices.has(deviceId) || (this.fleet && !burst);
  }

  push(bytes: Uint8Array): void {
    if (this.ended) return;
    try {
      this.controller.enqueue(bytes);
    } catch {
      return this.end();
    }
    if ((this.controller.desiredSize ?? 0) < 0) this.end(new Error("the client is not reading"));
  }

  end(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepalive);
    clearTimeout(this.expiry);
    try {
      if (err) this.controller.error(err);
      else this.controller.close();
    } catch {
      // the client already cancelled it
    }
    this.onEnd(this);
  }
}
