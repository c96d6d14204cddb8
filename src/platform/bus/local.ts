/**
 * The Bus in one process, for `pulse up`: the same contract as JetStream without a server.
 *
 * Durability: every published message is appended to a segment file in the bus directory and
 * `publish` resolves only after the append is fdatasync'ed (group commit: one sync covers every
 * append made while the previous one ran), so a PubAck survives kill -9 and power loss alike.
 * Segments are work queues: a segment whose messages are all acknowledged is deleted. On start
 * every message left in a segment is delivered again; consumers' writes are idempotent, so
 * the few that were acked just before a crash are stored once.
 *
 * Messages waiting for their consumer are held in memory, up to `storageBytes` split by stream
 * share; a full stream refuses publishes ("the bus is full") — the backpressure the edges turn
 * into 503s and withheld PUBACKs. Unacknowledged deliveries come back after `ackWaitMs`, naks
 * after their delay; a message is delivered at most `maxDeliver` times, then parked until the
 * next start (the handlers quarantine a message before that).
 */
import { closeSync, fdatasync as fdatasyncAsync, fdatasyncSync, mkdirSync, openSync, readdirSync, readFileSync, unlink, unlinkSync, writeSync } from "node:fs";
import { promisify } from "node:util";
import { join } from "node:path";
import { PulseError } from "../errors";
import type { Logger } from "../log";
import { ACK_WAIT_MS, busNames, DUPLICATE_WINDOW_MS, MAX_DELIVER, streamSpec, STREAMS, type Backlog, type Bus, type BusMessage, type ConsumeOptions, type PubAck, type StreamKey } from "./bus";
import { runBatches } from "./batches";

export interface LocalBusOptions {
  dir: string;
  log: Logger;
  /** Bytes all streams may hold (in memory and on disk) before publishers are refused. */
  storageBytes: number;
  ackWaitMs?: number;
  /** A segment file is closed for appends at this size (default 4 MiB). */
  segmentBytes?: number;
}

const SEGMENT_BYTES = 4 * 1024 * 1024;
/** length u32, crc32 u32, then seq f64, stream u8, subject length u16, subject, data. */
const HEADER = 8;
const FIXED = 11;

interface Segment {
  id: number;
  path: string;
  fd: number | null;
  bytes: number;
  /** Messages in this segment not yet acknowledged or terminated. */
  live: number;
}

interface Entry {
  seq: number;
  stream: StreamKey;
  subject: string;
  data: Uint8Array;
  segment: Segment;
  deliveries: number;
  deliveredAt: number;
  settled: boolean;
  consumer?: Consumer;
  /** Partition of a partitioned stream's message, else 0. */
  partition: number;
}

interface Consumer {
  push: (m: BusMessage) => void;
  limit: number;
  inFlight: number;
  /** Partitions it takes (null: all). In one process one consumer takes them all, so a partition nobody takes would hold up the queue. */
  partitions: ReadonlySet<number> | null;
}

interface StreamState {
  capacity: number;
  bytes: number;
  queue: Entry[];
  inFlight: Set<Entry>;
  parked: number;
  consumers: Consumer[];
  next: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const STREAM_INDEX = new Map(STREAMS.map((s, i) => [s.key, i]));

function encodeRecord(seq: number, stream: StreamKey, subject: string, data: Uint8Array): Uint8Array {
  const subjectBytes = encoder.encode(subject);
  const out = new Uint8Array(HEADER + FIXED + subjectBytes.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, out.length - HEADER);
  view.setFloat64(8, seq);
  view.setUint8(16, STREAM_INDEX.get(stream)!);
  view.setUint16(17, subjectBytes.length);
  out.set(subjectBytes, HEADER + FIXED);
  out.set(data, HEADER + FIXED + subjectBytes.length);
  view.setUint32(4, Bun.hash.crc32(out.subarray(HEADER)));
  return out;
}

/** The records of one segment file, stopping at the first torn or corrupt one (a crash mid-append). */
function readRecords(buf: Uint8Array): { records: Array<{ seq: number; stream: StreamKey; subject: string; data: Uint8Array }>; torn: boolean } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records = [];
  let at = 0;
  while (at + HEADER + FIXED <= buf.length) {
    const len = view.getUint32(at);
    if (len < FIXED || at + HEADER + len > buf.length) break;
    const body = buf.subarray(at + HEADER, at + HEADER + len);
    if (Bun.hash.crc32(body) !== view.getUint32(at + 4)) break;
    const subjectLen = view.getUint16(at + 17);
    const stream = STREAMS[view.getUint8(at + 16)]?.key;
    if (!stream || FIXED + subjectLen > len) break;
    records.push({
      seq: view.getFloat64(at + 8),
      stream,
      subject: decoder.decode(body.subarray(FIXED, FIXED + subjectLen)),
      data: body.slice(FIXED + subjectLen),
    });
    at += HEADER + len;
  }
  return { records, torn: at !== buf.length };
}

