/**
 * The outbox relay: rows written to bus_outbox inside a transaction are published to the bus
 * after it commits, then deleted. Rows are claimed with SKIP LOCKED, so several relays share
 * the work; a crash between publish and delete publishes again under the same message id,
 * which the bus drops as a duplicate.
 */
import { asWorker, type Sql } from "./db";
import type { Bus, StreamKey } from "./bus/bus";
import type { Logger } from "./log";

const BATCH = 500;

export interface OutboxRelay {
  /** Publish what is waiting now (callers that just committed a row use it to skip the poll delay). */
  kick(): void;
  close(): Promise<void>;
}

export function startOutboxRelay(o: { sql: Sql; bus: Bus; log: Logger; intervalMs?: number; onPublished?: (n: number) => void }): OutboxRelay {
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;
  const run = async (): Promise<void> => {
    do {
      again = false;
      try {
        const n = await relayOnce(o.sql, o.bus);
        if (n > 0) o.onPublished?.(n);
        if (n === BATCH) again = true;
      } catch (err) {
        o.log.warn("outbox relay failed, will retry", { err: (err as Error).message });
      }
    } while (again && !closed);
    running = null;
  };
  const kick = () => {
    if (closed) return;
    if (running) again = true;
    else running = run();
  };
  const timer = setInterval(kick, o.intervalMs ?? 1_000);
  return {
    kick,
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
    },
  };
}

/** Publishes one batch of waiting rows; returns how many. */
async function relayOnce(sql: Sql, bus: Bus): Promise<number> {
  return asWorker(sql, async (tx) => {
    const rows = await tx<{ outboxId: string; tenantId: string; stream: StreamKey; msgId: string; payload: unknown }[]>`
      select outbox_id, tenant_id, stream, msg_id, payload from bus_outbox order by outbox_id limit ${BATCH} for update skip locked`;
    if (rows.length === 0) return 0;
    const enc = new TextEncoder();
    await Promise.all(rows.map((r) => bus.publish(r.stream, r.tenantId, enc.encode(JSON.stringify(r.payload)), { msgId: r.msgId })));
    await tx`delete from bus_outbox where outbox_id = any(${rows.map((r) => r.outboxId)}::bigint[])`;
    return rows.length;
  });
}
