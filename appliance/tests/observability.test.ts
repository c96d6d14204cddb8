/**
 * Prometheus scrape config, alert rules and Grafana dashboards of the appliance. Every metric
 * a rule or panel queries must exist: Pulse's own names are read from its prom-client
 * definitions in src/, the exporters' from the list below.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { SETTINGS } from "../../src/platform/config";
import { createMetrics } from "../../src/platform/metrics";
import { ingestStats } from "../../src/workers/ingest/handler";
import { findBinary } from "../../src/testing/server-process";
import { builtRoles } from "./roles";

const APPLIANCE = join(import.meta.dir, "..");
const REPO = join(APPLIANCE, "..");
const PROM_DIR = join(APPLIANCE, "prometheus");
const DASH_DIR = join(APPLIANCE, "grafana", "dashboards");

const yaml = (path: string) => Bun.YAML.parse(readFileSync(path, "utf8")) as any;
const HTTP_PORT = Number(SETTINGS.httpPort.default);
const HEALTH_PORT = Number(SETTINGS.healthPort.default);


// ---------------------------------------------------------------------------------------
// Metric catalogue

type Catalogue = Map<string, Set<string>>;

/** Splits the text after `(` into top-level arguments, up to the matching `)`. */
function callArguments(src: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = open + 1;
  for (let i = open; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) {
      depth--;
      if (depth === 0) {
        args.push(src.slice(start, i).trim());
        return args;
      }
    } else if (c === "," && depth === 1) {
      args.push(src.slice(start, i).trim());
      start = i + 1;
    }
  }
  throw new Error("unbalanced call");
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name));
}

/**
 * Pulse's metric definitions, read from the calls on src/platform/metrics.ts's Metrics:
 * counter(name, help, labels?), histogram(name, help, buckets, labels?), gauge(name, help, labels?, collect?).
 */
function scanPulseDefinitions(): Array<{ name: string; kind: string; labels: string[]; file: string }> {
  const out: Array<{ name: string; kind: string; labels: string[]; file: string }> = [];
  for (const file of sourceFiles(join(REPO, "src"))) {
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/\.(counter|histogram|gauge)(?:<[^>(]*>)?\(\s*"(pulse_[a-z0-9_]+)"/g)) {
      const kind = m[1]!;
      const args = callArguments(src, m.index! + m[0].indexOf("("));
      const labelArg = args[kind === "histogram" ? 3 : 2];
      const labels = labelArg ? [...labelArg.matchAll(/"([a-zA-Z_][a-zA-Z0-9_]*)"/g)].map((x) => x[1]!) : [];
      out.push({ name: m[2]!, kind, labels, file: relative(REPO, file) });
    }
  }
  return out;
}

function addFamily(cat: Catalogue, name: string, kind: string, labels: readonly string[]) {
  // Every Pulse series carries the registry's default label `role`.
  const set = new Set([...labels, "role"]);
  if (kind === "histogram") {
    cat.set(`${name}_bucket`, new Set([...set, "le"]));
    cat.set(`${name}_sum`, set);
    cat.set(`${name}_count`, set);
  } else cat.set(name, set);
}

async function pulseCatalogue(): Promise<Catalogue> {
  const cat: Catalogue = new Map();
  for (const d of scanPulseDefinitions()) addFamily(cat, d.name, d.kind, d.labels);
  // prom-client's default process metrics, as Pulse registers them (prefix pulse_process_).
  const m = createMetrics("test");
  for (const metric of await m.registry.getMetricsAsJSON()) {
    const labels = ((m.registry.getSingleMetric(metric.name) as unknown as { labelNames?: string[] })?.labelNames ?? []) as string[];
    addFamily(cat, metric.name, String(metric.type) === "histogram" ? "histogram" : "other", labels);
  }
  return cat;
}

