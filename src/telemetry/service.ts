/**
 * Storing a batch of device messages: telemetry rows, quarantined messages, device state,
 * discovered sensors and reported positions, all in one transaction, so a batch is either
 * wholly stored or not at all (and then redelivered). A database outage is waited out; a batch
 * the database refuses is split until the offending message is isolated and quarantined.
 */
import { asWorker, type Sql, type Tx } from "../platform/db";
import { withoutToken } from "./envelope";
import { byKey } from "./state-writer";
import { PulseError } from "../platform/errors";
import type { Logger } from "../platform/log";
import {
  ensureTelemetryDays,
  insertDiscoveredSensors,
  insertQuarantine,
  insertTelemetry,
  type BulkLoad,
  updateLocations,
  type QuarantineRow,
  type StateRow,
  type TelemetryRow,
} from "./queries";

export type { BulkLoad, QuarantineRow, TelemetryRow } from "./queries";

export type Item =
  | {
      kind: "row";
      row: TelemetryRow;
      newSensors: readonly string[];
      location: { lat: number; lng: number } | null;
      /** Where and when the message arrived, and its bytes: for quarantine if the database refuses the row. */
      source: "mqtt" | "http";
      topic: string | null;
      receivedAt: number;
      payload: Uint8Array;
    }
  | { kind: "reject"; q: QuarantineRow };

export interface Outcome {
  stored: number;
  duplicates: number;
  quarantined: Map<string, number>;
}

const empty = (): Outcome => ({ stored: 0, duplicates: 0, quarantined: new Map() });
function add(a: Outcome, b: Outcome): Outcome {
  for (const [reason, n] of b.quarantined) a.quarantined.set(reason, (a.quarantined.get(reason) ?? 0) + n);
  return { stored: a.stored + b.stored, duplicates: a.duplicates + b.duplicates, quarantined: a.quarantined };
}

/**
 * Latest state per device in these rows: the newest times, and each metric's newest value.
 * Walks the rows newest first (the later of two rows with the same time wins, as in arrival
 * order), so a metric is set once per device and batch: under load a device sends several
 * messages per batch, and only its newest values cost anything.
 */
export function deriveState(rows: readonly TelemetryRow[]): StateRow[] {
  const order = rows.map((_, i) => i).sort((a, b) => rows[b]!.time.getTime() - rows[a]!.time.getTime() || b - a);
  const byDevice = new Map<string, StateRow>();
  for (const i of order) {
    const r = rows[i]!;
    const key = `${r.tenant}/${r.device}`;
    let s = byDevice.get(key);
    if (!s) {
      s = { tenant: r.tenant, device: r.device, lastHeartbeatAt: null, lastTelemetryAt: null, lastSeenAt: r.time, latest: {} };
      byDevice.set(key, s);
    }
    if (r.msgType === "heartbeat") s.lastHeartbeatAt ??= r.time;
    else s.lastTelemetryAt ??= r.time;
    let t: string | undefined;
    for (const k in r.metrics) if (!Object.hasOwn(s.latest, k)) s.latest[k] = { v: r.metrics[k]!, t: (t ??= r.time.toISOString()) };
  }
  return [...byDevice.values()];
}

async function writeItems(tx: Tx, items: readonly Item[], load: BulkLoad): Promise<Outcome> {
  const rows: TelemetryRow[] = [];
  const rejects: QuarantineRow[] = [];
  const sensors = new Map<string, { tenant: string; device: string; key: string }>();
  const locations = new Map<string, { tenant: string; device: string; lat: number; lng: number }>();
  for (const it of items) {
    if (it.kind === "reject") {
      rejects.push(it.q);
      continue;
    }
    rows.push(it.row);
    const { tenant, device } = it.row;
    for (const key of it.newSensors) sensors.set(`${tenant}/${device}/${key}`, { tenant, device, key });
    if (it.location) locations.set(`${tenant}/${device}`, { tenant, device, ...it.location });
  }
  const stored = await insertTelemetry(tx, rows, load);
  await insertQuarantine(tx, rejects);
  // In key order: concurrent batches then lock the same rows in the same order, never deadlocking.
  await insertDiscoveredSensors(tx, byKey(sensors.values()));
  await updateLocations(tx, byKey(locations.values()));
  const quarantined = new Map<string, number>();
  for (const q of rejects) quarantined.set(q.reason, (quarantined.get(q.reason) ?? 0) + 1);
  return { stored, duplicates: rows.length - stored, quarantined };
}