const fdatasync = promisify(fdatasyncAsync);

const segmentName = (id: number) => `${String(id).padStart(16, "0")}.seg`;

class LocalBus implements Bus {
  readonly maxDeliver = MAX_DELIVER;
  private readonly names = busNames("");
  private readonly streams = new Map<StreamKey, StreamState>();
  private readonly recent = new Map<string, { seq: number; at: number }>();
  private readonly ackWaitMs: number;
  private readonly segmentBytes: number;
  private seq = 0;
  private active!: Segment;
  private syncing: Promise<void> | null = null;
  private syncWanted = false;
  private syncWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private pumpScheduled = false;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private closed = false;

  constructor(private readonly o: LocalBusOptions) {
    this.ackWaitMs = o.ackWaitMs ?? ACK_WAIT_MS;
    this.segmentBytes = o.segmentBytes ?? SEGMENT_BYTES;
    for (const spec of STREAMS) {
      this.streams.set(spec.key, {
        capacity: Math.max(1024, Math.floor(spec.share * o.storageBytes)),
        bytes: 0,
        queue: [],
        inFlight: new Set(),
        parked: 0,
        consumers: [],
        next: 0,
      });
    }
    this.sweeper = setInterval(() => this.sweep(), Math.min(1_000, this.ackWaitMs));
    this.sweeper.unref?.();
  }

  /** Loads what earlier runs left unacknowledged, then opens a fresh segment for appends. */
  recover(): void {
    mkdirSync(this.o.dir, { recursive: true, mode: 0o700 });
    const files = readdirSync(this.o.dir).filter((f) => /^\d{16}\.seg$/.test(f)).sort();
    let recovered = 0;
    let lastId = 0;
    for (const file of files) {
      const id = Number(file.slice(0, 16));
      lastId = Math.max(lastId, id);
      const path = join(this.o.dir, file);
      const { records, torn } = readRecords(new Uint8Array(readFileSync(path)));
      if (torn) this.o.log.warn("bus segment ends in a torn record (a crash mid-append); its complete records are kept", { file });
      const segment: Segment = { id, path, fd: null, bytes: 0, live: 0 };
      for (const r of records) {
        this.seq = Math.max(this.seq, r.seq);
        this.enqueue({ seq: r.seq, stream: r.stream, subject: r.subject, data: r.data, segment, deliveries: 0, deliveredAt: 0, settled: false, partition: partitionIn(r.stream, r.subject) });
        recovered++;
      }
      if (segment.live === 0) unlinkSync(path);
    }
    this.active = this.openSegment(lastId + 1);
    if (recovered > 0) this.o.log.info("bus recovered unacknowledged messages", { messages: recovered, segments: files.length });
  }

  private openSegment(id: number): Segment {
    const path = join(this.o.dir, segmentName(id));
    return { id, path, fd: openSync(path, "a", 0o600), bytes: 0, live: 0 };
  }

  private enqueue(e: Entry): void {
    const s = this.streams.get(e.stream)!;
    e.segment.live++;
    s.bytes += e.data.length;
    s.queue.push(e);
  }