/**
 * Exporter and Prometheus metric names with their labels (besides job and instance), taken from
 * the exporters' source and documentation:
 * - postgres_exporter v0.17 (collectors stat_database, database; pg_settings_*; pg_up)
 * - pgbouncer_exporter v0.10 (SHOW POOLS/DATABASES/STATS; v0.11 renames pgbouncer_stats_*
 *   to pgbouncer_stats_totals_*, so a bump of the image needs the queries changed too)
 * - prometheus-nats-exporter 0.16 run with -varz -jsz=all (gnatsd_varz_*, jetstream_*)
 * - EMQX 5.8 /api/v5/prometheus/stats
 * - MinIO /minio/v2/metrics/cluster
 * - Prometheus itself: up, ALERTS
 */
const JS_SERVER = ["server_id", "server_name", "cluster", "domain", "meta_leader", "is_meta_leader"];
const JS_STREAM = [...JS_SERVER, "account", "account_id", "stream_name", "stream_leader", "is_stream_leader"];
const JS_CONSUMER = [...JS_STREAM, "consumer_name", "consumer_leader", "is_consumer_leader", "consumer_desc", "consumer_created"];
const PG_DB = ["datid", "datname"];
const PGB_POOL = ["database", "user"];
const PGB_DATABASE = ["name", "host", "port", "database", "force_user", "pool_mode"];
const EXPORTERS: Record<string, readonly string[]> = {
  pg_up: [],
  pg_stat_database_numbackends: PG_DB,
  pg_stat_database_xact_commit: PG_DB,
  pg_stat_database_xact_rollback: PG_DB,
  pg_stat_database_blks_hit: PG_DB,
  pg_stat_database_blks_read: PG_DB,
  pg_stat_database_deadlocks: PG_DB,
  pg_database_size_bytes: ["datname"],
  pg_settings_max_connections: [],
  pgbouncer_up: [],
  pgbouncer_pools_client_active_connections: PGB_POOL,
  pgbouncer_pools_client_waiting_connections: PGB_POOL,
  pgbouncer_pools_server_active_connections: PGB_POOL,
  pgbouncer_pools_server_idle_connections: PGB_POOL,
  pgbouncer_pools_client_maxwait_seconds: PGB_POOL,
  pgbouncer_databases_pool_size: PGB_DATABASE,
  pgbouncer_databases_current_connections: PGB_DATABASE,
  pgbouncer_stats_client_wait_seconds_total: ["database"],
  pgbouncer_stats_sql_transactions_pooled_total: ["database"],
  gnatsd_varz_connections: ["server_id"],
  gnatsd_varz_in_msgs: ["server_id"],
  gnatsd_varz_out_msgs: ["server_id"],
  jetstream_server_total_streams: JS_SERVER,
  jetstream_server_total_message_bytes: JS_SERVER,
  jetstream_server_max_storage: JS_SERVER,
  jetstream_stream_total_messages: JS_STREAM,
  jetstream_stream_total_bytes: JS_STREAM,
  jetstream_consumer_num_pending: JS_CONSUMER,
  jetstream_consumer_num_ack_pending: JS_CONSUMER,
  jetstream_consumer_num_redelivered: JS_CONSUMER,
  emqx_live_connections_count: [],
  emqx_connections_count: [],
  emqx_messages_received: [],
  emqx_messages_sent: [],
  emqx_messages_dropped: [],
  minio_cluster_capacity_usable_free_bytes: [],
  minio_cluster_capacity_usable_total_bytes: [],
  // `role` is the target label prometheus.yml puts on Pulse targets.
  up: ["role"],
  ALERTS: ["alertname", "alertstate", "severity"],
};
const TARGET_LABELS = ["job", "instance"];

// ---------------------------------------------------------------------------------------
// PromQL

const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan"]);

interface Parsed {
  metrics: string[];
  selectors: Array<{ metric: string; labels: string[] }>;
  groupLabels: string[];
}

