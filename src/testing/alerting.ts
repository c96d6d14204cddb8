/**
 * The alerting pipeline in one test process, as `pulse up` runs it: ingest, evaluate and
 * deliver over a private JetStream prefix and the API harness's database, so tests drive it
 * with device messages and API calls and watch real receivers.
 */
import { apiHarness, type ApiHarness } from "./api";
import { testBus, type TestBus } from "./bus";
import { quietLog } from "./db";
import { addDevice } from "./fixtures";
import { sendDevice } from "./ingest";
import { asWorker } from "../platform/db";
import { createLifecycle, type Lifecycle } from "../platform/lifecycle";
import { createMetrics } from "../platform/metrics";
import { consumeTelemetry } from "../workers/ingest/main";
import { evaluate } from "../workers/evaluate/main";
import { consumeDeliveries } from "../workers/deliver/main";
import type { Republish } from "../workers/deliver/routes";

export interface AlertingOptions {
  devices: string[];
  /** Runs before the workers start (rules, channels, routes made with SQL or the API). */
  setup?: (h: ApiHarness) => Promise<void>;
  deliverAttempts?: number;
  deliverBackoffMs?: number;
  deliverMaxBackoffMs?: number;
  egressAllow?: string[];
  republish?: Republish;
}

export interface Alerting extends AsyncDisposable {
  h: ApiHarness;
  t: TestBus;
  admin: string;
  /** Sends telemetry from a device with this time (default now). */
  send(device: string, metrics: Record<string, unknown>, at?: number): Promise<void>;
  /** Polls until `fn` returns a truthy value (default 10 s). */
  until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs?: number): Promise<T>;
  q<T extends object>(query: TemplateStringsArray, ...args: unknown[]): Promise<T[]>;
}

export async function alerting(o: AlertingOptions): Promise<Alerting> {
  const h = await apiHarness({ seed: [], egressAllow: o.egressAllow ?? ["127.0.0.0/8"] });
  const t = await testBus({ kind: "jetstream" });
  for (const device of o.devices) await addDevice(h.db.sql, { tenant: "acme", device });
  const { admin } = await h.tokens("acme");
  await o.setup?.(h);
  const lifecycle: Lifecycle = createLifecycle(quietLog);
  const metrics = createMetrics("test");
  const e = { sql: h.db.sql, bus: t.bus, metrics };
  const ingestSettings = {
    ingestBatch: 200, ingestWaitMs: 10, ingestConcurrency: 2, maxPayloadBytes: 16_384, deviceRate: 0, deviceBurst: 50,
    tenantRate: 0, tenantBurst: 10_000, deviceCacheTtl: 60, maxClockSkew: 300,
  };
  const workers = Promise.all([
    consumeTelemetry(e, ingestSettings, quietLog, lifecycle),
    evaluate(e, { evaluateShard: "0/1", evaluateTickMs: 200 }, quietLog, lifecycle),
    consumeDeliveries({ ...e, republish: o.republish ?? null }, {
      deliverAttempts: o.deliverAttempts ?? 10, deliverBackoffMs: o.deliverBackoffMs ?? 200, deliverMaxBackoffMs: o.deliverMaxBackoffMs ?? 2_000,
      deliverConcurrency: 4, egressAllow: o.egressAllow ?? ["127.0.0.0/8"],
    }, quietLog, lifecycle),
  ]);
  let seq = 0;
  const until = async <T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await Bun.sleep(50);
    }
  };
  return {
    h, t, admin, until,
    send: async (device, metrics, at = Date.now()) => {
      await sendDevice(t.bus, { tenant: "acme", device, checked: true, payload: { ts: new Date(at).toISOString(), seq: ++seq, metrics } });
    },
    q: (query, ...args) => asWorker(h.db.sql, (tx) => tx(query, ...(args as never[])) as unknown as Promise<never[]>),
    async [Symbol.asyncDispose]() {
      lifecycle.stop("test done");
      await workers.catch(() => {});
      await lifecycle[Symbol.asyncDispose]();
      await t[Symbol.asyncDispose]();
      await h[Symbol.asyncDispose]();
    },
  };
}
