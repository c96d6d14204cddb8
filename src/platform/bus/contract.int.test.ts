import { describe, expect, test } from "bun:test";
import { PulseError } from "../errors";
import { partitionOf, shardPartitions, type BusMessage, type StreamKey } from "./bus";
import { describeNats, testBus, type BusKind } from "../../testing/bus";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Consumes until `until` says stop (or 10 s pass), collecting what each batch received. */
async function collect(
  bus: TestBus["bus"],
  o: { maxBatch: number; handle: (b: BusMessage[]) => void | Promise<void>; until: () => boolean; stream?: StreamKey; partitions?: number[] },
) {
  const ctl = new AbortController();
  const done = bus.consume({ stream: o.stream ?? "TELEMETRY", partitions: o.partitions, maxBatch: o.maxBatch, maxWaitMs: 20, concurrency: 2, signal: ctl.signal, handle: async (b) => o.handle(b) });
  const deadline = Date.now() + 10_000;
  while (!o.until() && Date.now() < deadline) await Bun.sleep(10);
  ctl.abort();
  await done;
}
type TestBus = Awaited<ReturnType<typeof testBus>>;

/** The Bus contract, held by both implementations. */
for (const kind of ["jetstream", "local"] as const satisfies BusKind[]) {
const suite = kind === "jetstream" ? describeNats : describe;
suite(`${kind} bus`, () => {
  test("publish resolves with the PubAck; the same message id is stored once", async () => {
    await using t = await testBus({ kind });
    const a = await t.bus.publish("TELEMETRY", "acme", enc("one"), { msgId: "m-1" });
    const b = await t.bus.publish("TELEMETRY", "acme", enc("one again"), { msgId: "m-1" });
    const c = await t.bus.publish("TELEMETRY", "acme", enc("two"), { msgId: "m-2" });
    expect([a.duplicate, b.duplicate, c.duplicate]).toEqual([false, true, false]);
    expect(b.seq).toBe(a.seq);
    expect(await t.bus.backlog("TELEMETRY")).toEqual({ pending: 2, inFlight: 0 });
  });

  test("messages arrive in batches no larger than asked, and acked ones leave the stream", async () => {
    await using t = await testBus({ kind });
    await Promise.all(Array.from({ length: 250 }, (_, i) => t.bus.publish("TELEMETRY", "acme", enc(`m${i}`), { msgId: `m${i}` })));
    const sizes: number[] = [];
    const seen = new Set<string>();
    await collect(t.bus, {
      maxBatch: 100,
      handle: (batch) => {
        sizes.push(batch.length);
        for (const m of batch) {
          seen.add(dec(m.data));
          expect(m.subject).toBe(`${t.prefix ? `${t.prefix}.` : ""}telemetry.acme`);
          m.ack();
        }
      },
      until: () => seen.size === 250,
    });
    expect(seen.size).toBe(250);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
    await Bun.sleep(200);
    expect(await t.bus.backlog("TELEMETRY")).toEqual({ pending: 0, inFlight: 0 });
  });

  test("a nak'ed message comes back with a higher delivery count; a failing handler naks what it left", async () => {
    await using t = await testBus({ kind });
    await t.bus.publish("TELEMETRY", "acme", enc("retry me"));
    const counts: number[] = [];
    await collect(t.bus, {
      maxBatch: 10,
      handle: (batch) => {
        for (const m of batch) counts.push(m.deliveryCount);
        if (counts.length === 1) batch[0]!.nak(0);
        else if (counts.length === 2) throw new Error("handler crashed");
        else batch[0]!.ack();
      },
      until: () => counts.length >= 3,
    });
    expect(counts).toEqual([1, 2, 3]);
  });

  test("a full stream refuses new messages with a retryable backpressure error, keeping the old ones", async () => {
    await using t = await testBus({ kind, storageBytes: 1024 / 0.5 }); // TELEMETRY: 1 KiB
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await t.bus.publish("TELEMETRY", "acme", enc("x".repeat(100))).then(() => "ok", (e) => e));
    const refused = results.filter((r) => r !== "ok") as PulseError[];
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toBeInstanceOf(PulseError);
    expect(refused[0]!.code).toBe("UNAVAILABLE");
    expect(refused[0]!.details?.backpressure).toBe(true);
    expect((await t.bus.backlog("TELEMETRY")).pending).toBe(results.filter((r) => r === "ok").length);
  });

  test("a partitioned stream gives each tenant's messages to the replica that owns its partition", async () => {
    await using t = await testBus({ kind });
    const tenants = Array.from({ length: 24 }, (_, i) => `tenant-${i}`);
    for (const tenant of tenants) await t.bus.publish("EVALUATE", tenant, enc(tenant));
    const owned = shardPartitions("EVALUATE", 1, 3);
    const seen: string[] = [];
    const expected = tenants.filter((x) => owned.includes(partitionOf(x, 8)));
    await collect(t.bus, {
      stream: "EVALUATE",
      partitions: owned,
      maxBatch: 10,
      handle: (batch) => {
        for (const m of batch) (seen.push(dec(m.data)), m.ack());
      },
      until: () => seen.length >= expected.length,
    });
    await Bun.sleep(100);
    expect(seen.sort()).toEqual(expected.sort());
    expect((await t.bus.backlog("EVALUATE")).pending).toBe(tenants.length - expected.length);
  });
});
}