/** Metric names (identifiers not followed by `(`), label matchers and grouping labels of an expression. */
function parsePromQL(expr: string): Parsed {
  let s = expr.replace(/\$\{?\w+\}?/g, "1m"); // Grafana variables ($__rate_interval)
  const selectors: Parsed["selectors"] = [];
  const unstring = (t: string) => t.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  s = s.replace(/([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}/g, (_, metric: string | undefined, inner: string) => {
    const labels = [...unstring(inner).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]!);
    if (metric) selectors.push({ metric, labels });
    return `${metric ?? ""} `;
  });
  s = unstring(s);
  const groupLabels: string[] = [];
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_, _kw, list: string) => {
    groupLabels.push(...list.split(",").map((x) => x.trim()).filter(Boolean));
    return " ";
  });
  s = s.replace(/\[[^\]]*\]/g, "[]");
  const metrics: string[] = [];
  for (const m of s.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)/g)) {
    const rest = s.slice(m.index! + m[0].length).trimStart();
    if (rest.startsWith("(") || KEYWORDS.has(m[1]!)) continue;
    metrics.push(m[1]!);
  }
  return { metrics: [...new Set(metrics)], selectors, groupLabels };
}

/** Problems of one expression against the catalogue: unknown metrics, unknown label names. */
function checkExpr(expr: string, pulse: Catalogue): string[] {
  const labelsOf = (metric: string): Set<string> | undefined => {
    if (metric.startsWith("pulse_")) return pulse.get(metric);
    const known = EXPORTERS[metric];
    return known ? new Set(known) : undefined;
  };
  const problems: string[] = [];
  const p = parsePromQL(expr);
  if (p.metrics.length === 0) problems.push(`no metric in ${expr}`);
  const all = new Set(TARGET_LABELS);
  for (const metric of p.metrics) {
    const labels = labelsOf(metric);
    if (!labels) problems.push(`unknown metric ${metric}`);
    else for (const l of labels) all.add(l);
  }
  for (const sel of p.selectors) {
    const labels = labelsOf(sel.metric);
    if (!labels) continue;
    for (const l of sel.labels) if (!labels.has(l) && !TARGET_LABELS.includes(l)) problems.push(`${sel.metric} has no label ${l}`);
  }
  for (const l of p.groupLabels) if (!all.has(l)) problems.push(`no metric of the expression has label ${l} (${expr})`);
  return problems;
}

// ---------------------------------------------------------------------------------------

const prom = yaml(join(PROM_DIR, "prometheus.yml"));
const job = (name: string) => prom.scrape_configs.find((j: any) => j.job_name === name);
const ruleFile = yaml(join(PROM_DIR, "rules", "pulse.yml"));
const rules: any[] = ruleFile.groups.flatMap((g: any) => g.rules);
const dashboards = readdirSync(DASH_DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ file: f, json: JSON.parse(readFileSync(join(DASH_DIR, f), "utf8")) }));

