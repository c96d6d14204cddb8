/**
 * Live updates for the web console: Server-Sent Event streams fed by ONE database poller per
 * tenant, however many browsers watch. A tenant's poller starts with its first stream and
 * stops with its last. Each tick reads, in one tenant transaction, the device_state rows and
 * alert events that changed since the previous tick (and fleet counts when something did),
 * then fans them out to the tenant's streams. Pollers hold no lock and write nothing.
 */
import { withTenant, type Db, type Sql, type Tx } from "../platform/db";
import { PulseError } from "../platform/errors";
import type { Logger } from "../platform/log";
import * as q from "./queries";
import { frame, LiveStream, type Subscription } from "./stream";

export type { Subscription } from "./stream";

export interface LiveHubOptions {
  log: Logger;
  /** src/fleet/queries.ts fleetCounts. Passed in: a domain reaches another only through its service. */
  fleetCounts: (db: Db) => Promise<{ total: number; byConnectivity: Record<string, number> }>;
  tickMs?: number;
  keepaliveMs?: number;
  maxStreamsPerTenant?: number;
}

export interface LiveStats {
  tenants: number;
  streams: number;
  polls: number;
}

/** device_state rows are re-read this far back: a write committing late carries an earlier updated_at. */
const OVERLAP_MS = 2000;
/** Alert events below the newest id seen are still looked for this long (slower transactions). */
const LOOKBACK_MS = 30_000;
const FLEET_MIN_MS = 2000;
const FLEET_MAX_MS = 30_000;
/** More changed devices (alert events) than this in one tick: fleet (all) streams get one `resync` instead. */
const MANY = 200;
const SEVERITIES = ["1", "2", "3", "4", "5"] as const;
const CONNECTIVITY = ["ONLINE", "STALE", "OFFLINE"] as const;
const event = (name: string, data: unknown, id?: number) => frame(name, JSON.stringify(data), id);

interface Changes {
  at: number;
  /** The database clock at the poll: the next one reads from here (less the overlap). */
  polledAt: Date;
  /** Changed rows, and the full state of those some stream wants. */
  changed: q.StateVersion[];
  states: Array<q.LiveDeviceState & { version: string; updatedAt: Date }>;
  burst: boolean;
  eventIds: number[];
  alerts: q.LiveAlertEvent[];
  fleet: string | null;
}

interface HubContext {
  sql: Sql;
  o: Required<LiveHubOptions>;
  counted(): void;
}

/** One tenant's poll loop and its streams. */
class TenantPoller {
  readonly streams = new Set<LiveStream>();
  readonly ready: Promise<void>;
  /** The tick in flight, awaited on shutdown. */
  running: Promise<void> = Promise.resolve();
  private timer: Timer | undefined;
  private stopped = false;
  /** device_state: the database clock of the last poll, and the version last seen of each recent row. */
  private since = new Date(0);
  private readonly versions = new Map<string, { version: string; at: number }>();
  /** Alert events: ids at or below `floor` are settled; `seen` holds those above it already handled. */
  private floor = 0;
  private marks: Array<{ at: number; id: number }> = [];
  private readonly seen = new Set<number>();
  private fleetAt = 0;
  private fleetDirty = false;
  private lastFleet: { json: string; bytes: Uint8Array } | null = null;

  constructor(private readonly ctx: HubContext, readonly tenantId: string) {
    this.ready = this.start();
    this.ready.catch(() => {}); // each open() awaiting it reports the failure
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** `hello`, then the fleet counts if this tenant's are current; later events follow from ticks. */
  welcome(s: LiveStream, sub: Subscription): void {
    s.push(event("hello", { tenantId: this.tenantId, serverTime: new Date(), expiresAt: sub.expiresAt }));
    if (s.fleet && this.lastFleet) {
      s.fleetSent = this.lastFleet.json;
      s.push(this.lastFleet.bytes);
    }
    s.welcomed = true;
  }

  /** Forgets fleet counts no stream is following any more: they would not be kept current. */
  detached(): void {
    if (![...this.streams].some((s) => s.fleet)) this.lastFleet = null;
  }

  private async start(): Promise<void> {
    const m = await withTenant(this.ctx.sql, this.tenantId, (tx) => q.startMarks(tx));
    this.since = m.now;
    this.floor = m.lastEventId;
    this.marks = [{ at: Date.now(), id: m.lastEventId }];
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => (this.running = this.tick()), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const changes = await withTenant(this.ctx.sql, this.tenantId, (tx) => this.poll(tx));
      this.ctx.counted();
      if (!this.stopped) this.apply(changes);
    } catch (err) {
      this.ctx.o.log.warn("live poll failed", { err, tenantId: this.tenantId });
    }
    this.schedule(this.ctx.o.tickMs);
  }

  private async poll(tx: Tx): Promise<Changes> {
    const at = Date.now();
    const streams = [...this.streams];
    const listed = [...new Set(streams.flatMap((s) => [...s.devices]))];
    const found = await q.changedStates(tx, new Date(this.since.getTime() - OVERLAP_MS), streams.some((s) => s.fleet) ? null : listed);
    const changed = found.rows.filter((c) => this.versions.get(c.deviceId)?.version !== c.version);
    const burst = changed.length > MANY;
    const states = await q.deviceStates(tx, changed.filter((c) => streams.some((s) => s.wants(c.deviceId, burst))).map((c) => c.deviceId));
    const eventIds = (await q.alertEventIds(tx, this.floor)).filter((id) => !this.seen.has(id));
    const alerts = eventIds.length > MANY ? [] : await q.alertEvents(tx, eventIds);
    this.fleetDirty ||= changed.length > 0 || eventIds.length > 0;
    const fleet = this.fleetDue(at, streams) ? await this.fleetCounts(tx) : null;
    return { at, polledAt: found.now, changed, states, burst, eventIds, alerts, fleet };
  }