  async publish(key: StreamKey, tenant: string, data: Uint8Array, opts: { msgId?: string } = {}): Promise<PubAck> {
    const subject = this.names.subject(key, tenant);
    if (this.closed) throw new PulseError("UNAVAILABLE", "the bus is closed", { subject });
    const stream = this.names.stream(key);
    const s = this.streams.get(key)!;
    if (opts.msgId) {
      const seen = this.recent.get(opts.msgId);
      if (seen && Date.now() - seen.at < DUPLICATE_WINDOW_MS) return { stream, seq: seen.seq, duplicate: true };
    }
    if (s.bytes + data.length > s.capacity) {
      throw new PulseError("UNAVAILABLE", "the bus is full; retry later", { subject, backpressure: true });
    }
    const seq = ++this.seq;
    const record = encodeRecord(seq, key, subject, data);
    if (this.active.bytes > 0 && this.active.bytes + record.length > this.segmentBytes) this.rotate();
    this.append(record, subject);
    this.enqueue({ seq, stream: key, subject, data, segment: this.active, deliveries: 0, deliveredAt: 0, settled: false, partition: partitionIn(key, subject) });
    if (opts.msgId) this.remember(opts.msgId, seq);
    await this.sync();
    this.schedulePump();
    return { stream, seq, duplicate: false };
  }

  /**
   * Appends a record. A failed write (a full disk) may leave part of it behind, after which
   * nothing in that file could be read back: later appends go to a fresh segment instead.
   */
  private append(record: Uint8Array, subject: string): void {
    try {
      writeSync(this.active.fd!, record);
      this.active.bytes += record.length;
    } catch (err) {
      try {
        this.rotate();
      } catch (rotateErr) {
        this.o.log.error("the bus could not start a new segment after a failed write", { err: rotateErr });
      }
      throw new PulseError("UNAVAILABLE", `the bus could not write its log: ${(err as Error).message}`, { subject }, { cause: err });
    }
  }

  private remember(msgId: string, seq: number): void {
    const now = Date.now();
    this.recent.set(msgId, { seq, at: now });
    for (const [id, v] of this.recent) {
      if (now - v.at < DUPLICATE_WINDOW_MS) break;
      this.recent.delete(id);
    }
  }

  /** Group commit: resolves once an fdatasync that started after the caller's append finished. */
  private sync(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
    this.syncWanted = true;
    if (!this.syncing) this.syncing = this.runSyncs();
    return done;
  }

  private async runSyncs(): Promise<void> {
    while (this.syncWanted) {
      this.syncWanted = false;
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      // Let appends made in this event-loop turn join the same sync.
      await new Promise((r) => setImmediate(r));
      waiters.push(...this.syncWaiters);
      this.syncWaiters = [];
      this.syncWanted = false;
      try {
        // On the thread pool: the event loop keeps serving while the disk catches up.
        const fd = this.active.fd;
        if (fd !== null) await fdatasync(fd);
        for (const w of waiters) w.resolve();
      } catch (err) {
        const e = new PulseError("UNAVAILABLE", `the bus could not sync its log: ${(err as Error).message}`, undefined, { cause: err });
        for (const w of waiters) w.reject(e);
      }
    }
    this.syncing = null;
  }

  private rotate(): void {
    const old = this.active;
    const fd = old.fd!;
    fdatasyncSync(fd);
    // A sync in flight may still hold this descriptor: close it once that one is done.
    if (this.syncing) void this.syncing.finally(() => closeSync(fd));
    else closeSync(fd);
    old.fd = null;
    this.active = this.openSegment(old.id + 1);
    if (old.live === 0) this.remove(old);
  }

  /** Deletes a segment whose messages are all settled, off the event loop; a leftover is only redelivered (idempotently) next start. */
  private remove(seg: Segment): void {
    unlink(seg.path, (err) => {
      if (err && err.code !== "ENOENT") this.o.log.warn("could not delete a finished bus segment", { path: seg.path, err: err.message });
    });
  }