describe("prometheus.yml", () => {
  test("scrapes every 15 s and loads the rule files", () => {
    expect(prom.global.scrape_interval).toBe("15s");
    expect(prom.rule_files).toEqual(["rules/*.yml"]);
    const matched = [...new Bun.Glob(prom.rule_files[0]).scanSync({ cwd: PROM_DIR })];
    expect(matched).toContain(join("rules", "pulse.yml"));
    const names = prom.scrape_configs.map((j: any) => j.job_name);
    expect(new Set(names).size).toBe(names.length);
  });

  test("scrapes every built Pulse role on its port, labelled with its role", () => {
    const roles = builtRoles();
    expect(roles).toEqual(expect.arrayContaining(["serve", "ingest", "evaluate", "bridge", "deliver"]));
    const pulse = job("pulse");
    // Pulse's own `role` label must survive the scrape.
    expect(pulse.honor_labels).toBe(true);
    expect(pulse.metrics_path ?? "/metrics").toBe("/metrics");
    const targets = new Map<string, { target: string; role: string }>();
    for (const sc of pulse.static_configs ?? []) for (const t of sc.targets) targets.set(t.split(":")[0], { target: t, role: sc.labels?.role });
    for (const sd of pulse.dns_sd_configs ?? []) {
      expect(sd.type).toBe("A");
      for (const n of sd.names) targets.set(n, { target: `${n}:${sd.port}`, role: "(dns)" });
    }
    for (const role of roles) {
      const t = targets.get(role);
      expect(t, `no scrape target for ${role}`).toBeDefined();
      expect(t!.target).toBe(`${role}:${role === "serve" ? HTTP_PORT : HEALTH_PORT}`);
      if (t!.role !== "(dns)") expect(t!.role).toBe(role);
    }
    expect(targets.size).toBe(roles.length);
    // The two ingest replicas are found by DNS, and the DNS name becomes the role label.
    expect(pulse.dns_sd_configs.map((d: any) => d.names).flat()).toEqual(["ingest"]);
    expect(pulse.relabel_configs).toContainEqual(expect.objectContaining({ source_labels: ["__meta_dns_name"], target_label: "role", replacement: "$1" }));
  });

  test("scrapes the exporters, EMQX, MinIO and itself", () => {
    const expected: Record<string, { target: string; path?: string }> = {
      postgres: { target: "postgres-exporter:9187" },
      pgbouncer: { target: "pgbouncer-exporter:9127" },
      nats: { target: "nats-exporter:7777" },
      emqx: { target: "emqx:18083", path: "/api/v5/prometheus/stats" },
      minio: { target: "minio:9000", path: "/minio/v2/metrics/cluster" },
      prometheus: { target: "localhost:9090" },
    };
    for (const [name, e] of Object.entries(expected)) {
      const j = job(name);
      expect(j, name).toBeDefined();
      expect(j.static_configs.flatMap((s: any) => s.targets)).toEqual([e.target]);
      expect(j.metrics_path ?? "/metrics").toBe(e.path ?? "/metrics");
    }
  });

  const compose = join(APPLIANCE, "compose.yaml");
  test.skipIf(!existsSync(compose))("every scraped host is a compose service", () => {
    const services = Object.keys(yaml(compose).services);
    const hosts = prom.scrape_configs.flatMap((j: any) => [
      ...(j.static_configs ?? []).flatMap((s: any) => s.targets.map((t: string) => t.split(":")[0])),
      ...(j.dns_sd_configs ?? []).flatMap((d: any) => d.names),
    ]);
    for (const h of hosts.filter((h: string) => h !== "localhost")) expect(services, `compose has no service ${h}`).toContain(h);
  });

  test.skipIf(!existsSync(compose))("compose runs the exporter versions the metric list was checked against", () => {
    const s = yaml(compose).services;
    expect(s["postgres-exporter"].image).toMatch(/postgres-exporter:v0\.1[5-9]\./);
    expect(s["pgbouncer-exporter"].image).toMatch(/pgbouncer-exporter:v0\.10\./);
    expect(s["nats-exporter"].image).toMatch(/prometheus-nats-exporter:0\.1[5-9]\./);
    expect(s["nats-exporter"].command).toEqual(expect.arrayContaining(["-varz", "-jsz=all"]));
    expect(s.emqx.image).toMatch(/^emqx\/emqx:5\.8\./);
    expect(s.minio.environment.MINIO_PROMETHEUS_AUTH_TYPE).toBe("public");
    // These files are mounted where prometheus.yml and the Grafana provisioning expect them.
    expect(s.prometheus.volumes).toContain("./prometheus:/etc/prometheus:ro");
    expect(s.grafana.volumes).toEqual(expect.arrayContaining(["./grafana/provisioning:/etc/grafana/provisioning:ro", "./grafana/dashboards:/var/lib/grafana/dashboards:ro"]));
  });
});

