/**
 * Device state (last seen, latest value of each metric) is derived from stored telemetry, so it
 * is written apart from it: committed batches hand their state here, it is merged per device in
 * memory and upserted once per interval. Under load a device that sent ten messages costs one
 * row update, not ten, and the telemetry transaction carries no row locks on device_state.
 * Memory is bounded by the number of devices. A crash loses at most one interval of this
 * derived state (the device's next message restores it); the telemetry itself is committed.
 */
import { asWorker, type Sql } from "../platform/db";
import type { Logger } from "../platform/log";
import { upsertDeviceState, type StateRow } from "./queries";

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Rows in (tenant, device) order, the lock order every writer of device rows keeps. */
export const byKey = <T extends { tenant: string; device: string }>(rows: Iterable<T>): T[] =>
  [...rows].sort((a, b) => (a.tenant === b.tenant ? cmp(a.device, b.device) : cmp(a.tenant, b.tenant)));

export function mergeState(into: StateRow | undefined, s: StateRow): StateRow {
  if (!into) return { ...s, latest: { ...s.latest } };
  const later = (a: Date | null, b: Date | null) => (!a ? b : !b ? a : a > b ? a : b);
  into.lastHeartbeatAt = later(into.lastHeartbeatAt, s.lastHeartbeatAt);
  into.lastTelemetryAt = later(into.lastTelemetryAt, s.lastTelemetryAt);
  into.lastSeenAt = later(into.lastSeenAt, s.lastSeenAt)!;
  for (const k in s.latest) {
    const v = s.latest[k]!;
    const cur = Object.hasOwn(into.latest, k) ? into.latest[k] : undefined;
    if (!cur || cur.t <= v.t) into.latest[k] = v;
  }
  return into;
}

export class StateWriter {
  private pending = new Map<string, StateRow>();
  private readonly timer: ReturnType<typeof setInterval>;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: Sql,
    private readonly log: Logger,
    intervalMs: number,
    private readonly onFlush?: (rows: number, seconds: number) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
  }

  add(rows: readonly StateRow[]): void {
    for (const r of rows) {
      const key = `${r.tenant}/${r.device}`;
      this.pending.set(key, mergeState(this.pending.get(key), r));
    }
  }

  get size(): number {
    return this.pending.size;
  }

  /** Writes what is pending; on failure keeps it for the next attempt. One flush at a time. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const rows = byKey(batch.values());
    const started = performance.now();
    try {
      await asWorker(this.sql, (tx) => upsertDeviceState(tx, rows));
      this.onFlush?.(rows.length, (performance.now() - started) / 1000);
    } catch (err) {
      this.log.warn("device state not written, will retry", { devices: rows.length, err: (err as Error).message });
      for (const [key, row] of batch) this.pending.set(key, mergeState(row, this.pending.get(key) ?? row));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
