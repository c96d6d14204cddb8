/**
 * `pulse evaluate`: device status, rules and the alert lifecycle. Each replica owns the
 * tenants of its EVALUATE partitions (`--evaluate-shard i/n`), holds their evaluation in
 * memory, works what ingest announces plus timers (hold durations, gaps, heartbeats,
 * escalations), checkpoints rule state, and relays the outbox to NOTIFY.
 */
import { asWorker, type Sql } from "../../platform/db";
import { partitionOf, shardPartitions, streamSpec, type Bus, type BusMessage } from "../../platform/bus/bus";
import type { Lifecycle } from "../../platform/lifecycle";
import type { Logger } from "../../platform/log";
import type { Metrics } from "../../platform/metrics";
import { startOutboxRelay, type OutboxRelay } from "../../platform/outbox";
import { openWorkerEngines, type WorkerEngineConfig } from "../../platform/services";
import type { EvaluateJob } from "../../platform/subjects";
import { recordAlertEvents } from "../../alerts/events";
import * as q from "../../alerts/evaluator-queries";
import { applyJobs, applyTimers, writeEffects, type EvalDeps } from "./handler";
import { loadConfig, loadTenant, toDevice, withDynamicGroups } from "./loader";
import { noEffects, type TenantModel } from "./model";

export interface EvaluateSettings {
  /** "i/n": this replica takes every n-th EVALUATE partition starting at i. */
  evaluateShard: string;
  evaluateTickMs: number;
}

export interface EvaluateConfig extends EvaluateSettings, WorkerEngineConfig {}

export async function runEvaluate(config: EvaluateConfig, log: Logger, lifecycle: Lifecycle): Promise<void> {
  const { sql, bus, metrics } = await openWorkerEngines(config, "evaluate", log, lifecycle, "EVALUATE");
  await evaluate({ sql, bus, metrics }, config, log, lifecycle);
  log.info("evaluate stopped");
}

/**
 * Rule state is written back this often (and on stop). A crash loses at most this much of it
 * (window samples, anomaly buckets); each dirty state costs one row write per interval
 * (bench:evaluate, 10,000 devices: 5.7k rows/s every 15 s, 1.4k every 60 s).
 */
const CHECKPOINT_MS = 60_000;

interface Owned {
  model: TenantModel;
  queue: Promise<void>;
  unknown: Map<string, number>;
  version: string | undefined;
}

/** Evaluates until the lifecycle stops; `pulse up` runs it beside the other roles. */
export async function evaluate(e: { sql: Sql; bus: Bus; metrics: Metrics }, s: EvaluateSettings, log: Logger, lifecycle: Lifecycle): Promise<void> {
  const [index, count] = s.evaluateShard.split("/").map(Number) as [number, number];
  const partitions = shardPartitions("EVALUATE", index, count);
  const relay = startOutboxRelay({ sql: e.sql, bus: e.bus, log });
  lifecycle.defer(() => relay.close());
  const deps: EvalDeps = { sql: e.sql, log, signal: lifecycle.signal, announced: () => relay.kick(), stats: evalStats(e.metrics) };
  const owned = new Map<string, Owned>();
  const mine = (tenant: string) => partitions.includes(partitionOf(tenant, streamSpec("EVALUATE").partitions!));
  const started = performance.now();
  const versions = await asWorker(e.sql, (tx) => q.configVersions(tx));
  for (const tenant of (await asWorker(e.sql, (tx) => q.tenantIds(tx))).filter(mine)) {
    owned.set(tenant, { model: await loadTenant(e.sql, tenant, log), queue: Promise.resolve(), unknown: new Map(), version: versions.get(tenant) });
  }
  log.info("evaluate started", { shard: s.evaluateShard, partitions, tenants: owned.size, loadSeconds: +((performance.now() - started) / 1000).toFixed(2) });
  const enqueue = (o: Owned, fn: () => Promise<void>) => (o.queue = o.queue.then(fn, fn));
  const loading = new Map<string, Promise<Owned>>();
  const tenantOf = async (tenant: string): Promise<Owned> => {
    const o = owned.get(tenant);
    if (o && !o.model.stale) return o;
    let p = loading.get(tenant);
    if (!p) {
      p = loadTenant(e.sql, tenant, log)
        .then((model) => {
          const fresh: Owned = { model, queue: Promise.resolve(), unknown: new Map(), version: undefined };
          owned.set(tenant, fresh);
          return fresh;
        })
        .finally(() => loading.delete(tenant));
      loading.set(tenant, p);
    }
    return p;
  };
  const loops = startLoops({ e, s, log, deps, owned, enqueue, relay, mine, tenantOf });
  lifecycle.defer(() => loops.stop());
  e.metrics.gauge("pulse_evaluate_tenants", "tenants this replica evaluates", [], (g) => g.set(owned.size));
  e.metrics.gauge("pulse_evaluate_rule_states", "(rule, device) states held in memory", [], (g) => g.set([...owned.values()].reduce((n, o) => n + o.model.states.size, 0)));
  await e.bus.consume({
    stream: "EVALUATE",
    partitions,
    maxBatch: 500,
    maxWaitMs: 10,
    concurrency: 2,
    signal: lifecycle.signal,
    handle: async (batch) => {
      // Through a database outage the batch waits (its writes retry): keep the bus from redelivering it meanwhile.
      const alive = setInterval(() => batch.forEach((m) => m.working()), 1_000);
      try {
        const byTenant = groupJobs(batch, log);
        await Promise.all([...byTenant].map(async ([tenant, jobs]) => {
          const o = await tenantOf(tenant);
          await enqueue(o, () => applyJobs(deps, o.model, jobs, o.unknown));
        }));
      } finally {
        clearInterval(alive);
      }
      for (const m of batch) m.ack();
    },
  });
  await loops.stop();
}