describe("metric catalogue", () => {
  test("the scan of src/ finds Pulse's metrics with the labels prom-client registers", async () => {
    const defs = scanPulseDefinitions();
    const names = defs.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const prefix of ["pulse_http_", "pulse_ingest_", "pulse_bus_", "pulse_evaluate_", "pulse_bridge_", "pulse_deliver_"]) {
      expect(names.some((n) => n.startsWith(prefix)), prefix).toBe(true);
    }
    // Cross-check the scanner against the real registry for the ingest worker's metrics.
    const m = createMetrics("check");
    ingestStats(m);
    for (const metric of await m.registry.getMetricsAsJSON()) {
      if (metric.name.startsWith("pulse_process_")) continue;
      const scanned = defs.find((d) => d.name === metric.name);
      expect(scanned, metric.name).toBeDefined();
      expect(scanned!.kind).toBe(String(metric.type));
      expect(scanned!.labels).toEqual([...((m.registry.getSingleMetric(metric.name) as any).labelNames ?? [])]);
    }
    expect(defs.find((d) => d.name === "pulse_deliver_sends_total")?.labels).toEqual(["type", "result"]);
    expect(defs.find((d) => d.name === "pulse_http_request_seconds")?.labels).toEqual(["route", "status"]);
  });

  test("the PromQL parser separates metrics, functions, matchers and grouping", () => {
    const p = parsePromQL(
      'histogram_quantile(0.99, sum by (le, route) (rate(pulse_http_request_seconds_bucket{route=~"/api/.*", status!="200"}[$__rate_interval]))) / ignoring (x) group_left max(up == 1) and on () vector(0)',
    );
    expect(p.metrics.sort()).toEqual(["pulse_http_request_seconds_bucket", "up"]);
    expect(p.selectors).toEqual([{ metric: "pulse_http_request_seconds_bucket", labels: ["route", "status"] }]);
    expect(p.groupLabels).toEqual(["le", "route", "x"]);
  });
});

describe("alert rules", () => {
  test("are well formed", () => {
    expect(rules.length).toBeGreaterThanOrEqual(15);
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const r of rules) {
      expect(r.alert, JSON.stringify(r)).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(typeof r.expr).toBe("string");
      expect(["critical", "warning"]).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.annotations?.description, r.alert).toBeTruthy();
      if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
    }
  });

  test("cover what an operator must hear about", () => {
    const exprs = rules.map((r) => r.expr).join("\n");
    for (const needle of [
      'up{job="pulse"} == 0',
      "pulse_ingest_messages_total{result=\"quarantined\"}",
      "pulse_bus_backlog_messages",
      "pulse_deliver_sends_total{result=\"dead\"}",
      "pulse_ingest_latency_seconds_bucket",
      "pgbouncer_databases_pool_size",
      "pg_up == 0",
      "jetstream_server_max_storage",
      'status=~"5.."',
    ]) {
      expect(exprs).toContain(needle);
    }
    expect(rules.find((r) => r.alert === "PulseRoleDown")?.for).toBe("2m");
  });

  test("use only metrics and labels that exist", async () => {
    const pulse = await pulseCatalogue();
    const problems = rules.flatMap((r) => checkExpr(r.expr, pulse).map((p) => `${r.alert}: ${p}`));
    expect(problems).toEqual([]);
  });

  test("pass promtool check config and rules", () => {
    findBinary("promtool", "apt-get install prometheus");
    const r = Bun.spawnSync(["promtool", "check", "config", join(PROM_DIR, "prometheus.yml")], { stderr: "pipe", stdout: "pipe" });
    expect(r.stdout.toString() + r.stderr.toString()).toContain("SUCCESS");
    expect(r.exitCode).toBe(0);
  });
});

