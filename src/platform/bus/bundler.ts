/**
 * Group publishing: device messages handed over at about the same time (concurrent HTTP
 * requests, several bridge connections) share one bus message and one PubAck. A bundle is sent
 * when full or after `lingerMs` (0: at the end of the current event-loop turn), so a quiet
 * system adds no delay and a busy one sends fewer, larger messages.
 */
import { randomUUID } from "node:crypto";
import { encodeBundle } from "../subjects";
import type { Bus, StreamKey } from "./bus";

export interface BundlerOptions {
  maxMessages: number;
  maxBytes: number;
  lingerMs: number;
}

export const DEFAULT_BUNDLING: BundlerOptions = { maxMessages: 256, maxBytes: 512 * 1024, lingerMs: 0 };

interface Open {
  stream: StreamKey;
  tenant: string;
  frames: Uint8Array[];
  bytes: number;
  waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
  timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate>;
}

export class Bundler {
  private readonly open = new Map<string, Open>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly bus: Bus,
    private readonly o: BundlerOptions = DEFAULT_BUNDLING,
  ) {}

  /** Resolves once the bus has stored the bundle holding `frame`. */
  add(stream: StreamKey, tenant: string, frame: Uint8Array): Promise<void> {
    const key = `${stream}\u0000${tenant}`;
    let b = this.open.get(key);
    if (b && b.bytes + frame.length + 4 > this.o.maxBytes) {
      this.flush(key);
      b = undefined;
    }
    if (!b) {
      const timer = this.o.lingerMs > 0 ? setTimeout(() => this.flush(key), this.o.lingerMs) : setImmediate(() => this.flush(key));
      b = { stream, tenant, frames: [], bytes: 0, waiters: [], timer };
      this.open.set(key, b);
    }
    b.frames.push(frame);
    b.bytes += frame.length + 4;
    const done = new Promise<void>((resolve, reject) => b.waiters.push({ resolve, reject }));
    if (b.frames.length >= this.o.maxMessages) this.flush(key);
    return done;
  }

  private flush(key: string): void {
    const b = this.open.get(key);
    if (!b) return;
    this.open.delete(key);
    clearTimeout(b.timer as ReturnType<typeof setTimeout>);
    clearImmediate(b.timer as ReturnType<typeof setImmediate>);
    // A fresh id per bundle: identical device messages sent at different times are different
    // bundles; the rows' own ids take care of real duplicates.
    const p = this.bus
      .publish(b.stream, b.tenant, encodeBundle(b.frames), { msgId: randomUUID() })
      .then(
        () => b.waiters.forEach((w) => w.resolve()),
        (err) => b.waiters.forEach((w) => w.reject(err)),
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Sends what is open and waits for every bundle in flight. */
  async drain(): Promise<void> {
    for (const key of [...this.open.keys()]) this.flush(key);
    await Promise.allSettled([...this.inFlight]);
  }
}
