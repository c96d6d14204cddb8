/**
 * Role heartbeats: every long-running process keeps one row in role_instances (sql/0015) up to
 * date, so the operator's system page can tell which roles run and which stopped answering.
 * The row is written when the process opens its database and every interval after, and
 * deleted on an orderly stop. A heartbeat never fails its process: a database outage is
 * logged once when it starts and once when it ends.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { asWorker, type Sql } from "./db";
import type { Lifecycle } from "./lifecycle";
import type { Logger } from "./log";
import { beat, removeInstance, type Instance } from "./system-queries";
import { VERSION } from "./version";

export const HEARTBEAT_MS = 15_000;

export interface HeartbeatOptions {
  role: string;
  lifecycle: Lifecycle;
  log: Logger;
  intervalMs?: number;
  /** What else the process says about itself (e.g. the parts `pulse up` runs). */
  info?: Record<string, unknown>;
}

export interface Heartbeat {
  instanceId: string;
  /** Stops beating and deletes the row; also run by the lifecycle. */
  stop(): Promise<void>;
}

/** Writes the first heartbeat (a failure is logged, not thrown), then one every interval. */
export async function startHeartbeat(sql: Sql, o: HeartbeatOptions): Promise<Heartbeat> {
  const intervalMs = o.intervalMs ?? HEARTBEAT_MS;
  const me: Instance = { instanceId: randomUUID(), role: o.role, host: hostname(), pid: process.pid, version: VERSION, info: { ...o.info, heartbeatMs: intervalMs } };
  const log = o.log.with({ role: me.role, instanceId: me.instanceId });
  let failing = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const once = async () => {
    try {
      await asWorker(sql, (tx) => beat(tx, me, process.uptime()));
      if (failing) log.info("heartbeat recovered");
      failing = false;
    } catch (err) {
      if (!failing) log.warn("heartbeat failed", { err });
      failing = true;
    }
  };
  // Beats are chained, never overlapping, so stop() only has to wait for the one in flight.
  let current = once();
  const next = () => {
    if (stopped) return;
    timer = setTimeout(() => void (current = once().then(next)), intervalMs);
    timer.unref();
  };
  await current;
  next();

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    await current;
    await asWorker(sql, (tx) => removeInstance(tx, me.instanceId)).catch((err) => log.warn("heartbeat row not removed", { err }));
  };
  o.lifecycle.defer(stop);
  return { instanceId: me.instanceId, stop };
}
