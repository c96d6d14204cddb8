/**
 * One batch of device messages from the bus: decide for each whether it is stored or
 * quarantined (and why), write the lot in one transaction, then acknowledge every message.
 * Nothing is acknowledged before it is committed; nothing is dropped without a quarantine row.
 */
import type { BusMessage } from "../../platform/bus/bus";
import type { Sql } from "../../platform/db";
import type { Logger } from "../../platform/log";
import type { Metrics } from "../../platform/metrics";
import { LATENCY_BUCKETS } from "../../platform/metrics";
import { TENANT_ID } from "../../platform/ids";
import { decodeBundle, decodeIngress, type IngressMeta } from "../../platform/subjects";
import { checkToken, type DeviceDirectory, type IngestDevice } from "../../devices/service";
import { parseEnvelope, withoutToken, type Envelope, type EnvelopeLimits, type MetricValue } from "../../telemetry/envelope";
import { admit, type RateLimits } from "../../telemetry/rate-limit";
import { deriveState, storeItems, untilAvailable, type BulkLoad, type Item, type Outcome } from "../../telemetry/service";
import type { StateWriter } from "../../telemetry/state-writer";

export interface IngestDeps {
  sql: Sql;
  state: StateWriter;
  directory: DeviceDirectory;
  limits: RateLimits;
  envelope: EnvelopeLimits;
  log: Logger;
  stats: IngestStats;
  /** Deliveries after which the bus gives a message up: the last one is quarantined instead. */
  maxDeliver: number;
  bulkLoad?: BulkLoad;
  /** Tells the evaluator and message routes what a committed batch stored (absent in tests of storage alone). */
  announce?: (items: readonly Item[]) => Promise<void>;
}

export function ingestStats(metrics: Metrics) {
  return {
    messages: metrics.counter("pulse_ingest_messages_total", "device messages handled, by outcome and quarantine reason", ["result", "reason"]),
    batchSize: metrics.histogram("pulse_ingest_batch_messages", "messages per written batch", [1, 10, 50, 100, 250, 500, 1000, 2500, 5000]),
    batchSeconds: metrics.histogram("pulse_ingest_batch_seconds", "time to validate, write and acknowledge a batch", LATENCY_BUCKETS),
    endToEnd: metrics.histogram("pulse_ingest_latency_seconds", "receive time at the edge to committed row", LATENCY_BUCKETS),
    stateRows: metrics.counter("pulse_ingest_state_rows_total", "device state rows written"),
    stateSeconds: metrics.histogram("pulse_ingest_state_write_seconds", "time to write a round of device state", LATENCY_BUCKETS),
  };
}
export type IngestStats = ReturnType<typeof ingestStats>;

interface Decoded {
  meta: IngressMeta;
  payload: Uint8Array;
}

const reject = (d: Decoded | null, raw: Uint8Array, reason: string, detail?: string, env?: Envelope): Item => ({
  kind: "reject",
  q: {
    receivedAt: new Date(d?.meta.at ?? Date.now()),
    eventTs: env?.ts ?? null,
    tenant: d && TENANT_ID.test(d.meta.tenant) ? d.meta.tenant : null,
    device: d?.meta.device ?? null,
    siteId: env?.siteId ?? null,
    msgType: d?.meta.type ?? null,
    source: d?.meta.src ?? "bus",
    topic: d?.meta.topic ?? null,
    reason,
    detail: detail ?? null,
    payload: withoutToken(d?.payload ?? raw),
    ...(d?.meta.size ? { size: d.meta.size } : {}),
  },
});

/** Renames raw metric keys through the device's module maps ({"t1": "temp_c"}). */
function normalise(metrics: Record<string, MetricValue>, keyMap: Readonly<Record<string, string>>): Record<string, MetricValue> {
  let out: Record<string, MetricValue> | null = null;
  for (const key in metrics) {
    const mapped = keyMap[key];
    if (mapped !== undefined && mapped !== key) {
      out ??= { ...metrics };
      delete out[key];
      out[mapped] = metrics[key]!;
    }
  }
  return out ?? metrics;
}

/** Metric keys new to the device, within its sensor limit; remembered so they are created once. */
function discover(device: IngestDevice, metrics: Record<string, MetricValue>): string[] {
  const fresh: string[] = [];
  for (const key in metrics) {
    if (device.sensorKeys.has(key) || device.sensorKeys.size >= device.sensorLimit) continue;
    device.sensorKeys.add(key);
    fresh.push(key);
  }
  return fresh;
}

/** A device message within a bus message (a bundle holds several). */
interface Entry {
  msg: BusMessage;
  /** The frame's bytes, or the whole bus message when it is not a bundle. */
  raw: Uint8Array;
  d: Decoded | null;
}