  private release(e: Entry): void {
    const s = this.streams.get(e.stream)!;
    s.bytes -= e.data.length;
    const seg = e.segment;
    seg.live--;
    if (seg.live === 0 && seg !== this.active && seg.fd === null) this.remove(seg);
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      for (const key of this.streams.keys()) this.pump(key);
    });
  }

  /** Hands queued messages to the stream's consumers, round-robin, within each one's limit. */
  private pump(key: StreamKey): void {
    const s = this.streams.get(key)!;
    if (s.consumers.some((c) => c.partitions)) return this.pumpPartitioned(s);
    while (s.queue.length > 0) {
      const consumer = this.pick(s, 0);
      if (!consumer) return;
      this.deliver(s, s.queue.shift()!, consumer);
    }
  }

  /** Skips past messages of partitions nobody with room takes; order within a partition is kept. */
  private pumpPartitioned(s: StreamState): void {
    if (!s.consumers.some((c) => c.inFlight < c.limit)) return;
    const kept: Entry[] = [];
    for (const e of s.queue) {
      const consumer = this.pick(s, e.partition);
      if (consumer) this.deliver(s, e, consumer);
      else kept.push(e);
    }
    s.queue = kept;
  }

  private pick(s: StreamState, partition: number): Consumer | undefined {
    for (let i = 0; i < s.consumers.length; i++) {
      const c = s.consumers[(s.next + i) % s.consumers.length]!;
      if (c.inFlight < c.limit && (!c.partitions || c.partitions.has(partition))) {
        s.next = (s.next + i + 1) % s.consumers.length;
        return c;
      }
    }
    return undefined;
  }

  private deliver(s: StreamState, e: Entry, c: Consumer): void {
    e.deliveries++;
    e.deliveredAt = Date.now();
    e.settled = false;
    e.consumer = c;
    s.inFlight.add(e);
    c.inFlight++;
    const delivery = e.deliveries;
    const settle = (fn: () => void) => {
      if (e.settled || e.deliveries !== delivery || this.closed) return;
      this.unflight(s, e);
      fn();
      this.schedulePump();
    };
    c.push({
      subject: e.subject,
      data: e.data,
      deliveryCount: e.deliveries,
      ack: () => settle(() => this.release(e)),
      term: () => settle(() => this.release(e)),
      nak: (delayMs = 0) => settle(() => this.retry(s, e, delayMs)),
      working: () => {
        if (!e.settled && e.deliveries === delivery) e.deliveredAt = Date.now();
      },
    });
  }

  private unflight(s: StreamState, e: Entry): void {
    e.settled = true;
    s.inFlight.delete(e);
    if (e.consumer) e.consumer.inFlight--;
    e.consumer = undefined;
  }

  private retry(s: StreamState, e: Entry, delayMs: number): void {
    if (e.deliveries >= MAX_DELIVER) {
      s.parked++;
      this.o.log.error("bus message reached its delivery limit; parked until the next start", { subject: e.subject, seq: e.seq, deliveries: e.deliveries });
      return;
    }
    if (delayMs <= 0) return void s.queue.unshift(e);
    setTimeout(() => {
      if (this.closed) return;
      s.queue.unshift(e);
      this.schedulePump();
    }, delayMs).unref?.();
  }

  /** Redelivers what was delivered and not settled within the ack wait. */
  private sweep(): void {
    const now = Date.now();
    for (const s of this.streams.values()) {
      for (const e of [...s.inFlight]) {
        if (now - e.deliveredAt < this.ackWaitMs) continue;
        this.unflight(s, e);
        this.retry(s, e, 0);
      }
    }
    this.schedulePump();
  }

  async consume(o: ConsumeOptions): Promise<void> {
    const s = this.streams.get(o.stream)!;
    await runBatches(o, this.o.log, async (push) => {
      const consumer: Consumer = { push, limit: Math.max(o.maxBatch * (o.concurrency + 1), 256), inFlight: 0, partitions: o.partitions ? new Set(o.partitions) : null };
      s.consumers.push(consumer);
      this.schedulePump();
      return async () => {
        s.consumers.splice(s.consumers.indexOf(consumer), 1);
      };
    });
  }

  async backlog(key: StreamKey): Promise<Backlog> {
    const s = this.streams.get(key)!;
    return { pending: s.queue.length, inFlight: s.inFlight.size + s.parked };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.syncing;
    this.closed = true;
    clearInterval(this.sweeper);
    if (this.active.fd !== null) {
      fdatasyncSync(this.active.fd);
      closeSync(this.active.fd);
      this.active.fd = null;
      if (this.active.live === 0) unlinkSync(this.active.path);
    }
  }
}

/** `<token>.<partition>.<tenant>` on partitioned streams (the local bus has no prefix). */
function partitionIn(key: StreamKey, subject: string): number {
  if (!streamSpec(key).partitions) return 0;
  return Number(subject.split(".", 2)[1]);
}

/** Opens the bus in `dir`, recovering whatever an earlier run left unacknowledged. */
export function openLocalBus(o: LocalBusOptions): Bus {
  const bus = new LocalBus(o);
  bus.recover();
  return bus;
}
