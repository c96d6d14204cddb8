/** Drives the ingest pipeline in tests: publish device messages as the edges would, run a worker. */
import { randomUUID } from "node:crypto";
import type { Bus } from "../platform/bus/bus";
import { createLifecycle } from "../platform/lifecycle";
import { encodeBundle, encodeIngress, messageId, type IngressMeta } from "../platform/subjects";
import { runIngest, type IngestConfig } from "../workers/ingest/main";
import { runBridge } from "../workers/bridge/main";
import { asWorker, type Sql } from "../platform/db";
import { quietLog } from "./db";
import { TEST_BUS_STORAGE } from "./bus";

const enc = new TextEncoder();

/** Publishes a device message as the bridge or HTTP edge would; returns its message id. */
export async function sendDevice(
  bus: Bus,
  o: { tenant: string; device: string; payload: unknown; type?: IngressMeta["type"]; src?: "mqtt" | "http"; at?: number; checked?: boolean; id?: string },
): Promise<string> {
  const payload = o.payload instanceof Uint8Array ? o.payload : enc.encode(typeof o.payload === "string" ? o.payload : JSON.stringify(o.payload));
  const type = o.type ?? "telemetry";
  const id = o.id ?? messageId(o.tenant, o.device, type, payload);
  const meta: IngressMeta = { v: 1, src: o.src ?? "mqtt", tenant: o.tenant, device: o.device, type, at: o.at ?? Date.now(), id };
  if (meta.src === "mqtt") meta.topic = `tenant/${o.tenant}/device/${o.device}/${type}`;
  if (o.checked) meta.checked = true;
  await bus.publish("TELEMETRY", o.tenant, encodeBundle([encodeIngress(meta, payload)]), { msgId: randomUUID() });
  return id;
}

export interface Worker {
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Runs `pulse ingest` in this process until stopped. */
export function startIngest(o: { databaseUrl: string; natsUrl: string; natsPrefix: string } & Partial<IngestConfig>): Worker {
  const lifecycle = createLifecycle(quietLog);
  const config: IngestConfig = {
    dbPoolMax: 4, busStorageGib: TEST_BUS_STORAGE / 1024 ** 3, healthHost: "127.0.0.1", healthPort: 0, ingestBatch: 500, ingestWaitMs: 10, ingestConcurrency: 2,
    maxPayloadBytes: 16_384, deviceRate: 0, deviceBurst: 50, tenantRate: 0, tenantBurst: 10_000, deviceCacheTtl: 60, maxClockSkew: 300,
    ...o,
  };
  const done = runIngest(config, quietLog, lifecycle).finally(() => lifecycle[Symbol.asyncDispose]());
  return {
    done,
    async stop() {
      lifecycle.stop("test done");
      await done;
    },
  };
}

/** Waits until the stored plus quarantined messages reach `n` (or 20 s pass); returns the counts. */
export async function waitForOutcome(sql: Sql, n: number, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [c] = await asWorker(sql, (tx) => tx<{ stored: number; quarantined: number }[]>`
      select (select count(*)::int from telemetry) as stored, (select count(*)::int from quarantine_events) as quarantined`);
    if (c!.stored + c!.quarantined >= n || Date.now() > deadline) return c!;
    await Bun.sleep(25);
  }
}

/** Runs `pulse bridge` in this process until stopped. */
export function startBridge(o: { mqttUrl: string; natsUrl: string; natsPrefix: string; clientId?: string; connections?: number; brokerAuth?: boolean }): Worker {
  const lifecycle = createLifecycle(quietLog);
  const done = runBridge(
    {
      mqttUrl: o.mqttUrl,
      mqttClientId: o.clientId ?? `bridge-${randomUUID().slice(0, 8)}`,
      mqttBrokerAuth: o.brokerAuth ?? false,
      bridgeConnections: o.connections ?? 1,
      natsUrl: o.natsUrl,
      natsPrefix: o.natsPrefix,
      busStorageGib: TEST_BUS_STORAGE / 1024 ** 3,
      healthHost: "127.0.0.1",
      healthPort: 0,
      maxPayloadBytes: 16_384,
    },
    quietLog,
    lifecycle,
  ).finally(() => lifecycle[Symbol.asyncDispose]());
  return {
    done,
    async stop() {
      lifecycle.stop("test done");
      await done;
    },
  };
}
