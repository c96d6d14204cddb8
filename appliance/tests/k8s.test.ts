/**
 * The Kubernetes manifests in appliance/k8s: every file parses and is listed in the
 * kustomization, every built role runs the same image with probes on its real ports, the pods
 * are locked down, and no credential is committed.
 */
import { describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envOf, loadConfig, SETTINGS, type SettingKey } from "../../src/platform/config";
import { PulseError } from "../../src/platform/errors";
import { builtRoles } from "./roles";

const APPLIANCE = join(import.meta.dir, "..");
const REPO = join(APPLIANCE, "..");
const K8S = join(APPLIANCE, "k8s");
const HTTP_PORT = Number(SETTINGS.httpPort.default);
const HEALTH_PORT = Number(SETTINGS.healthPort.default);
const VERSION = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version as string;

/** Bun.YAML.parse gives an array for a multi-document stream and the document itself otherwise. */
function documents(text: string): any[] {
  const parsed = Bun.YAML.parse(text) as unknown;
  const docs = text.split(/^---\s*$/m).filter((d) => d.replace(/#.*$/gm, "").trim()).length > 1 ? (parsed as unknown[]) : [parsed];
  return docs.filter((d) => d !== null && d !== undefined);
}

const envFile = (name: string): Map<string, string> =>
  new Map(
    readFileSync(join(K8S, name), "utf8")
      .split("\n")
      .filter((l) => l.trim() && !l.trimStart().startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as [string, string]),
  );


const kustomization = Bun.YAML.parse(readFileSync(join(K8S, "kustomization.yaml"), "utf8")) as any;
const manifestFiles = readdirSync(K8S).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
const docs = manifestFiles.flatMap((file) => documents(readFileSync(join(K8S, file), "utf8")).map((doc) => ({ file, doc })));
const all = docs.map((d) => d.doc);
const byKind = (kind: string) => all.filter((d) => d.kind === kind);
const named = (kind: string, name: string) => all.find((d) => d.kind === kind && d.metadata?.name === name);
const workloads = all.filter((d) => ["Deployment", "StatefulSet", "Job"].includes(d.kind));
const podSpec = (w: any) => w.spec.template.spec;
const container = (w: any) => podSpec(w).containers[0];
const roles = builtRoles();
const workloadOf = (role: string) => named("Deployment", role) ?? named("StatefulSet", role);
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe("manifests", () => {
  test("every file parses into objects with apiVersion, kind and name", () => {
    expect(manifestFiles.length).toBeGreaterThanOrEqual(8);
    expect(docs.length).toBeGreaterThan(manifestFiles.length);
    for (const { file, doc } of docs) {
      expect(typeof doc.apiVersion, file).toBe("string");
      expect(typeof doc.kind, file).toBe("string");
      expect(doc.metadata?.name, `${file} ${doc.kind}`).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      // The kustomization sets the namespace.
      expect(doc.metadata.namespace, `${file} ${doc.kind}`).toBeUndefined();
    }
    const keys = all.map((d) => `${d.kind}/${d.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test("the kustomization lists every manifest and every file is accounted for", () => {
    expect(kustomization.namespace).toBe("pulse");
    expect([...kustomization.resources].sort()).toEqual([...manifestFiles].sort());
    expect(kustomization.configMapGenerator).toEqual([{ name: "pulse-config", envs: ["config.env"] }]);
    expect(kustomization.secretGenerator).toEqual([{ name: "pulse-secrets", envs: ["secrets.env"] }]);
    const known = new Set([...manifestFiles, "kustomization.yaml", "config.env", "secrets.env.example", "README.md", ".gitignore", "secrets.env"]);
    expect(readdirSync(K8S).filter((f) => !known.has(f))).toEqual([]);
    expect(readFileSync(join(K8S, ".gitignore"), "utf8").split("\n")).toContain("secrets.env");
    expect(named("Namespace", "pulse")).toBeDefined();
  });
});

describe("roles", () => {
  test("every built role runs the same image as its own workload", () => {
    expect(roles).toEqual(expect.arrayContaining(["serve", "ingest", "evaluate", "bridge", "deliver"]));
    expect(kustomization.images).toEqual([{ name: "pulse", newName: "pulse", newTag: VERSION }]);
    for (const role of [...roles, "migrate"]) {
      const w = role === "migrate" ? named("Job", "migrate") : workloadOf(role);
      expect(w, role).toBeDefined();
      expect(podSpec(w).containers).toHaveLength(1);
      const c = container(w);
      expect(c.image, role).toBe("pulse");
      expect(c.command).toEqual(["/usr/local/bin/pulse"]);
      expect(c.args).toEqual([role]);
      expect(w.spec.selector?.matchLabels ?? {}, role).toSatisfy((sel: Record<string, string>) => matches(sel, w.spec.template.metadata.labels));
      expect(w.spec.template.metadata.labels["app.kubernetes.io/component"]).toBe(role);
    }
    // Nothing else runs Pulse (ops is not built yet).
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual([...roles, "migrate"].sort());
    expect(named("Deployment", "serve").spec.replicas).toBe(3);
  });

  test("probes: /health and /ready on 8080 for serve, on 9464 for the workers", () => {
    for (const role of roles) {
      const c = container(workloadOf(role));
      const expected = role === "serve" ? { name: "http", port: HTTP_PORT } : { name: "health", port: HEALTH_PORT };
      expect(c.ports, role).toEqual([{ name: expected.name, containerPort: expected.port }]);
      expect(c.livenessProbe.httpGet, role).toEqual({ path: "/health", port: expected.name });
      expect(c.readinessProbe.httpGet, role).toEqual({ path: "/ready", port: expected.name });
      expect(c.startupProbe.httpGet, role).toEqual({ path: "/health", port: expected.name });
      const annotations = workloadOf(role).spec.template.metadata.annotations;
      expect(annotations, role).toEqual({ "prometheus.io/scrape": "true", "prometheus.io/port": String(expected.port), "prometheus.io/path": "/metrics" });
    }
  });

  test("pods run non-root, read-only, without capabilities or an API token", () => {
    for (const w of workloads) {
      const spec = podSpec(w);
      const name = w.metadata.name;
      expect(spec.securityContext, name).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(spec.securityContext.runAsUser, name).toBeGreaterThan(0);
      expect(spec.automountServiceAccountToken, name).toBe(false);
      expect(spec.serviceAccountName, name).toBe("pulse");
      const sc = container(w).securityContext;
      expect(sc, name).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
      // The read-only root needs a writable /tmp.
      expect(container(w).volumeMounts, name).toContainEqual({ name: "tmp", mountPath: "/tmp" });
      expect(spec.volumes, name).toContainEqual({ name: "tmp", emptyDir: { sizeLimit: "64Mi" } });
    }
    expect(named("ServiceAccount", "pulse").automountServiceAccountToken).toBe(false);
    expect(named("Namespace", "pulse").metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  test("every container has CPU and memory requests and limits", () => {
    for (const w of workloads) {
      const r = container(w).resources;
      for (const k of ["requests", "limits"]) {
        expect(r?.[k]?.cpu, `${w.metadata.name} ${k}.cpu`).toBeTruthy();
        expect(r?.[k]?.memory, `${w.metadata.name} ${k}.memory`).toMatch(/^\d+(Mi|Gi)$/);
      }
    }
  });

  test("draining gets more time than Pulse's 30 s shutdown", () => {
    for (const role of roles) expect(podSpec(workloadOf(role)).terminationGracePeriodSeconds, role).toBeGreaterThan(30);
  });
});

describe("configuration and secrets", () => {
  const settingByEnv = new Map((Object.keys(SETTINGS) as SettingKey[]).map((k) => [envOf(k), k]));
  const secretKeys = envFile("secrets.env.example");
  const config = envFile("config.env");
  const envOfContainer = (w: any) => new Map<string, any>(container(w).env?.map((e: any) => [e.name, e]) ?? []);

  test("every PULSE_* variable set anywhere is a real Pulse setting", () => {
    const names = [...config.keys(), ...workloads.flatMap((w) => [...envOfContainer(w).keys()])].filter((n) => n.startsWith("PULSE_"));
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) expect(settingByEnv.has(n), n).toBe(true);
  });

  test("config.env holds no secret setting and parses with Pulse's own checks", () => {
    for (const [name, value] of config) {
      const key = settingByEnv.get(name)!;
      expect((SETTINGS[key] as { secret?: boolean }).secret, name).not.toBe(true);
      expect(() => loadConfig([key], {}, { [name]: value }), name).not.toThrow();
    }
    expect(config.get("PULSE_LOG_FORMAT")).toBe("json");
    // The ports are fixed in the probes and Services.
    expect(config.has("PULSE_HTTP_PORT") || config.has("PULSE_HEALTH_PORT")).toBe(false);
  });

  test("each role gets its connections from the generated Secret", () => {
    const need: Record<string, Record<string, string>> = {
      serve: { PULSE_DATABASE_URL: "PULSE_DATABASE_URL", PULSE_NATS_URL: "PULSE_NATS_URL", PULSE_MQTT_HOOK_SECRET: "PULSE_MQTT_HOOK_SECRET" },
      ingest: { PULSE_DATABASE_URL: "PULSE_DATABASE_URL", PULSE_NATS_URL: "PULSE_NATS_URL" },
      evaluate: { PULSE_DATABASE_URL: "PULSE_DATABASE_URL", PULSE_NATS_URL: "PULSE_NATS_URL" },
      bridge: { PULSE_NATS_URL: "PULSE_NATS_URL", PULSE_MQTT_URL: "PULSE_MQTT_BRIDGE_URL" },
      deliver: { PULSE_DATABASE_URL: "PULSE_DATABASE_URL", PULSE_NATS_URL: "PULSE_NATS_URL", PULSE_MQTT_URL: "PULSE_MQTT_DELIVER_URL" },
      migrate: { PULSE_DATABASE_URL: "PULSE_MIGRATE_DATABASE_URL" },
    };
    for (const [role, vars] of Object.entries(need)) {
      const w = role === "migrate" ? named("Job", "migrate") : workloadOf(role);
      const env = envOfContainer(w);
      for (const [name, key] of Object.entries(vars)) expect(env.get(name)?.valueFrom?.secretKeyRef, `${role} ${name}`).toEqual({ name: "pulse-secrets", key });
      expect(container(w).envFrom, role).toEqual([{ configMapRef: { name: "pulse-config" } }]);
    }
    for (const w of workloads)
      for (const e of envOfContainer(w).values()) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) expect(secretKeys.has(ref.key), `${w.metadata.name}: ${ref.key} missing from secrets.env.example`).toBe(true);
      }
  });

  test("no credential is committed", () => {
    // Secret settings (per src/platform/config.ts) only ever come from the Secret.
    for (const w of workloads)
      for (const e of envOfContainer(w).values()) {
        const key = settingByEnv.get(e.name);
        if (key && (SETTINGS[key] as { secret?: boolean }).secret) expect(e.value, `${w.metadata.name} ${e.name}`).toBeUndefined();
      }
    const userinfo = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:([^\s/@]+)@/gi;
    for (const file of readdirSync(K8S).filter((f) => f !== "secrets.env")) {
      const text = readFileSync(join(K8S, file), "utf8");
      for (const m of text.matchAll(userinfo)) expect(m[1], `${file}: ${m[0]}`).toBe("change-me");
    }
    for (const [name, value] of secretKeys) expect(value, name).toContain("change-me");
    expect(kustomization.secretGenerator[0].envs).not.toContain("secrets.env.example");
  });
});

describe("scaling, disruption and exposure", () => {
  test("HPAs (autoscaling/v2, CPU) scale ingest and deliver, which leave replicas to them", () => {
    const hpas = byKind("HorizontalPodAutoscaler");
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(["deliver", "ingest"]);
    for (const h of hpas) {
      expect(h.apiVersion).toBe("autoscaling/v2");
      const target = named(h.spec.scaleTargetRef.kind, h.spec.scaleTargetRef.name);
      expect(target, h.metadata.name).toBeDefined();
      expect(h.spec.scaleTargetRef.apiVersion).toBe(target.apiVersion);
      expect(target.spec.replicas, `${target.metadata.name} must not pin replicas under an HPA`).toBeUndefined();
      expect(h.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(h.spec.maxReplicas).toBeGreaterThan(h.spec.minReplicas);
      expect(h.spec.metrics).toContainEqual({ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: expect.any(Number) } } });
      expect(container(target).resources.requests.cpu).toBeTruthy();
    }
  });

  test("PodDisruptionBudgets cover serve and ingest", () => {
    const pdbs = byKind("PodDisruptionBudget");
    for (const role of ["serve", "ingest"]) {
      const pdb = pdbs.find((p) => matches(p.spec.selector.matchLabels, workloadOf(role).spec.template.metadata.labels));
      expect(pdb, role).toBeDefined();
      expect(pdb.apiVersion).toBe("policy/v1");
    }
  });

  test("Services select real pods and expose the role ports", () => {
    for (const svc of byKind("Service")) {
      const target = workloads.find((w) => matches(svc.spec.selector, w.spec.template.metadata.labels));
      expect(target, svc.metadata.name).toBeDefined();
      for (const p of svc.spec.ports) expect(container(target).ports.map((cp: any) => cp.name), svc.metadata.name).toContain(p.targetPort);
    }
    const serve = named("Service", "serve");
    expect(serve.spec.type).toBe("ClusterIP");
    expect(serve.spec.ports).toEqual([{ name: "http", port: HTTP_PORT, targetPort: "http" }]);
    for (const role of roles.filter((r) => r !== "serve")) expect(named("Service", role)?.spec.ports[0].port, role).toBe(HEALTH_PORT);
    // A StatefulSet needs its governing Service.
    for (const s of byKind("StatefulSet")) expect(named("Service", s.spec.serviceName)?.spec.clusterIP).toBe("None");
  });

  test("the Ingress reaches serve, streams SSE unbuffered and hides the broker hooks", () => {
    const ing = named("Ingress", "pulse");
    expect(ing.metadata.annotations["nginx.ingress.kubernetes.io/proxy-buffering"]).toBe("off");
    expect(Number(ing.metadata.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"])).toBeGreaterThanOrEqual(600);
    const paths = ing.spec.rules.flatMap((r: any) => r.http.paths);
    for (const p of paths) expect(p.backend.service).toEqual({ name: "serve", port: { name: "http" } });
    const routed = (url: string) =>
      paths.some((p: any) => (p.pathType === "Exact" ? url === p.path : url === p.path || url.startsWith(`${p.path.replace(/\/$/, "")}/`)));
    for (const url of ["/", "/app/", "/app/devices/d-1", "/ingest/v1/batch", "/api/v1/customer/live", "/api/v1/operator/tenants", "/api/v1/auth/config", "/api/v1/provision/activate", "/api/openapi.json"])
      expect(routed(url), url).toBe(true);
    for (const url of ["/api/v1/internal/mqtt-auth", "/api/v1/internal/mqtt-acl", "/metrics", "/ready"]) expect(routed(url), url).toBe(false);
  });

  test("evaluate replicas each own one shard, derived from the StatefulSet ordinal", () => {
    const sts = named("StatefulSet", "evaluate");
    const env = container(sts).env as any[];
    const index = env.findIndex((e) => e.name === "POD_INDEX");
    const shard = env.findIndex((e) => e.name === "PULSE_EVALUATE_SHARD");
    expect(env[index].valueFrom.fieldRef.fieldPath).toBe("metadata.labels['apps.kubernetes.io/pod-index']");
    // $(VAR) expands only variables defined earlier in the list.
    expect(index).toBeLessThan(shard);
    const m = /^\$\(POD_INDEX\)\/(\d+)$/.exec(env[shard].value);
    expect(m).not.toBeNull();
    const n = Number(m![1]);
    expect(n).toBe(sts.spec.replicas);
    for (let i = 0; i < n; i++) expect(loadConfig(["evaluateShard"], {}, { PULSE_EVALUATE_SHARD: `${i}/${n}` }).evaluateShard).toBe(`${i}/${n}`);
  });

  test("the bridge runs once and is recreated, never rolled", () => {
    const d = named("Deployment", "bridge");
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: "Recreate" });
  });

  test("migrate is a Job that retries but fails fast on permanent errors", () => {
    const job = named("Job", "migrate");
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
    expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(podSpec(job).restartPolicy).toBe("Never");
    const failJob = job.spec.podFailurePolicy.rules.find((r: any) => r.action === "FailJob");
    const permanent = [new PulseError("USAGE", "").exitCode, new PulseError("MIGRATION_CONFLICT", "").exitCode];
    expect(failJob.onExitCodes).toEqual({ containerName: "migrate", operator: "In", values: permanent });
    // Roles wait by exiting on an unmigrated schema, not with init containers.
    expect(new PulseError("SCHEMA_MISMATCH", "").exitCode).toBe(6);
    for (const w of workloads) expect(podSpec(w).initContainers, w.metadata.name).toBeUndefined();
  });
});

const kubectl = Bun.which("kubectl");
test.skipIf(!kubectl)("kubectl kustomize renders the whole set with generated names", () => {
  const dir = mkdtempSync(join(tmpdir(), "pulse-k8s-"));
  try {
    cpSync(K8S, dir, { recursive: true });
    cpSync(join(K8S, "secrets.env.example"), join(dir, "secrets.env"));
    const r = Bun.spawnSync([kubectl!, "kustomize", dir], { stdout: "pipe", stderr: "pipe" });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
    const out = documents(r.stdout.toString());
    const secret = out.find((d) => d.kind === "Secret");
    const cm = out.find((d) => d.kind === "ConfigMap");
    expect(secret.metadata.name).toMatch(/^pulse-secrets-[a-z0-9]{10}$/);
    expect(cm.metadata.name).toMatch(/^pulse-config-[a-z0-9]{10}$/);
    for (const d of out.filter((d) => d.kind !== "Namespace")) expect(d.metadata.namespace, `${d.kind}/${d.metadata.name}`).toBe("pulse");
    for (const w of out.filter((d) => ["Deployment", "StatefulSet", "Job"].includes(d.kind))) {
      const c = w.spec.template.spec.containers[0];
      expect(c.image).toBe(`pulse:${VERSION}`);
      expect(c.envFrom[0].configMapRef.name).toBe(cm.metadata.name);
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) expect(e.valueFrom.secretKeyRef.name).toBe(secret.metadata.name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