describe("grafana", () => {
  test("provisions the Prometheus datasource and the dashboard folder", () => {
    const ds = yaml(join(APPLIANCE, "grafana", "provisioning", "datasources", "prometheus.yaml"));
    expect(ds.datasources).toHaveLength(1);
    expect(ds.datasources[0]).toMatchObject({ uid: "prometheus", type: "prometheus", url: "http://prometheus:9090", access: "proxy" });
    const dp = yaml(join(APPLIANCE, "grafana", "provisioning", "dashboards", "pulse.yaml"));
    expect(dp.providers[0]).toMatchObject({ type: "file", options: { path: "/var/lib/grafana/dashboards" } });
  });

  test("four dashboards with fixed uids, 6 h range and 30 s refresh", () => {
    expect(dashboards.map((d) => d.file).sort()).toEqual(["alerts.json", "database.json", "delivery.json", "ingest.json"]);
    const uids = dashboards.map((d) => d.json.uid);
    expect(new Set(uids).size).toBe(4);
    for (const { file, json } of dashboards) {
      expect(json.uid, file).toBe(`pulse-${file.replace(".json", "")}`);
      expect(json.title).toStartWith("Pulse / ");
      expect(json.schemaVersion).toBeGreaterThanOrEqual(36);
      expect(json.time).toEqual({ from: "now-6h", to: "now" });
      expect(json.refresh).toBe("30s");
    }
  });

  test("every panel queries the provisioned datasource and fits the grid", () => {
    for (const { file, json } of dashboards) {
      const ids = json.panels.map((p: any) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const p of json.panels) {
        const where = `${file}: ${p.title}`;
        expect(["timeseries", "stat"], where).toContain(p.type);
        expect(p.datasource, where).toEqual({ type: "prometheus", uid: "prometheus" });
        expect(p.targets.length, where).toBeGreaterThan(0);
        for (const t of p.targets) {
          expect(t.expr?.trim(), where).toBeTruthy();
          if (t.datasource) expect(t.datasource.uid, where).toBe("prometheus");
        }
        const refIds = p.targets.map((t: any) => t.refId);
        expect(new Set(refIds).size, where).toBe(refIds.length);
        expect(p.gridPos.x + p.gridPos.w, where).toBeLessThanOrEqual(24);
      }
    }
  });

  test("panels use only metrics and labels that exist", async () => {
    const pulse = await pulseCatalogue();
    const problems = dashboards.flatMap(({ file, json }) =>
      json.panels.flatMap((p: any) => p.targets.flatMap((t: any) => checkExpr(t.expr, pulse).map((x) => `${file} "${p.title}": ${x}`))),
    );
    expect(problems).toEqual([]);
  });

  test("each dashboard shows what its topic needs", () => {
    const exprs = (file: string) => dashboards.find((d) => d.file === file)!.json.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)).join("\n");
    const need: Record<string, string[]> = {
      "ingest.json": ["pulse_ingest_messages_total", "pulse_ingest_batch_messages_bucket", "pulse_ingest_batch_seconds_bucket", "pulse_ingest_latency_seconds_bucket", "pulse_bus_backlog_messages", "pulse_bridge_messages_total", "pulse_ingest_edge_total"],
      "alerts.json": ["pulse_evaluate_status_changes_total", "pulse_evaluate_alerts_total", "pulse_evaluate_rule_states", "pulse_evaluate_tenants"],
      "delivery.json": ["pulse_deliver_sends_total", 'result="dead"', "jetstream_consumer_num_pending"],
      "database.json": ["pg_up", "pg_stat_database_numbackends", "pg_stat_database_xact_commit", "pg_stat_database_blks_hit", "pg_database_size_bytes", "pgbouncer_pools_client_active_connections", "pgbouncer_pools_client_waiting_connections", "pgbouncer_pools_server_active_connections", "pgbouncer_stats_client_wait_seconds_total"],
    };
    for (const [file, needles] of Object.entries(need)) for (const n of needles) expect(exprs(file), file).toContain(n);
  });
});
