/**
 * Prometheus metrics: the only module that imports prom-client. Each process has one registry,
 * labelled with its role; names follow pulse_<thing>_<unit>.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface Metrics {
  readonly registry: Registry;
  counter<L extends string>(name: string, help: string, labels?: readonly L[]): Counter<L>;
  histogram<L extends string>(name: string, help: string, buckets: number[], labels?: readonly L[]): Histogram<L>;
  /** `collect` runs on every scrape, for values read from elsewhere (a backlog). */
  gauge<L extends string>(name: string, help: string, labels?: readonly L[], collect?: (g: Gauge<L>) => Promise<void> | void): Gauge<L>;
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(role: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, prefix: "pulse_process_" });
  // Per-heap-space sizes cost Bun a full heap walk (~20 ms per scrape on the event loop, measured
  // in bench:up); the heap totals from process.memoryUsage() stay.
  for (const kind of ["total", "used", "available"]) registry.removeSingleMetric(`pulse_process_nodejs_heap_space_size_${kind}_bytes`);
  return {
    registry,
    counter: (name, help, labels = []) => new Counter({ name, help, labelNames: [...labels], registers: [registry] }),
    histogram: (name, help, buckets, labels = []) => new Histogram({ name, help, buckets, labelNames: [...labels], registers: [registry] }),
    gauge: (name, help, labels = [], collect) =>
      new Gauge({
        name,
        help,
        labelNames: [...labels],
        registers: [registry],
        ...(collect ? { async collect(this: Gauge) { await collect(this as never); } } : {}),
      }),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/** Seconds buckets for latencies from a millisecond to a minute. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
