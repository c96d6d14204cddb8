/**
 * Generated from the route table like the cross-tenant test: every route refuses, with 403 and
 * no change, a caller whose role is not enough — viewers writing, tenant users on operator
 * routes, read-only operators writing, operators on tenant routes.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Role } from "../../identity/schema";
import { apiHarness, type ApiHarness } from "../../testing/api";
import { describePg } from "../../testing/db";
import { ALLOWED, type Access } from "./access";
import { API_ROUTES } from "./routes";
import type { RouteDef } from "./route";

const CALLERS: Array<{ name: string; tenant: string | null; roles: Role[] }> = [
  { name: "viewer", tenant: "acme", roles: ["customer"] },
  { name: "tenant admin", tenant: "acme", roles: ["customer", "tenant-admin"] },
  { name: "operator", tenant: null, roles: ["operator"] },
  { name: "operator admin", tenant: null, roles: ["operator-admin"] },
];

/** Operators hold no tenant, so tenant routes refuse them however senior. */
const mayCall = (access: Access, c: (typeof CALLERS)[number]) =>
  ALLOWED[access]!.some((r) => c.roles.includes(r)) && (!access.startsWith("tenant-") || c.tenant !== null);

const guarded = API_ROUTES.filter((r) => r.access !== "public" && r.access !== "internal");
const pathOf = (def: RouteDef) =>
  def.path.replace(/:([A-Za-z0-9_]+)/g, (_m, n: string) => (n.endsWith("Id") && n !== "deviceId" && n !== "siteId" && n !== "tenantId" ? crypto.randomUUID() : "x-1"));

describePg("role checks through every route", () => {
  let h: ApiHarness;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme"] });
    for (const c of CALLERS) tokens.set(c.name, await h.token({ tenant: c.tenant, roles: c.roles }));
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("every guarded route is covered", () => expect(guarded.length).toBeGreaterThan(100));

  for (const c of CALLERS) {
    const refused = guarded.filter((def) => !mayCall(def.access, c));
    test(`${c.name}: 403 on the ${refused.length} routes beyond its role`, async () => {
      const before = await h.db.sql`select (select count(*) from audit_log)::int as a, (select count(*) from operator_audit_log)::int as o`;
      for (const def of refused) {
        const body = def.bodyFormat === "text" ? { raw: "deviceId\nx\n" } : def.example !== undefined ? { body: def.example } : {};
        const r = await h.call(def.method.toUpperCase(), pathOf(def), { token: tokens.get(c.name), ...body });
        expect(r.status, `${c.name} ${def.method} ${def.path}: ${r.text.slice(0, 200)}`).toBe(403);
      }
      expect(await h.db.sql`select (select count(*) from audit_log)::int as a, (select count(*) from operator_audit_log)::int as o`).toEqual(before);
    });
  }
});
