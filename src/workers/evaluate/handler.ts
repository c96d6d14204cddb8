/**
 * Applying telemetry and timers to a tenant and writing what follows: status changes and
 * connection events, alerts opened, re-triggered and closed, each transition with its outbox
 * row, in one transaction per round. The model has already moved on when the write runs, so a
 * failed write is retried until it lands (or the process stops): acknowledging the bus
 * message without it would lose the transition for good.
 */
import { asWorker, type Sql } from "../../platform/db";
import { PulseError } from "../../platform/errors";
import type { Logger } from "../../platform/log";
import { recordAlertEvents, type AlertEventInput } from "../../alerts/events";
import * as q from "../../alerts/evaluator-queries";
import type { EvaluateJob } from "../../platform/subjects";
import { hasEffects, noEffects, type Effects, type TenantModel } from "./model";
import { toDevice } from "./loader";

export interface EvalDeps {
  sql: Sql;
  log: Logger;
  signal: AbortSignal;
  /** Called after a commit that queued notifications. */
  announced(): void;
  stats: { alertsOpened(n: number): void; alertsClosed(n: number): void; statusChanges(n: number): void };
}

/** Devices looked up and not found (or inactive), not asked about again for a while. */
const UNKNOWN_TTL_MS = 60_000;

export async function applyJobs(deps: EvalDeps, m: TenantModel, jobs: readonly EvaluateJob[], unknown: Map<string, number>): Promise<void> {
  const now = Date.now();
  await learnDevices(deps, m, jobs, unknown, now);
  const fx = noEffects();
  // In time order: concurrent ingest batches can announce a device's newer row first.
  const rows = jobs.flatMap((j) => j.rows).sort((a, b) => a[1] - b[1]);
  for (const [deviceId, t, , metrics] of rows) {
    const d = m.devices.get(deviceId);
    if (d) m.applyRow(d, t, metrics, now, fx);
  }
  m.applyTimers(now, fx);
  await writeEffects(deps, m, fx);
}

export async function applyTimers(deps: EvalDeps, m: TenantModel): Promise<void> {
  const fx = noEffects();
  m.applyTimers(Date.now(), fx);
  await writeEffects(deps, m, fx);
}

async function learnDevices(deps: EvalDeps, m: TenantModel, jobs: readonly EvaluateJob[], unknown: Map<string, number>, now: number): Promise<void> {
  const missing = new Set<string>();
  for (const job of jobs) for (const [deviceId] of job.rows) if (!m.devices.has(deviceId) && (unknown.get(deviceId) ?? 0) < now) missing.add(deviceId);
  if (missing.size === 0) return;
  const found = await untilWritten(deps, () => asWorker(deps.sql, (tx) => q.evalDevices(tx, m.tenant, [...missing])));
  for (const d of found) (m.putDevice(toDevice(d), now), missing.delete(d.deviceId));
  for (const id of missing) unknown.set(id, now + UNKNOWN_TTL_MS);
}

export async function writeEffects(deps: EvalDeps, m: TenantModel, fx: Effects): Promise<void> {
  if (!hasEffects(fx)) return;
  const firings = [...fx.firings.values()];
  const tenant = m.tenant;
  const closeNow = new Map(fx.clears);
  for (const f of firings) if (f.closeAfter) closeNow.set(f.fingerprint, "condition cleared");
  const result = await untilWritten(deps, () =>
    asWorker(deps.sql, async (tx) => {
      await q.writeStatusChanges(tx, tenant, fx.status);
      await q.dropRuleStates(tx, tenant, fx.dropped);
      const fired = await q.fire(tx, tenant, firings);
      const opened = fired.filter((f) => f.opened);
      const closed = await q.clear(tx, tenant, closeNow, new Date());
      const events: AlertEventInput[] = [
        ...opened.map((f) => ({ tenant, alertId: f.alertId, transition: "OPEN" as const, actor: "evaluator" })),
        ...closed.map((c) => ({ tenant, alertId: c.alertId, transition: "CLOSED" as const, actor: "evaluator", details: { reason: c.reason } })),
      ];
      await recordAlertEvents(tx, events);
      return { fired, opened: opened.length, closed: closed.length };
    }),
  ).catch((err: unknown) => {
    // Not an outage: retrying cannot help. The model has moved on without this round, so it is
    // read afresh from the database before the tenant's next round.
    if (deps.signal.aborted) throw err;
    deps.log.error("evaluation results refused by the database; reloading the tenant", { tenant, firings: firings.length, clears: closeNow.size, err });
    m.stale = true;
    return null;
  });
  if (!result) return;
  for (const f of result.fired) m.live.add(f.fingerprint);
  for (const fp of closeNow.keys()) m.live.delete(fp);
  deps.stats.alertsOpened(result.opened);
  deps.stats.alertsClosed(result.closed);
  deps.stats.statusChanges(fx.status.length);
  if (result.opened + result.closed > 0) deps.announced();
}

/** Retries a write through database outages with backoff; gives up only when the process stops. */
async function untilWritten<T>(deps: EvalDeps, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (deps.signal.aborted || !(err instanceof PulseError && err.retryable)) throw err;
      const delay = Math.min(10_000, 100 * 2 ** attempt);
      deps.log.warn("evaluation not written, will retry", { attempt, delayMs: delay, err: (err as Error).message });
      await Bun.sleep(delay);
    }
  }
}
