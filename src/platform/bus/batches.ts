/**
 * Turns a stream of delivered messages into batches for a handler: a batch is handed over when
 * it is full or has waited `maxWaitMs`, at most `concurrency` batches run at once, and a handler
 * failure naks (with backoff) whatever it left unsettled. On abort it stops taking messages,
 * lets running batches finish, and hands queued ones back for immediate redelivery.
 */
import type { Logger } from "../log";
import type { BusMessage, ConsumeOptions } from "./bus";

type Stop = () => Promise<void>;

interface Tracked extends BusMessage {
  settled: boolean;
}

function track(m: BusMessage): Tracked {
  const t: Tracked = {
    subject: m.subject,
    data: m.data,
    deliveryCount: m.deliveryCount,
    settled: false,
    ack: () => settle(() => m.ack()),
    nak: (delayMs) => settle(() => m.nak(delayMs)),
    term: (reason) => settle(() => m.term(reason)),
    working: () => m.working(),
  };
  const settle = (fn: () => void) => {
    if (t.settled) return;
    t.settled = true;
    fn();
  };
  return t;
}

const redeliveryDelayMs = (deliveryCount: number) => Math.min(60_000, 500 * 2 ** Math.min(deliveryCount, 10));

export async function runBatches(o: ConsumeOptions, log: Logger, start: (push: (m: BusMessage) => void) => Promise<Stop>): Promise<void> {
  let current: Tracked[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ready: Tracked[][] = [];
  const running = new Set<Promise<void>>();
  let stopped = false;

  const run = (batch: Tracked[]) => {
    const p = o
      .handle(batch)
      .catch((err) => {
        const open = batch.filter((m) => !m.settled);
        log.error("batch handler failed", { err, messages: batch.length, unsettled: open.length });
        for (const m of open) m.nak(redeliveryDelayMs(m.deliveryCount));
      })
      .finally(() => {
        running.delete(p);
        pump();
      });
    running.add(p);
  };
  const pump = () => {
    while (!stopped && running.size < o.concurrency && ready.length > 0) run(ready.shift()!);
  };
  const seal = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (current.length === 0) return;
    ready.push(current);
    current = [];
    pump();
  };
  const push = (m: BusMessage) => {
    if (stopped) return m.nak(0);
    current.push(track(m));
    if (current.length >= o.maxBatch) seal();
    else if (current.length === 1) timer = setTimeout(seal, o.maxWaitMs);
  };

  const stop = await start(push);
  await new Promise<void>((resolve) => {
    if (o.signal.aborted) resolve();
    else o.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  stopped = true;
  await stop().catch((err) => log.warn("stopping the consumer failed", { err }));
  if (timer) clearTimeout(timer);
  for (const m of [...ready.flat(), ...current]) m.nak(0);
  await Promise.allSettled([...running]);
}