export interface StoreOptions {
  log: Logger;
  signal: AbortSignal;
  /** Called while waiting out an outage, so the bus does not redeliver the batch meanwhile. */
  keepAlive(): void;
  /** First and longest wait between attempts during an outage. */
  retryMs?: { first: number; max: number };
  /** Default COPY; the embedded engine takes rows by INSERT. */
  bulkLoad?: BulkLoad;
}

const isMissingDay = (e: unknown) => e instanceof PulseError && e.details?.sqlstate === "23514" && /no partition of relation/.test(e.message);
const isOutage = (e: unknown) => e instanceof PulseError && e.code === "UNAVAILABLE";
/**
 * The worker role lacking a privilege (TEMPORARY on the database, a grant a hand-made schema
 * missed) is the installation's fault, never a message's: waited out like an outage, so the
 * messages stay on the bus until an admin grants it instead of filling the quarantine.
 */
const isMissingPrivilege = (e: unknown) => e instanceof PulseError && e.details?.sqlstate === "42501";

function asRejected(it: Item, err: unknown): Item {
  if (it.kind === "reject") throw err; // the quarantine itself was refused: let the bus redeliver
  const r = it.row;
  const detail = err instanceof Error ? err.message : String(err);
  return {
    kind: "reject",
    q: { receivedAt: new Date(it.receivedAt), eventTs: r.time, tenant: r.tenant, device: r.device, siteId: r.siteId, msgType: r.msgType, source: it.source, topic: it.topic, reason: "WRITE_REJECTED", detail, payload: withoutToken(it.payload) },
  };
}

/**
 * Runs `fn` until the database answers: an outage is waited out with backoff (keeping the bus
 * from redelivering meanwhile) instead of failing the batch, so no delivery attempt is burned.
 */
export async function untilAvailable<T>(o: StoreOptions, what: string, fn: () => Promise<T>): Promise<T> {
  const retry = o.retryMs ?? { first: 250, max: 5_000 };
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const privilege = isMissingPrivilege(err);
      if (!(isOutage(err) || privilege) || o.signal.aborted) throw err;
      const wait = Math.min(retry.max, retry.first * 2 ** Math.min(attempt - 1, 10));
      if (attempt === 1 || attempt % 10 === 0) {
        if (privilege) o.log.error("the database refused a privilege Pulse's worker role needs; waiting until it is granted (see the README, Database roles)", { what, attempt, waitMs: wait, err: (err as Error).message });
        else o.log.warn("unavailable, retrying", { what, attempt, waitMs: wait, err: (err as Error).message });
      }
      o.keepAlive();
      await Bun.sleep(wait);
    }
  }
}

export async function storeItems(sql: Sql, items: readonly Item[], o: StoreOptions): Promise<Outcome> {
  if (items.length === 0) return empty();
  for (;;) {
    try {
      return await untilAvailable(o, "telemetry batch", () => asWorker(sql, (tx) => writeItems(tx, items, o.bulkLoad ?? "copy")));
    } catch (err) {
      if (isMissingDay(err)) {
        const times = items.flatMap((it) => (it.kind === "row" ? [it.row.time.getTime()] : []));
        await untilAvailable(o, "telemetry days", () =>
          asWorker(sql, (tx) => ensureTelemetryDays(tx, new Date(Math.min(...times)), new Date(Math.max(...times)))),
        );
        continue;
      }
      if (isOutage(err) || isMissingPrivilege(err)) throw err; // shutting down mid-wait: the bus redelivers later
      if (items.length === 1) return storeItems(sql, [asRejected(items[0]!, err)], o);
      o.log.warn("batch refused, splitting it", { items: items.length, err: (err as Error).message });
      const mid = Math.ceil(items.length / 2);
      return add(await storeItems(sql, items.slice(0, mid), o), await storeItems(sql, items.slice(mid), o));
    }
  }
}
