/**
 * The Bus over NATS JetStream: the only module that imports @nats-io. Streams are work queues
 * (a message leaves the stream when its consumer acks it), file-backed, never expire by age,
 * and refuse new messages when full (discard new) so publishers feel the backpressure.
 */
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { PulseError } from "../errors";
import type { Logger } from "../log";
import { ACK_WAIT_MS, allPartitions, busNames, DUPLICATE_WINDOW_MS, MAX_DELIVER, STREAMS, type Backlog, type Bus, type BusMessage, type ConsumeOptions, type PubAck, type StreamKey } from "./bus";
import { runBatches } from "./batches";

export interface JetStreamOptions {
  url: string;
  /** Namespace for stream and subject names (see busNames). */
  prefix: string;
  log: Logger;
  name: string;
  /** Bytes all streams may hold together; NATS reserves them when the streams are created. */
  storageBytes: number;
  publishTimeoutMs?: number;
  /** How long a delivered, unacknowledged message waits before redelivery (tests shorten it). */
  ackWaitMs?: number;
}

const MAX_ACK_PENDING = 20_000;

/** Creates or updates every stream and its durable consumer; safe to run from every replica. */
async function ensureStreams(jsm: JetStreamManager, prefix: string, storageBytes: number, ackWaitMs: number): Promise<void> {
  const names = busNames(prefix);
  for (const spec of STREAMS) {
    const name = names.stream(spec.key);
    const config = {
      name,
      subjects: [names.wildcard(spec.key)],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.New,
      max_bytes: Math.max(1024, Math.floor(spec.share * storageBytes)),
      max_age: 0,
      max_msgs: -1,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      num_replicas: 1,
    };
    const existing = await jsm.streams.info(name).catch(() => null);
    if (!existing) await jsm.streams.add(config);
    else if (existing.config.max_bytes !== config.max_bytes) await jsm.streams.update(name, { ...existing.config, max_bytes: config.max_bytes });
    for (const p of allPartitions(spec.key)) {
      const { name: durable, filter } = names.consumer(spec.key, p);
      const consumer = {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(ackWaitMs),
        max_deliver: MAX_DELIVER,
        max_ack_pending: MAX_ACK_PENDING,
        ...(filter ? { filter_subject: filter } : {}),
      };
      const hasConsumer = await jsm.consumers.info(name, durable).catch(() => null);
      if (!hasConsumer) await jsm.consumers.add(name, consumer);
    }
  }
}

function publishError(err: unknown, subject: string): PulseError {
  const message = err instanceof Error ? err.message : String(err);
  const full = /maximum (bytes|messages)|resource limits exceeded|insufficient resources/i.test(message);
  return new PulseError(
    "UNAVAILABLE",
    full ? "the bus is full; retry later" : `the bus did not confirm the message: ${message}`,
    { subject, backpressure: full },
    { cause: err },
  );
}

function wrap(m: JsMsg): BusMessage {
  return {
    subject: m.subject,
    data: m.data,
    deliveryCount: m.info.deliveryCount,
    ack: () => m.ack(),
    nak: (delayMs) => m.nak(delayMs),
    term: (reason) => m.term(reason),
    working: () => m.working(),
  };
}

class JetStreamBus implements Bus {
  readonly maxDeliver = MAX_DELIVER;
  private readonly names: ReturnType<typeof busNames>;
  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly o: JetStreamOptions,
  ) {
    this.names = busNames(o.prefix);
  }

  async publish(key: StreamKey, tenant: string, data: Uint8Array, opts: { msgId?: string } = {}): Promise<PubAck> {
    const subject = this.names.subject(key, tenant);
    try {
      const ack = await this.js.publish(subject, data, {
        msgID: opts.msgId,
        timeout: this.o.publishTimeoutMs ?? 5_000,
        expect: { streamName: this.names.stream(key) },
      });
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      throw publishError(err, subject);
    }
  }

  async consume(o: ConsumeOptions): Promise<void> {
    const stream = this.names.stream(o.stream);
    const consumers = await Promise.all((o.partitions ?? allPartitions(o.stream)).map((p) => this.js.consumers.get(stream, this.names.consumer(o.stream, p).name)));
    await runBatches(o, this.o.log, async (push) => {
      const all = await Promise.all(
        consumers.map((consumer) =>
          consumer.consume({
            max_messages: Math.max(o.maxBatch * (o.concurrency + 1), 256),
            callback: (m) => push(wrap(m)),
          }),
        ),
      );
      return () => Promise.all(all.map((messages) => messages.close())).then(() => undefined);
    });
  }

  async backlog(key: StreamKey): Promise<Backlog> {
    const infos = await Promise.all(allPartitions(key).map((p) => this.jsm.consumers.info(this.names.stream(key), this.names.consumer(key, p).name)));
    return { pending: infos.reduce((n, i) => n + i.num_pending, 0), inFlight: infos.reduce((n, i) => n + i.num_ack_pending, 0) };
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}

/**
 * nats.js ignores credentials in a server URL, so `nats://user:pass@host:4222` (how the
 * appliance configures every role) is taken apart here: user and password, or a lone token.
 */
export function natsServer(url: string): { servers: string; user?: string; pass?: string; token?: string } {
  const u = new URL(url);
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  if (!user && !pass) return { servers: url };
  u.username = "";
  u.password = "";
  const servers = u.toString().replace(/\/$/, "");
  return pass ? { servers, user, pass } : { servers, token: user };
}

export async function connectJetStream(o: JetStreamOptions): Promise<Bus> {
  let nc: NatsConnection;
  try {
    nc = await connect({ ...natsServer(o.url), name: o.name, maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: false });
  } catch (err) {
    throw new PulseError("UNAVAILABLE", `cannot reach NATS at ${new URL(o.url).host}: ${(err as Error).message}`, undefined, { cause: err });
  }
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect" || s.type === "reconnect") o.log.warn(`nats ${s.type}`, { server: s.server });
    }
  })();
  const jsm = await jetstreamManager(nc).catch((err) => {
    void nc.close();
    throw new PulseError("UNAVAILABLE", `NATS at ${new URL(o.url).host} has no JetStream: ${(err as Error).message}`, undefined, { cause: err });
  });
  await ensureStreams(jsm, o.prefix, o.storageBytes, o.ackWaitMs ?? ACK_WAIT_MS).catch((err) => {
    void nc.close();
    const hint = /insufficient storage/i.test(String(err)) ? " (lower --bus-storage-gib or free NATS storage)" : "";
    throw new PulseError("UNAVAILABLE", `cannot create the streams on NATS: ${(err as Error).message}${hint}`, undefined, { cause: err });
  });
  return new JetStreamBus(nc, jetstream(nc), jsm, o);
}

/** Removes every stream of a prefix (tests). */
export async function deleteStreams(url: string, prefix: string): Promise<void> {
  const nc = await connect(natsServer(url));
  try {
    const jsm = await jetstreamManager(nc);
    const names = busNames(prefix);
    for (const s of STREAMS) await jsm.streams.delete(names.stream(s.key)).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Connects and disconnects: is a NATS server there? */
export async function pingNats(url: string, timeoutMs = 2_000): Promise<void> {
  const nc = await connect({ ...natsServer(url), timeout: timeoutMs, reconnect: false });
  await nc.close();
}
