/**
 * Message routes on the ingest path: which stored device messages a tenant forwards. Each
 * tenant's enabled routes are read at most every few seconds and their filters compiled once,
 * so matching costs a few string compares per message.
 */
import { asWorker, type Sql } from "../platform/db";
import type { RouteJob } from "../platform/subjects";
import { enabledMessageRoutes } from "./delivery-queries";
import { compilePayloadFilter, compileTopicFilter, type PayloadFilter } from "./route-filters";

export interface StoredMessage {
  tenant: string;
  device: string;
  siteId: string | null;
  topic: string;
  msgType: string;
  msgId: string;
  receivedAt: number;
  time: number;
  metrics: Record<string, unknown>;
}

interface CompiledRoute {
  routeId: string;
  topic: (topic: string) => boolean;
  payload: (metrics: Readonly<Record<string, unknown>>, root?: Readonly<Record<string, unknown>>) => boolean;
}

const TTL_MS = 5_000;

export class RouteMatcher {
  private readonly cache = new Map<string, { at: number; routes: CompiledRoute[] }>();
  private loading: Promise<void> | null = null;
  private loadedAt = 0;

  constructor(private readonly sql: Sql) {}

  /** The ROUTES jobs for these messages (several tenants at once). */
  async match(messages: readonly StoredMessage[]): Promise<RouteJob[]> {
    if (messages.length === 0) return [];
    await this.refresh();
    const jobs: RouteJob[] = [];
    for (const m of messages) {
      const routes = this.cache.get(m.tenant)?.routes;
      if (!routes) continue;
      for (const r of routes) {
        if (!r.topic(m.topic) || !r.payload(m.metrics, { msgType: m.msgType, deviceId: m.device, siteId: m.siteId })) continue;
        jobs.push({ v: 1, tenant: m.tenant, routeId: r.routeId, device: m.device, topic: m.topic, msgType: m.msgType, msgId: m.msgId, receivedAt: m.receivedAt, time: m.time, metrics: m.metrics });
      }
    }
    return jobs;
  }

  /** Every tenant's routes in one query, at most every TTL_MS; concurrent callers share one load. */
  private refresh(): Promise<void> {
    if (Date.now() - this.loadedAt < TTL_MS) return Promise.resolve();
    this.loading ??= (async () => {
      try {
        const rows = await asWorker(this.sql, (tx) => enabledMessageRoutes(tx));
        this.cache.clear();
        for (const r of rows) {
          const compiled: CompiledRoute = {
            routeId: r.routeId,
            topic: compileTopicFilter(r.topicFilter),
            payload: compilePayloadFilter(r.payloadFilter as PayloadFilter),
          };
          const entry = this.cache.get(r.tenantId) ?? { at: Date.now(), routes: [] };
          entry.routes.push(compiled);
          this.cache.set(r.tenantId, entry);
        }
        this.loadedAt = Date.now();
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }
}