function groupJobs(batch: readonly BusMessage[], log: Logger): Map<string, EvaluateJob[]> {
  const out = new Map<string, EvaluateJob[]>();
  const dec = new TextDecoder();
  for (const m of batch) {
    let job: EvaluateJob;
    try {
      job = JSON.parse(dec.decode(m.data)) as EvaluateJob;
    } catch {
      log.error("unreadable EVALUATE message dropped", { subject: m.subject });
      continue;
    }
    const list = out.get(job.tenant) ?? [];
    list.push(job);
    out.set(job.tenant, list);
  }
  return out;
}

function evalStats(metrics: Metrics): EvalDeps["stats"] {
  const alerts = metrics.counter("pulse_evaluate_alerts_total", "alerts opened and closed by the evaluator", ["transition"]);
  const status = metrics.counter("pulse_evaluate_status_changes_total", "device status changes");
  return {
    alertsOpened: (n) => n && alerts.inc({ transition: "opened" }, n),
    alertsClosed: (n) => n && alerts.inc({ transition: "closed" }, n),
    statusChanges: (n) => n && status.inc(n),
  };
}

interface LoopContext {
  e: { sql: Sql; bus: Bus; metrics: Metrics };
  s: EvaluateSettings;
  log: Logger;
  deps: EvalDeps;
  owned: Map<string, Owned>;
  enqueue: (o: Owned, fn: () => Promise<void>) => Promise<void>;
  relay: OutboxRelay;
  mine: (tenant: string) => boolean;
  tenantOf: (tenant: string) => Promise<Owned>;
}

/** Timers, escalations, config and device refreshes, state checkpoints: each on its own interval, never overlapping itself. */
function startLoops(c: LoopContext): { stop(): Promise<void> } {
  const running = new Set<Promise<unknown>>();
  const every = (ms: number, name: string, fn: () => Promise<unknown>) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const p = fn()
        .catch((err) => c.log.warn(`evaluate ${name} failed, will retry`, { err: (err as Error).message }))
        .finally(() => ((busy = false), running.delete(p)));
      running.add(p);
    }, ms);
    return timer;
  };
  const timers = [
    every(c.s.evaluateTickMs, "timers", () => Promise.all([...c.owned.values()].map((o) => c.enqueue(o, () => applyTimers(c.deps, o.model))))),
    every(c.s.evaluateTickMs, "escalation", () => escalate(c)),
    every(5_000, "config refresh", () => refreshConfig(c)),
    every(60_000, "device refresh", () => refreshDevices(c)),
    every(CHECKPOINT_MS, "checkpoint", () => checkpoint(c)),
  ];
  return {
    async stop() {
      timers.forEach(clearInterval);
      await Promise.allSettled(running);
      await checkpoint(c).catch((err) => c.log.warn("final rule state checkpoint failed", { err: (err as Error).message }));
    },
  };
}

async function escalate(c: LoopContext): Promise<void> {
  const tenants = [...c.owned.keys()];
  const n = await asWorker(c.e.sql, async (tx) => {
    const due = await q.escalateDue(tx, tenants);
    await recordAlertEvents(tx, due.map((d) => ({ tenant: d.tenantId, alertId: d.alertId, transition: "ESCALATED" as const, level: d.level, actor: "escalation" })));
    return due.length;
  });
  if (n > 0) c.relay.kick();
}

async function refreshConfig(c: LoopContext): Promise<void> {
  const versions = await asWorker(c.e.sql, (tx) => q.configVersions(tx));
  for (const tenant of (await asWorker(c.e.sql, (tx) => q.tenantIds(tx))).filter(c.mine)) await c.tenantOf(tenant);
  for (const [tenant, o] of c.owned) {
    const v = versions.get(tenant);
    if (v === o.version) continue;
    await c.enqueue(o, async () => {
      await asWorker(c.e.sql, (tx) => loadConfig(tx, o.model, c.log));
      o.version = v;
      await sweep(c, o);
    });
  }
}

/** Closes what left the rules' scope and forgets its state (see TenantModel.sweep). */
async function sweep(c: LoopContext, o: Owned): Promise<void> {
  const fx = noEffects();
  o.model.sweep(fx);
  await writeEffects(c.deps, o.model, fx);
}

async function refreshDevices(c: LoopContext): Promise<void> {
  for (const o of c.owned.values()) {
    const rows = await asWorker(c.e.sql, async (tx) => withDynamicGroups(tx, o.model.tenant, await q.evalDevices(tx, o.model.tenant)));
    await c.enqueue(o, async () => {
      const now = Date.now();
      const present = new Set(rows.map((r) => r.deviceId));
      for (const r of rows) o.model.putDevice(toDevice(r), now);
      for (const id of o.model.devices.keys()) if (!present.has(id)) o.model.devices.delete(id);
      await sweep(c, o);
    });
  }
}

async function checkpoint(c: LoopContext): Promise<void> {
  for (const o of c.owned.values()) {
    const dirty = o.model.takeDirty();
    for (let i = 0; i < dirty.length; i += 2_000) {
      const chunk = dirty.slice(i, i + 2_000);
      await asWorker(c.e.sql, (tx) => q.saveRuleStates(tx, o.model.tenant, chunk)).catch((err: unknown) => {
        o.model.markDirty(dirty.slice(i));
        throw err;
      });
    }
  }
}
