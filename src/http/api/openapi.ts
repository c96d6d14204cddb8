/** The OpenAPI 3.1 document, generated from the route table's zod schemas. */
import { z } from "zod";
import { VERSION } from "../../platform/version";
import { isTenantAccess } from "./access";
import type { RouteDef } from "./route";
import { Problem } from "./schemas";

type Json = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: "input" | "output"): Json =>
  z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
    override: (ctx) => {
      const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string } } })._zod.def;
      if (def.type === "date") Object.assign(ctx.jsonSchema, { type: "string", format: "date-time" });
    },
  }) as Json;

function parameters(schema: z.ZodType | undefined, where: "path" | "query", examples: Record<string, string> = {}): Json[] {
  if (!schema) return [];
  const s = toSchema(schema, "input") as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, p]) => ({
    name,
    in: where,
    required: where === "path" || (s.required ?? []).includes(name),
    schema: p,
    ...(typeof p.description === "string" ? { description: p.description } : {}),
    ...(examples[name] !== undefined ? { example: examples[name] } : {}),
  }));
}

const problemRef = { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } };

function errorResponses(def: RouteDef): Json {
  const out: Json = {};
  const add = (status: number, description: string) => (out[status] = { description, content: problemRef });
  if (def.params || def.query || def.body) add(400, "Invalid path, query or body (see errors[] for field paths)");
  if (def.access !== "public") add(401, "Missing, invalid or expired credentials");
  if (def.access !== "public" && def.access !== "internal") add(403, "The caller's role does not allow this");
  if (def.params) add(404, "Not found (or belongs to another tenant)");
  if (def.body) add(413, "Body too large");
  add(429, "Rate limited; see Retry-After");
  return out;
}

export function openApiDocument(routes: readonly RouteDef[]): Json {
  const paths: Record<string, Json> = {};
  for (const def of routes) {
    const path = def.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    const op: Json = {
      operationId: `${def.method}${path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : ""))}`,
      summary: def.summary,
      tags: [def.tag],
      "x-pulse-access": def.access,
      parameters: [...parameters(def.params, "path"), ...parameters(def.query, "query", def.exampleQuery)],
      security: def.access === "public" ? [] : def.access === "internal" ? [{ internal: [] }] : [{ bearer: [] }],
    };
    if (isTenantAccess(def.access)) op.description = "Runs in the caller's tenant, taken from the verified token.";
    if (def.body) {
      const type = def.bodyFormat === "text" ? "text/csv" : "application/json";
      op.requestBody = { required: !def.body.safeParse(undefined).success, content: { [type]: { schema: toSchema(def.body, "input"), ...(def.example ? { example: def.example } : {}) } } };
    }
    const ok = String(def.status ?? 200);
    op.responses = {
      [ok]: {
        description: "Success",
        ...(def.status === 204 ? {} : def.produces ? { content: { [def.produces]: { schema: { type: "string" } } } } : def.response ? { content: { "application/json": { schema: toSchema(def.response, "output") } } } : {}),
      },
      ...errorResponses(def),
    };
    (paths[path] ??= {})[def.method] = op;
  }
  return {
    openapi: "3.1.0",
    info: { title: "Pulse API", version: VERSION, description: "Multi-tenant IoT fleet management. Errors are application/problem+json with a stable `code`." },
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: { Problem: toSchema(Problem, "output") },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "An access token from Keycloak (realm pulse) or from POST /api/v1/auth/login" },
        internal: { type: "apiKey", in: "header", name: "X-Internal-Auth", description: "Shared secret of the MQTT broker's hooks" },
      },
    },
  };
}

/** A self-contained docs page (no CDN: air-gapped sites must be able to read it). */
export const DOCS_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pulse API</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:14px/1.5 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 2rem;color:#1d2330}
h2{margin-top:2rem;border-bottom:1px solid #ddd}details{border:1px solid #e3e6ec;border-radius:6px;margin:.4rem 0;padding:.3rem .7rem}
summary{cursor:pointer}code,pre{font:12px ui-monospace,monospace}pre{background:#f5f6f8;padding:.6rem;overflow:auto}
.m{display:inline-block;min-width:4.2rem;font-weight:600;text-transform:uppercase}.a{color:#666;float:right}</style></head>
<body><h1>Pulse API</h1><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).
Sign in with <code>POST /api/v1/auth/login</code> (built-in identity) or a Keycloak token, then send <code>Authorization: Bearer &lt;token&gt;</code>.</p>
<div id="ops">Loading…</div><script>
fetch('/api/openapi.json').then(r=>r.json()).then(doc=>{const by={};
for(const [p,ops] of Object.entries(doc.paths))for(const [m,o] of Object.entries(ops))(by[o.tags[0]]??=[]).push([m,p,o]);
const esc=s=>String(s).replace(/[&<>]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;'}[c]));
document.getElementById('ops').innerHTML=Object.entries(by).map(([t,list])=>'<h2>'+esc(t)+'</h2>'+list.map(([m,p,o])=>
'<details><summary><span class="m">'+m+'</span><code>'+esc(p)+'</code> '+esc(o.summary)+'<span class="a">'+esc(o['x-pulse-access'])+'</span></summary>'+
(o.description?'<p>'+esc(o.description)+'</p>':'')+(o.parameters.length?'<p>Parameters</p><pre>'+esc(JSON.stringify(o.parameters,null,1))+'</pre>':'')+
(o.requestBody?'<p>Body</p><pre>'+esc(JSON.stringify(o.requestBody.content,null,1))+'</pre>':'')+
'<p>Responses</p><pre>'+esc(JSON.stringify(o.responses,null,1))+'</pre></details>').join('')).join('');});
</script></body></html>`;