function entries(batch: readonly BusMessage[]): Entry[] {
  const out: Entry[] = [];
  for (const msg of batch) {
    const frames = decodeBundle(msg.data);
    if (!frames) out.push({ msg, raw: msg.data, d: null });
    else for (const raw of frames) out.push({ msg, raw, d: decodeIngress(raw) });
  }
  return out;
}

function classify(deps: IngestDeps, e: Entry, device: IngestDevice | null | undefined): Item {
  const { msg: m, raw, d } = e;
  if (!d) return reject(null, raw, "INVALID_BUS_MESSAGE", "not an ingress frame");
  if (d.meta.reject) return reject(d, raw, d.meta.reject, d.meta.size ? `${d.meta.size} bytes; the first ${d.payload.length} are kept` : undefined);
  if (m.deliveryCount >= deps.maxDeliver) return reject(d, raw, "DELIVERY_ATTEMPTS_EXHAUSTED", `failed ${m.deliveryCount - 1} times`);
  const parsed = parseEnvelope(d.payload, d.meta.tenant, d.meta.at, deps.envelope);
  if (!parsed.ok) return reject(d, raw, parsed.rejection.reason, parsed.rejection.detail);
  const env = parsed.envelope;
  if (!device) return reject(d, raw, "UNREGISTERED_DEVICE", undefined, env);
  if (!device.tenantActive) return reject(d, raw, "TENANT_SUSPENDED", undefined, env);
  if (!device.active) return reject(d, raw, "DEVICE_NOT_ACTIVE", undefined, env);
  if (device.siteId && !env.siteId) return reject(d, raw, "MISSING_SITE_ID", undefined, env);
  if (device.siteId && env.siteId !== device.siteId) return reject(d, raw, "SITE_MISMATCH_REGISTRY_VS_PAYLOAD", `registered at ${device.siteId}`, env);
  if (!d.meta.checked) {
    const bad = d.meta.authenticated ? null : checkToken(device, env.token);
    if (bad) return reject(d, raw, bad, undefined, env);
    const limited = admit(deps.limits, d.meta.tenant, d.meta.device);
    if (limited !== "ok") return reject(d, raw, "RATE_LIMITED", `${limited} rate limit`, env);
  }
  const metrics = normalise(env.metrics, device.keyMap);
  return {
    kind: "row",
    row: {
      time: env.ts ?? new Date(d.meta.at),
      tenant: d.meta.tenant,
      device: d.meta.device,
      siteId: device.siteId,
      msgType: d.meta.type,
      seq: env.seq,
      metrics,
      msgId: d.meta.id,
    },
    newSensors: discover(device, metrics),
    location: env.lat !== null && env.lng !== null && device.locationAuto ? { lat: env.lat, lng: env.lng } : null,
    source: d.meta.src,
    topic: d.meta.topic ?? null,
    receivedAt: d.meta.at,
    payload: d.payload,
  };
}

export async function handleBatch(deps: IngestDeps, batch: readonly BusMessage[], signal: AbortSignal): Promise<Outcome> {
  const started = performance.now();
  const all = entries(batch);
  const keys = all.flatMap(({ d }) => (d && !d.meta.reject ? [{ tenant: d.meta.tenant, device: d.meta.device }] : []));
  const store = { log: deps.log, signal, bulkLoad: deps.bulkLoad, keepAlive: () => batch.forEach((m) => m.working()) };
  const devices = await untilAvailable(store, "device lookup", () => deps.directory.lookup(keys));
  const items = all.map((e) => classify(deps, e, e.d ? devices.get(`${e.d.meta.tenant}/${e.d.meta.device}`) : undefined));
  let outcome: Outcome;
  try {
    outcome = await storeItems(deps.sql, items, store);
  } catch (err) {
    // Sensors remembered for this batch were not written: read them from the registry again.
    for (const it of items) if (it.kind === "row" && it.newSensors.length > 0) deps.directory.forget(it.row.tenant, it.row.device);
    throw err;
  }
  deps.state.add(deriveState(items.flatMap((it) => (it.kind === "row" ? [it.row] : []))));
  if (deps.announce) await untilAvailable(store, "announce", () => deps.announce!(items));
  for (const m of batch) m.ack();
  record(deps.stats, outcome, items, items.length, started);
  return outcome;
}

function record(stats: IngestStats, o: Outcome, items: readonly Item[], size: number, started: number) {
  const now = Date.now();
  stats.messages.inc({ result: "stored", reason: "" }, o.stored);
  if (o.duplicates) stats.messages.inc({ result: "duplicate", reason: "" }, o.duplicates);
  for (const [reason, n] of o.quarantined) stats.messages.inc({ result: "quarantined", reason }, n);
  stats.batchSize.observe(size);
  stats.batchSeconds.observe((performance.now() - started) / 1000);
  for (const it of items) if (it.kind === "row") stats.endToEnd.observe((now - it.receivedAt) / 1000);
}
