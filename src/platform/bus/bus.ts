/**
 * The message bus contract. One interface, implemented over NATS JetStream (jetstream.ts) and,
 * for the single-process appliance, in memory. Semantics every implementation keeps:
 * publish resolves only once the message is durably stored (the PubAck); a message id makes a
 * republish within the duplicate window a no-op; consumers pull in batches and every message
 * is acked, nak'ed (redelivered later) or terminated explicitly; a full stream refuses new
 * messages (backpressure) instead of discarding old ones.
 */

export type StreamKey = "TELEMETRY" | "SHADOW" | "COMMANDS" | "EVALUATE" | "ROUTES" | "NOTIFY";

export interface StreamSpec {
  key: StreamKey;
  /** First subject token; messages go to `<prefix><token>.<tenant>`. */
  token: string;
  /** The durable consumer that works this stream. */
  consumer: string;
  /**
   * Share of the bus storage budget. A full stream refuses new messages (discard new) instead
   * of dropping old ones, so nothing accepted is ever lost; publishers feel the backpressure.
   */
  share: number;
  /**
   * Split into this many partitions by tenant (`<token>.<partition>.<tenant>`), each with its
   * own durable consumer `<consumer>-<partition>`: replicas that take disjoint partitions own
   * disjoint tenants, so a tenant's messages reach one replica, in order.
   */
  partitions?: number;
}

/** Every stream, declared once. */
export const STREAMS: readonly StreamSpec[] = [
  { key: "TELEMETRY", token: "telemetry", consumer: "ingest", share: 0.5 },
  { key: "SHADOW", token: "shadow", consumer: "ingest-shadow", share: 0.08 },
  { key: "COMMANDS", token: "commands", consumer: "ingest-commands", share: 0.08 },
  { key: "ROUTES", token: "routes", consumer: "deliver-routes", share: 0.16 },
  { key: "NOTIFY", token: "notify", consumer: "deliver-notify", share: 0.08 },
  // Last: the local bus stores a stream's index in its log records, so the order only grows.
  { key: "EVALUATE", token: "evaluate", consumer: "evaluate", share: 0.1, partitions: 8 },
];

/** Delivery semantics both implementations share. */
export const DUPLICATE_WINDOW_MS = 120_000;
/** A delivered message not settled within this is delivered again (`working()` extends it). */
export const ACK_WAIT_MS = 30_000;
/** Deliveries before the bus gives a message up (handlers quarantine it on the last one). */
export const MAX_DELIVER = 20;

export const streamSpec = (key: StreamKey): StreamSpec => STREAMS.find((s) => s.key === key)!;

/** The partition of a tenant (FNV-1a): stable across processes and versions. */
export function partitionOf(tenant: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tenant.length; i++) h = Math.imul(h ^ tenant.charCodeAt(i), 0x01000193);
  return (h >>> 0) % partitions;
}

/** Every partition of a stream ([0] when it is not partitioned). */
export const allPartitions = (key: StreamKey): number[] => Array.from({ length: streamSpec(key).partitions ?? 1 }, (_, i) => i);

/** The partitions replica `index` of `count` owns: every count-th one. */
export function shardPartitions(key: StreamKey, index: number, count: number): number[] {
  return allPartitions(key).filter((p) => p % count === index);
}

/**
 * Names on one NATS account. A prefix lets several installs (or test runs) share a server:
 * prefix "t1" gives stream `t1_TELEMETRY` and subjects `t1.telemetry.<tenant>`.
 */
export function busNames(prefix: string) {
  return {
    stream: (key: StreamKey) => (prefix ? `${prefix}_${key}` : key),
    subject: (key: StreamKey, tenant: string) => {
      const spec = streamSpec(key);
      const part = spec.partitions ? `${partitionOf(tenant, spec.partitions)}.` : "";
      return `${prefix ? `${prefix}.` : ""}${spec.token}.${part}${tenant}`;
    },
    wildcard: (key: StreamKey) => `${prefix ? `${prefix}.` : ""}${streamSpec(key).token}.>`,
    /** The durable consumer of a partition (the stream's consumer when it has none) and its filter. */
    consumer: (key: StreamKey, partition: number) => {
      const spec = streamSpec(key);
      if (!spec.partitions) return { name: spec.consumer, filter: undefined };
      return { name: `${spec.consumer}-${partition}`, filter: `${prefix ? `${prefix}.` : ""}${spec.token}.${partition}.>` };
    },
  };
}

export interface PubAck {
  stream: string;
  seq: number;
  /** The message id was seen within the duplicate window: stored once already. */
  duplicate: boolean;
}

export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  ack(): void;
  /** Redeliver after `delayMs`. */
  nak(delayMs?: number): void;
  /** Never redeliver. */
  term(reason?: string): void;
  /** Still working: postpone redelivery. */
  working(): void;
}

export interface ConsumeOptions {
  stream: StreamKey;
  /** Largest batch handed to `handle`. */
  maxBatch: number;
  /** How long a partial batch waits for more messages. */
  maxWaitMs: number;
  /** Batches in flight at once. */
  concurrency: number;
  signal: AbortSignal;
  /** Partitioned streams: the partitions to take (default every one). */
  partitions?: readonly number[];
  /** Must settle (ack/nak/term) every message; a throw naks what is left unsettled. */
  handle(batch: BusMessage[]): Promise<void>;
}

export interface Backlog {
  /** Not yet delivered to the consumer. */
  pending: number;
  /** Delivered, not yet acknowledged. */
  inFlight: number;
}

export interface Bus {
  publish(key: StreamKey, tenant: string, data: Uint8Array, opts?: { msgId?: string }): Promise<PubAck>;
  /** Runs until `signal` aborts, then waits for in-flight batches to finish. */
  consume(o: ConsumeOptions): Promise<void>;
  backlog(key: StreamKey): Promise<Backlog>;
  /** Delivery attempts after which a message is given up on (handlers quarantine it first). */
  readonly maxDeliver: number;
  close(): Promise<void>;
}
