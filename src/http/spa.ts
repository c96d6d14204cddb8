/**
 * The web console at /app/: in the compiled binary from the files embedded with
 * `--asset web-dist` (nothing is read from disk), when run from source from web-dist/ in the
 * checkout (`bun run build:web`). Hashed /app/assets/* files are immutable; any other /app path
 * is a page of the SPA and gets index.html, never cached; a missing asset is a 404, not HTML.
 */
import type { Hono } from "hono";
import { join } from "node:path";
import type { AppEnv } from "./app";
import { problem } from "./problem";
import { consoleBuildDir } from "../platform/config";

/** From source only: the checkout's web-dist/, or PULSE_WEB_DIST (a build elsewhere, for tests). */
const DEV_DIR = consoleBuildDir() ?? join(import.meta.dir, "../../web-dist");

/** The embedded console, by path below web-dist/ (empty when run from source). */
function embedded(): Map<string, Blob> {
  const files = new Map<string, Blob>();
  for (const f of Bun.embeddedFiles as (Blob & { name: string })[]) if (f.name.startsWith("web-dist/")) files.set(f.name.slice("web-dist/".length), f);
  return files;
}

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  html: "text/html; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  woff2: "font/woff2",
  json: "application/json",
};
const typeOf = (path: string) => TYPES[path.slice(path.lastIndexOf(".") + 1)] ?? "application/octet-stream";

/**
 * Only this origin's scripts and styles; the API and the OIDC issuer (token endpoint) are the
 * only places the console connects to. uPlot positions its legend with style attributes.
 */
function securityHeaders(oidcIssuer: string): Record<string, string> {
  const issuerOrigin = oidcIssuer ? ` ${new URL(oidcIssuer).origin}` : "";
  return {
    "content-security-policy": `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'${issuerOrigin}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'${issuerOrigin}`,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Pulse</title><p>The web console is not built in this checkout: run <code>bun run build:web</code> (or <code>bun run build</code> for the binary) and reload.</p>`;

export interface ConsoleOptions {
  oidcIssuer: string;
  /** Serve this directory instead of the embedded files (tests). */
  dir?: string;
}

export function registerSpa(app: Hono<AppEnv>, o: ConsoleOptions): { files: number } {
  const files = o.dir ? new Map<string, Blob>() : embedded();
  const dir = o.dir ?? DEV_DIR;
  const read = async (path: string): Promise<Blob | null> => {
    if (files.size) return files.get(path) ?? null;
    if (path.split("/").some((part) => part === ".." || part === "")) return null;
    const f = Bun.file(join(dir, path));
    return (await f.exists()) ? f : null;
  };
  const headers = securityHeaders(o.oidcIssuer);

  const page = async () => {
    const index = await read("index.html");
    return new Response(index ?? NOT_BUILT, { headers: { ...headers, "content-type": TYPES.html!, "cache-control": "no-cache" } });
  };
  app.get("/", (c) => c.redirect("/app/", 302));
  app.get("/app", (c) => c.redirect("/app/", 301));
  app.get("/app/assets/*", async (c) => {
    const path = c.req.path.slice("/app/".length);
    const blob = await read(path);
    if (!blob) return problem(c, { status: 404, code: "NOT_FOUND", detail: `no console asset ${path}` });
    return new Response(blob, { headers: { ...headers, "content-type": typeOf(path), "cache-control": "public, max-age=31536000, immutable" } });
  });
  app.get("/app/*", page);
  return { files: files.size };
}
