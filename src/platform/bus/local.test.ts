/** The local bus keeps what it acknowledged across restarts, crashes and torn writes. */
import { expect, test } from "bun:test";
import { appendFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { testLocalBus } from "../../testing/bus";
import type { BusMessage } from "./bus";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Consumes TELEMETRY until `want` messages arrived or 5 s passed; `settle` decides each one's fate. */
async function drain(bus: ReturnType<typeof testLocalBus>["bus"], want: number, settle: (m: BusMessage) => void = (m) => m.ack()) {
  const got: BusMessage[] = [];
  const ctl = new AbortController();
  const done = bus.consume({ stream: "TELEMETRY", maxBatch: 50, maxWaitMs: 5, concurrency: 1, signal: ctl.signal, handle: async (b) => {
    for (const m of b) {
      got.push(m);
      settle(m);
    }
  } });
  const deadline = Date.now() + 5_000;
  while (got.length < want && Date.now() < deadline) await Bun.sleep(5);
  ctl.abort();
  await done;
  return got;
}

test("after a restart only the unacknowledged messages come back; fully acked segments are deleted", async () => {
  const first = testLocalBus({ segmentBytes: 64 });
  try {
    for (const s of ["a", "b", "c", "d"]) await first.bus.publish("TELEMETRY", "acme", enc(s));
    const got = await drain(first.bus, 4, (m) => (["a", "c"].includes(dec(m.data)) ? m.ack() : undefined));
    expect(got.map((m) => dec(m.data))).toEqual(["a", "b", "c", "d"]);
    await first.bus.close();
    await using again = testLocalBus({ dir: first.dir });
    const back = await drain(again.bus, 2);
    expect(back.map((m) => dec(m.data)).sort()).toEqual(["b", "d"]);
    expect(back.every((m) => m.deliveryCount === 1 && m.subject === "telemetry.acme")).toBe(true);
    await Bun.sleep(20);
    expect(await again.bus.backlog("TELEMETRY")).toEqual({ pending: 0, inFlight: 0 });
    expect(readdirSync(first.dir).length).toBeLessThanOrEqual(1); // only the open segment
  } finally {
    rmSync(first.dir, { recursive: true, force: true });
  }
});

test("a torn record at the end of a segment (a crash mid-append) is skipped; complete ones survive", async () => {
  const first = testLocalBus();
  try {
    for (const s of ["one", "two"]) await first.bus.publish("TELEMETRY", "acme", enc(s));
    await first.bus.close();
    const [segment] = readdirSync(first.dir);
    appendFileSync(join(first.dir, segment!), new Uint8Array([0, 0, 0, 40, 1, 2, 3]));
    await using again = testLocalBus({ dir: first.dir });
    expect((await drain(again.bus, 2)).map((m) => dec(m.data))).toEqual(["one", "two"]);
  } finally {
    rmSync(first.dir, { recursive: true, force: true });
  }
});

test("a delivered message nobody settles comes back after the ack wait; working() postpones it", async () => {
  await using t = testLocalBus({ ackWaitMs: 300 });
  await t.bus.publish("TELEMETRY", "acme", enc("slow"));
  const counts: number[] = [];
  const ctl = new AbortController();
  const started = Date.now();
  let kept = false;
  const done = t.bus.consume({ stream: "TELEMETRY", maxBatch: 1, maxWaitMs: 1, concurrency: 1, signal: ctl.signal, handle: async ([m]) => {
    counts.push(m!.deliveryCount);
    if (m!.deliveryCount === 1) {
      // Keep it alive past one ack wait, then abandon it without settling.
      const keep = setInterval(() => m!.working(), 100);
      setTimeout(() => clearInterval(keep), 500);
      kept = true;
      return;
    }
    m!.ack();
  } });
  while (counts.length < 2 && Date.now() - started < 5_000) await Bun.sleep(10);
  ctl.abort();
  await done;
  expect(kept).toBe(true);
  expect(counts).toEqual([1, 2]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(700);
});

test("kill -9 while publishing: every message the bus acknowledged is there after the restart", async () => {
  const t = testLocalBus();
  await t.bus.close();
  const script = join(import.meta.dir, "../../testing/bus-publisher.ts");
  const child = Bun.spawn([process.execPath, script, t.dir], { stdout: "pipe", stderr: "inherit" });
  const acked = new Set<string>();
  const reader = child.stdout.getReader();
  let buffered = "";
  while (acked.size < 3_000) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += dec(value);
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const l of lines) if (l) acked.add(l);
  }
  child.kill(9);
  await child.exited;
  try {
    await using again = testLocalBus({ dir: t.dir });
    const recovered = await again.bus.backlog("TELEMETRY");
    const got = new Set((await drain(again.bus, recovered.pending)).map((m) => dec(m.data)));
    const lost = [...acked].filter((id) => !got.has(id));
    expect(acked.size).toBeGreaterThanOrEqual(3_000);
    expect(lost).toEqual([]);
  } finally {
    rmSync(t.dir, { recursive: true, force: true });
  }
});