  private fleetDue(at: number, streams: LiveStream[]): boolean {
    const following = streams.filter((s) => s.fleet);
    if (following.length === 0) return false;
    if (following.some((s) => s.fleetSent === null)) return true;
    return (this.fleetDirty && at - this.fleetAt >= FLEET_MIN_MS) || at - this.fleetAt >= FLEET_MAX_MS;
  }

  private async fleetCounts(tx: Tx): Promise<string> {
    const devices = await this.ctx.o.fleetCounts(tx);
    const alerts = await q.openAlertCounts(tx);
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, alerts.find((a) => String(a.severity) === s)?.n ?? 0]));
    return JSON.stringify({
      devices: { total: devices.total, byConnectivity: Object.fromEntries(CONNECTIVITY.map((k) => [k, devices.byConnectivity[k] ?? 0])) },
      openAlerts: { total: alerts.reduce((n, a) => n + a.n, 0), bySeverity },
    });
  }

  private apply(c: Changes): void {
    this.remember(c);
    const streams = [...this.streams].filter((s) => s.welcomed);
    if (c.burst) broadcast(streams.filter((s) => s.fleet), event("resync", { reason: "many devices changed" }));
    for (const d of c.states) {
      const { version: _v, updatedAt: _u, ...state } = d;
      broadcast(streams.filter((s) => s.wants(d.deviceId, c.burst)), event("device", state));
    }
    if (c.eventIds.length > MANY) broadcast(streams, event("resync", { reason: "many alerts changed" }));
    else for (const { eventId, ...alert } of c.alerts) broadcast(streams, event("alert", alert, eventId));
    if (c.fleet === null) return;
    this.fleetAt = c.at;
    this.fleetDirty = false;
    this.lastFleet = { json: c.fleet, bytes: frame("fleet", c.fleet) };
    for (const s of streams.filter((s) => s.fleet && s.fleetSent !== c.fleet)) {
      s.fleetSent = c.fleet;
      s.push(this.lastFleet.bytes);
    }
  }

  /** Moves the high-water marks; the overlap and look-back windows dedupe what they re-read. */
  private remember(c: Changes): void {
    for (const r of [...c.changed, ...c.states]) this.versions.set(r.deviceId, { version: r.version, at: r.updatedAt.getTime() });
    if (c.polledAt > this.since) this.since = c.polledAt;
    const oldest = this.since.getTime() - OVERLAP_MS;
    for (const [id, v] of this.versions) if (v.at <= oldest) this.versions.delete(id);
    for (const id of c.eventIds) this.seen.add(id);
    this.marks.push({ at: c.at, id: c.eventIds.reduce((a, b) => Math.max(a, b), this.marks.at(-1)!.id) });
    while (this.marks.length > 1 && this.marks[1]!.at <= c.at - LOOKBACK_MS) this.marks.shift();
    if (this.marks[0]!.at <= c.at - LOOKBACK_MS) this.floor = this.marks[0]!.id;
    for (const id of this.seen) if (id <= this.floor) this.seen.delete(id);
  }
}

const broadcast = (streams: LiveStream[], bytes: Uint8Array) => {
  for (const s of streams) s.push(bytes);
};

/** Created once per API process; `close()` on shutdown, since server.stop() waits for open streams. */
export class LiveHub {
  private readonly pollers = new Map<string, TenantPoller>();
  private readonly ctx: HubContext;
  private polls = 0;
  private closed = false;

  constructor(sql: Sql, o: LiveHubOptions) {
    const options = { tickMs: 1000, keepaliveMs: 5000, maxStreamsPerTenant: 50, ...o };
    this.ctx = { sql, o: options, counted: () => void this.polls++ };
  }

  /** A new stream, after the tenant's poller is running (so nothing committed after `hello` is missed). */
  async open(sub: Subscription): Promise<ReadableStream<Uint8Array>> {
    if (this.closed) throw new PulseError("UNAVAILABLE", "the server is shutting down; reconnect");
    const poller = this.pollers.get(sub.tenantId) ?? this.startPoller(sub.tenantId);
    const max = this.ctx.o.maxStreamsPerTenant;
    if (poller.streams.size >= max) {
      throw new PulseError("RATE_LIMITED", `this tenant already has ${max} live streams open; close one (another tab?) and retry`, { retryAfter: 5 });
    }
    const stream = new LiveStream(sub, this.ctx.o.keepaliveMs, (s) => this.detach(poller, s));
    poller.streams.add(stream);
    try {
      await poller.ready;
    } catch (err) {
      stream.end();
      throw err;
    }
    poller.welcome(stream, sub);
    return stream.body;
  }

  stats(): LiveStats {
    let streams = 0;
    for (const p of this.pollers.values()) streams += p.streams.size;
    return { tenants: this.pollers.size, streams, polls: this.polls };
  }

  /** Ends every stream (each client sees its body end) and stops every poller. */
  async close(): Promise<void> {
    this.closed = true;
    const pollers = [...this.pollers.values()];
    for (const p of pollers) for (const s of [...p.streams]) s.end();
    await Promise.all(pollers.map((p) => p.ready.then(() => p.running, () => {})));
  }

  private startPoller(tenantId: string): TenantPoller {
    const poller = new TenantPoller(this.ctx, tenantId);
    this.pollers.set(tenantId, poller);
    return poller;
  }

  private detach(poller: TenantPoller, s: LiveStream): void {
    poller.streams.delete(s);
    poller.detached();
    if (poller.streams.size > 0) return;
    poller.stop();
    if (this.pollers.get(poller.tenantId) === poller) this.pollers.delete(poller.tenantId);
  }
}
