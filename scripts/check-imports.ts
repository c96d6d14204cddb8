/**
 * Enforces the module boundaries of ARCHITECTURE.md and CONVENTIONS.md: who may import whom,
 * which single file may import each third-party engine, the one reader of process.env, and
 * no import cycles. Run by the test suite; `bun scripts/check-imports.ts` prints violations.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = join(import.meta.dir, "..");

/** Third-party packages that only one place may import (a prefix match on the specifier). */
const OWNED_PACKAGES: ReadonlyArray<{ pkg: RegExp; allowed: RegExp; why: string }> = [
  { pkg: /^postgres$/, allowed: /^src\/platform\/db\.ts$/, why: "postgres.js is used through src/platform/db.ts" },
  { pkg: /^@electric-sql\/pglite/, allowed: /^src\/platform\/pglite-worker\.ts$/, why: "PGlite runs in src/platform/pglite-worker.ts" },
  { pkg: /^@nats-io\//, allowed: /^src\/platform\/bus\/jetstream\.ts$/, why: "NATS is used through the Bus interface" },
  { pkg: /^hono(\/|$)/, allowed: /^src\/http\//, why: "hono belongs to src/http" },
  { pkg: /^nodemailer$/, allowed: /^src\/notify\/senders\/email\.ts$/, why: "e-mail is sent through src/notify/senders" },
  { pkg: /^(aedes|ws)$/, allowed: /^src\/up\/broker\.ts$/, why: "the embedded MQTT broker lives in src/up/broker.ts" },
  { pkg: /^prom-client$/, allowed: /^src\/platform\/metrics\.ts$/, why: "metrics are made through src/platform/metrics.ts" },
];

const PLATFORM_TOP = new Set(["platform", "http", "workers", "up", "web", "testing"]);

export interface Violation {
  file: string;
  message: string;
}

const isTest = (file: string) => /\.test\.ts$/.test(file);
const layer = (file: string) => {
  const m = /^src\/([^/]+)\/(?:([^/]+)\/)?/.exec(file);
  if (file.startsWith("cmd/")) return { top: "cmd", sub: "" };
  if (file.startsWith("scripts/")) return { top: "scripts", sub: "" };
  return { top: m?.[1] ?? "", sub: m?.[2] ?? "" };
};

/** Checks one import edge (both paths relative to the repository root). */
export function checkEdge(from: string, to: string): string | null {
  if (from.startsWith("scripts/") || isTest(from)) return null; // tests and tools may reach anything
  const a = layer(from);
  const b = layer(to);
  if (a.top === "testing") return b.top === "cmd" ? "src/testing may not import cmd/" : null;
  if (b.top === "cmd") return a.top === "cmd" ? null : "nothing in src/ imports cmd/";
  if (b.top === "testing") return "src/testing is for tests only";
  if (a.top === "cmd") {
    if (["platform", "http", "workers", "up"].includes(b.top)) return null;
    // A domain's use-cases and schemas are its public face; the rest stays inside it.
    return !PLATFORM_TOP.has(b.top) && /\/(service|schema)\.ts$/.test(to) ? null : `cmd/ may import src/${b.top} only through its service.ts or schema.ts`;
  }
  if (a.top === "platform") return b.top === "platform" ? null : `src/platform knows no domain (imports src/${b.top})`;
  if (b.top === "up" && a.top !== "up") return "only cmd/ imports src/up";
  if ((a.top === "http" && b.top === "workers") || (a.top === "workers" && b.top === "http")) {
    return "src/http and src/workers never import each other";
  }
  if (a.top === "workers" && b.top === "workers" && a.sub !== b.sub) return `worker ${a.sub} may not import worker ${b.sub}`;
  const aIsDomain = !PLATFORM_TOP.has(a.top);
  const bIsDomain = !PLATFORM_TOP.has(b.top);
  if (aIsDomain && ["http", "workers", "up", "web"].includes(b.top)) return `a domain may not import src/${b.top}`;
  if (aIsDomain && bIsDomain && a.top !== b.top && !to.endsWith("/service.ts") && !to.endsWith("/schema.ts")) {
    return `other domains are reached through their service.ts or schema.ts (imports ${to})`;
  }
  return null;
}

export function checkPackage(from: string, specifier: string): string | null {
  for (const rule of OWNED_PACKAGES) {
    if (rule.pkg.test(specifier) && !rule.allowed.test(from) && !isTest(from)) return `imports ${specifier}: ${rule.why}`;
  }
  return null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && /\.tsx?$/.test(d.name) && !d.name.endsWith(".d.ts"))
    .map((d) => relative(ROOT, join(d.parentPath, d.name)));
}

function resolveLocal(from: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  const base = resolve(ROOT, dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) {
    try {
      readFileSync(candidate);
      return relative(ROOT, candidate);
    } catch {
      // try the next form
    }
  }
  return null;
}

function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, "open");
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === "open") cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return cycles;
}

export function checkRepository(): Violation[] {
  const ts = new Bun.Transpiler({ loader: "ts" });
  const tsx = new Bun.Transpiler({ loader: "tsx" });
  const violations: Violation[] = [];
  const graph = new Map<string, string[]>();
  for (const file of [...sourceFiles("cmd"), ...sourceFiles("src")]) {
    const text = readFileSync(join(ROOT, file), "utf8").replace(/^#!.*/, "");
    if (/process\.env/.test(text) && file !== "src/platform/config.ts" && !isTest(file)) {
      violations.push({ file, message: "reads process.env; configuration is read only in src/platform/config.ts" });
    }
    const edges: string[] = [];
    for (const imp of (file.endsWith(".tsx") ? tsx : ts).scanImports(text)) {
      const pkg = checkPackage(file, imp.path);
      if (pkg) violations.push({ file, message: pkg });
      const to = resolveLocal(file, imp.path);
      if (!to || to.startsWith("node_modules/") || to.endsWith(".sql") || to === "package.json") continue;
      const bad = checkEdge(file, to);
      if (bad) violations.push({ file, message: bad });
      if (imp.kind !== "dynamic-import") edges.push(to);
    }
    if (!isTest(file)) graph.set(file, edges.filter((e) => !isTest(e)));
  }
  for (const cycle of findCycles(graph)) violations.push({ file: cycle[0]!, message: `import cycle: ${cycle.join(" -> ")}` });
  return violations;
}

if (import.meta.main) {
  const violations = checkRepository();
  for (const v of violations) console.error(`${v.file}: ${v.message}`);
  console.error(violations.length === 0 ? "imports: ok" : `imports: ${violations.length} violation(s)`);
  process.exit(violations.length === 0 ? 0 : 1);
}
