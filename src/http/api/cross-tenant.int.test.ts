/**
 * Generated from the route table, so a new route is covered the day it is added: tenant A's
 * admin calling any customer route with tenant B's resource ids gets 404, and nothing of
 * B's changes; lists and searches show none of B's rows.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { asWorker, type Sql } from "../../platform/db";
import { apiHarness, type ApiHarness } from "../../testing/api";
import { describePg } from "../../testing/db";
import { addDevice } from "../../testing/fixtures";
import { isTenantAccess } from "./access";
import { API_ROUTES } from "./routes";

const MARK = "globex";

/** Path parameter → a resource of tenant B that tenant A does not have under that id. */
async function victimParams(sql: Sql): Promise<Record<string, string>> {
  await addDevice(sql, { tenant: MARK, device: `${MARK}-dev`, siteId: `${MARK}-site` });
  return asWorker(sql, async (tx) => {
    await tx`insert into device_tags (tenant_id, device_id, tag) values (${MARK}, ${`${MARK}-dev`}, ${`${MARK}-tag`})`;
    const one = async (q: ReturnType<typeof tx>) => String(Object.values((await q)[0] as object)[0]);
    return {
      deviceId: `${MARK}-dev`,
      siteId: `${MARK}-site`,
      tag: `${MARK}-tag`,
      templateId: await one(tx`select template_id from device_templates where tenant_id = ${MARK} limit 1`),
      metricId: await one(tx`select metric_id from template_metrics where tenant_id = ${MARK} limit 1`),
      commandId: await one(tx`select command_id from template_commands where tenant_id = ${MARK} limit 1`),
      slotId: await one(tx`select slot_id from template_slots where tenant_id = ${MARK} limit 1`),
      groupId: await one(tx`select group_id from device_groups where tenant_id = ${MARK} limit 1`),
      moduleId: await one(tx`select module_id from device_modules where tenant_id = ${MARK} limit 1`),
      sensorId: await one(tx`select sensor_id from device_sensors where tenant_id = ${MARK} limit 1`),
      transportId: await one(tx`select transport_id from device_transports where tenant_id = ${MARK} limit 1`),
      credentialId: await one(tx`select credential_id from device_credentials where tenant_id = ${MARK} limit 1`),
      userId: await one(tx`select user_id from users where tenant_id = ${MARK} limit 1`),
      ruleId: await one(tx`select rule_id from alert_rules where tenant_id = ${MARK} limit 1`),
      alertId: await one(tx`select alert_id from alerts where tenant_id = ${MARK} limit 1`),
      windowId: await one(tx`select window_id from maintenance_windows where tenant_id = ${MARK} limit 1`),
      channelId: await one(tx`select channel_id from notification_channels where tenant_id = ${MARK} limit 1`),
      // Serves notification-routes/:routeId and message-routes/:routeId alike: either is tenant B's.
      routeId: await one(tx`select route_id from notification_routes where tenant_id = ${MARK} limit 1`),
      policyId: await one(tx`select policy_id from escalation_policies where tenant_id = ${MARK} limit 1`),
      scheduleId: await one(tx`select schedule_id from oncall_schedules where tenant_id = ${MARK} limit 1`),
      layerId: await one(tx`select layer_id from oncall_layers where tenant_id = ${MARK} limit 1`),
      overrideId: await one(tx`select override_id from oncall_overrides where tenant_id = ${MARK} limit 1`),
      deadLetterId: await one(tx`select dead_letter_id from dead_letter_messages where tenant_id = ${MARK} limit 1`),
    };
  });
}

/** A digest of every row tenant B owns, table by table. */
async function victimSnapshot(sql: Sql): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }[]>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
      and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
    order by 1`;
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await sql.unsafe(`select count(*) as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${name} t where tenant_id = $1`, [MARK]);
    out[name] = `${row!.n}:${row!.h}`;
  }
  return out;
}

const tenantRoutes = API_ROUTES.filter((r) => isTenantAccess(r.access));

/** An event stream never ends by itself: read up to its first event, then hang up. */
async function firstEvent(h: ApiHarness, path: string, token: string): Promise<{ status: number; text: string }> {
  const res = await h.app.request(path, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200 || !res.body) return { status: res.status, text: await res.text() };
  const reader = res.body.getReader();
  let text = "";
  while (!text.includes("\n\n")) {
    const r = await reader.read();
    if (r.done) break;
    text += new TextDecoder().decode(r.value);
  }
  await reader.cancel();
  return { status: res.status, text };
}

describePg("cross-tenant access through every customer route", () => {
  let h: ApiHarness;
  let token: string;
  let params: Record<string, string>;
  let before: Record<string, string>;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", MARK] });
    params = await victimParams(h.db.sql);
    before = await victimSnapshot(h.db.sql);
    token = await h.token({ tenant: "acme", roles: ["customer", "tenant-admin"] });
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("the route table has customer routes to check", () => {
    expect(tenantRoutes.length).toBeGreaterThan(10);
  });

  for (const def of tenantRoutes) {
    const names = [...def.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    test(`${def.method.toUpperCase()} ${def.path}`, async () => {
      for (const n of names) expect(params[n], `no tenant-B value for path parameter :${n}; add one to victimParams`).toBeDefined();
      const query = def.exampleQuery ? `?${new URLSearchParams(def.exampleQuery)}` : "";
      const path = def.path.replace(/:([A-Za-z0-9_]+)/g, (_m, n: string) => encodeURIComponent(params[n]!)) + query;
      const body = def.bodyFormat === "text" ? { raw: "deviceId,displayName\nacme-new-1,New\n" } : def.example !== undefined ? { body: def.example } : {};
      const r = def.produces === "text/event-stream" ? await firstEvent(h, path, token) : await h.call(def.method.toUpperCase(), path, { token, ...body });
      if (names.length > 0) {
        expect(r.status, `${def.method} ${path} answered ${r.status}: ${r.text.slice(0, 300)}`).toBe(404);
      } else {
        expect(r.status, `${def.method} ${path} answered ${r.status}: ${r.text.slice(0, 300)}`).toBeLessThan(500);
        expect(r.text).not.toContain(MARK);
      }
    });
  }

  test("nothing of tenant B changed", async () => {
    expect(await victimSnapshot(h.db.sql)).toEqual(before);
  });
});
