import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { LIFELINE_GATEWAY, TEMP_PROBE } from "../../../testing/fixtures";

const BASE = "/api/v1/customer/templates";
const GPS_TRACKER = "00000000-0000-4000-8000-000000000104";

describePg("templates API (customer)", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;
  let own: { probe: string; gateway: string };
  let globexProbe: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    ({ admin, viewer } = await h.tokens("acme"));
    const ids = await h.db.sql<{ tenantId: string; slug: string; templateId: string }[]>`
      select tenant_id, slug, template_id from device_templates where tenant_id is not null`;
    const id = (tenant: string, slug: string) => ids.find((r) => r.tenantId === tenant && r.slug === slug)!.templateId;
    own = { probe: id("acme", "probe-x"), gateway: id("acme", "gateway-x") };
    globexProbe = id("globex", "probe-x");
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const auditActions = async () =>
    (await h.db.sql<{ action: string }[]>`select action from audit_log where tenant_id = 'acme' and entity_type = 'template' order by audit_id`).map((r) => r.action);

  test("the list shows the system templates and the tenant's own, never another tenant's", async () => {
    const all = await h.call("GET", `${BASE}?limit=100`, { token: viewer });
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(6);
    const ids = all.body.items.map((t: { templateId: string }) => t.templateId);
    expect(ids).toEqual(expect.arrayContaining([LIFELINE_GATEWAY, TEMP_PROBE, own.probe, own.gateway]));
    expect(ids).not.toContain(globexProbe);
    const lifeline = all.body.items.find((t: { templateId: string }) => t.templateId === LIFELINE_GATEWAY);
    expect(lifeline).toMatchObject({ slug: "lifeline-gateway-v1", source: "system", isLocked: true, category: "gateway", counts: { metrics: 6, commands: 3, slots: 4 } });
    expect(lifeline.transportDefaults).toEqual({ ingestion_protocol: "mqtt_direct", physical_connectivity: "cellular" });

    const tenantOnly = await h.call("GET", `${BASE}?source=tenant`, { token: viewer });
    expect(tenantOnly.body.items.map((t: { slug: string }) => t.slug)).toEqual(["gateway-x", "probe-x"]);
    const gateways = await h.call("GET", `${BASE}?category=gateway&limit=1`, { token: viewer });
    expect(gateways.body).toMatchObject({ total: 2, limit: 1, items: [{ slug: "lifeline-gateway-v1" }] });
    expect((await h.call("GET", `${BASE}?search=humid`, { token: viewer })).body.items.map((t: { slug: string }) => t.slug)).toEqual(["humidity-sensor-v1"]);
    expect((await h.call("GET", `${BASE}?source=mine`, { token: viewer })).body.errors[0].path).toBe("query.source");
  });

  test("a template comes with its metrics, commands and slots; another tenant's is 404", async () => {
    const r = await h.call("GET", `${BASE}/${LIFELINE_GATEWAY}`, { token: viewer });
    expect(r.status).toBe(200);
    expect(r.body.metrics.map((m: { metricKey: string }) => m.metricKey)).toEqual(["battery_pct", "supply_voltage_v", "board_temp_c", "rssi_dbm", "uptime_s", "power_source"]);
    expect(r.body.metrics[5]).toMatchObject({ dataType: "enum", enumValues: ["mains", "battery", "solar"] });
    expect(r.body.commands.map((c: { commandKey: string }) => c.commandKey)).toEqual(["reboot", "set_interval", "factory_reset"]);
    const fsk = r.body.slots.find((s: { slotKey: string }) => s.slotKey === "fsk_radio");
    expect(fsk).toMatchObject({ interfaceType: "fsk", maxDevices: 4 });
    expect(fsk.compatibleModuleTemplateIds).toHaveLength(3);

    expect((await h.call("GET", `${BASE}/${globexProbe}`, { token: viewer })).status).toBe(404);
    expect((await h.call("GET", `${BASE}/not-a-uuid`, { token: viewer })).body.errors[0].path).toBe("path.templateId");
  });

  test("create a template with its parts in one go; bad parts roll everything back", async () => {
    const body = {
      slug: "cold-room",
      name: "Cold room",
      category: "controller",
      metrics: [{ metricKey: "door", displayName: "Door", dataType: "enum", enumValues: ["open", "closed"] }],
      commands: [{ commandKey: "defrost", displayName: "Defrost" }],
      slots: [{ slotKey: "probe_port", displayName: "Probe port", slotType: "sensor", interfaceType: "analog", compatibleModuleTemplateIds: [TEMP_PROBE, own.probe] }],
    };
    const created = await h.call("POST", BASE, { token: admin, body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: "cold-room", source: "tenant", isLocked: false, counts: { metrics: 1, commands: 1, slots: 1 } });
    expect(created.body.commands[0]).toMatchObject({ parametersSchema: {}, responseSchema: {}, sortOrder: 0 });
    expect(created.body.slots[0].compatibleModuleTemplateIds.sort()).toEqual([TEMP_PROBE, own.probe].sort());

    const foreign = await h.call("POST", BASE, { token: admin, body: { ...body, slug: "cold-room-2", slots: [{ ...body.slots[0], compatibleModuleTemplateIds: [TEMP_PROBE, globexProbe] }] } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors).toEqual([{ path: "body.slots.0.compatibleModuleTemplateIds.1", message: expect.stringContaining(globexProbe) }]);
    expect((await h.db.sql`select 1 from device_templates where slug = 'cold-room-2'`).length).toBe(0);

    const bad = await h.call("POST", BASE, {
      token: admin,
      body: { slug: "Bad Slug", name: "x", category: "fridge", metrics: [{ metricKey: "a", displayName: "A", dataType: "enum" }, { metricKey: "a", displayName: "A", dataType: "float", minValue: 2, maxValue: 1 }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["body.slug", "body.category", "body.metrics.0.enumValues", "body.metrics.1.minValue", "body.metrics.1.metricKey"]),
    );
    expect((await h.call("POST", BASE, { token: admin, body: { slug: "cold-room", name: "again", category: "gateway" } })).status).toBe(409);
    expect(await auditActions()).toContain("template.created");
  });

  test("system templates are read-only (403, clone them); another tenant's are 404; own ones change", async () => {
    const replacement = { slug: "gateway-x", name: "Gateway X2", category: "gateway", manufacturer: "Acme" };
    const sys = await h.call("PUT", `${BASE}/${LIFELINE_GATEWAY}`, { token: admin, body: replacement });
    expect(sys.status).toBe(403);
    expect(sys.body.detail).toBe("system templates are read-only; clone it");
    expect((await h.call("POST", `${BASE}/${LIFELINE_GATEWAY}/metrics`, { token: admin, body: { metricKey: "x", displayName: "X", dataType: "float" } })).status).toBe(403);
    expect((await h.call("DELETE", `${BASE}/${LIFELINE_GATEWAY}`, { token: admin })).status).toBe(403);
    expect((await h.call("PUT", `${BASE}/${globexProbe}`, { token: admin, body: replacement })).status).toBe(404);
    expect((await h.call("DELETE", `${BASE}/${globexProbe}`, { token: admin })).status).toBe(404);

    const ok = await h.call("PUT", `${BASE}/${own.gateway}`, { token: admin, body: replacement });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: "Gateway X2", manufacturer: "Acme", description: null, counts: { commands: 1, slots: 1 } });
    const [sysRow] = await h.db.sql`select name from device_templates where template_id = ${LIFELINE_GATEWAY}`;
    expect(sysRow!.name).toBe("Lifeline Gateway");
  });

  test("clone a system template into an own, editable one", async () => {
    const clone = await h.call("POST", `${BASE}/${LIFELINE_GATEWAY}/clone`, { token: admin, body: { slug: "our-lifeline" } });
    expect(clone.status).toBe(201);
    expect(clone.body).toMatchObject({ slug: "our-lifeline", name: "Lifeline Gateway", source: "tenant", isLocked: false, counts: { metrics: 6, commands: 3, slots: 4 } });
    expect(clone.body.slots.find((s: { slotKey: string }) => s.slotKey === "fsk_radio").compatibleModuleTemplateIds).toContain(GPS_TRACKER);
    const id = clone.body.templateId;

    const renamed = await h.call("PUT", `${BASE}/${id}`, { token: admin, body: { slug: "our-lifeline", name: "Our Lifeline", category: "gateway" } });
    expect(renamed.status).toBe(200);
    const metric = await h.call("POST", `${BASE}/${id}/metrics`, { token: admin, body: { metricKey: "door_open", displayName: "Door", dataType: "boolean" } });
    expect(metric.status).toBe(201);
    const [parts] = await h.db.sql`select (select count(*)::int from template_metrics where template_id = ${id}) as own_metrics,
                                          (select count(*)::int from template_metrics where template_id = ${LIFELINE_GATEWAY}) as system_metrics`;
    expect(parts).toEqual({ ownMetrics: 7, systemMetrics: 6 });

    expect((await h.call("POST", `${BASE}/${globexProbe}/clone`, { token: admin, body: { slug: "stolen" } })).status).toBe(404);
    expect((await h.call("POST", `${BASE}/${own.probe}/clone`, { token: admin, body: { slug: "probe-y", name: "Probe Y" } })).body).toMatchObject({ name: "Probe Y", counts: { metrics: 1 } });
    expect(await auditActions()).toEqual(expect.arrayContaining(["template.cloned", "template.updated", "template.metric_added"]));
  });

  test("metrics, commands and slots: add, replace, remove, each audited", async () => {
    const t = (await h.call("POST", BASE, { token: admin, body: { slug: "parts-demo", name: "Parts", category: "gateway" } })).body.templateId;
    const m = await h.call("POST", `${BASE}/${t}/metrics`, { token: admin, body: { metricKey: "temp_c", displayName: "Temp", dataType: "float", unit: "°C" } });
    expect(m.status).toBe(201);
    const metricId = m.body.metricId;
    const m2 = await h.call("PUT", `${BASE}/${t}/metrics/${metricId}`, { token: admin, body: { metricKey: "temp_c", displayName: "Temperature", dataType: "float", minValue: -40, maxValue: 85 } });
    expect(m2.body).toMatchObject({ metricId, displayName: "Temperature", unit: null, minValue: -40, maxValue: 85 });
    expect((await h.call("POST", `${BASE}/${t}/metrics`, { token: admin, body: { metricKey: "temp_c", displayName: "Dup", dataType: "float" } })).status).toBe(409);

    const c = await h.call("POST", `${BASE}/${t}/commands`, { token: admin, body: { commandKey: "reboot", displayName: "Reboot" } });
    expect(c.status).toBe(201);
    const c2 = await h.call("PUT", `${BASE}/${t}/commands/${c.body.commandId}`, { token: admin, body: { commandKey: "restart", displayName: "Restart", parametersSchema: { type: "object" } } });
    expect(c2.body).toMatchObject({ commandKey: "restart", parametersSchema: { type: "object" } });

    const s = await h.call("POST", `${BASE}/${t}/slots`, { token: admin, body: { slotKey: "bus", displayName: "Bus", slotType: "expansion", interfaceType: "rs485", maxDevices: 4, compatibleModuleTemplateIds: [TEMP_PROBE] } });
    expect(s.status).toBe(201);
    const slotId = s.body.slotId;
    const kept = await h.call("PUT", `${BASE}/${t}/slots/${slotId}`, { token: admin, body: { slotKey: "bus", displayName: "RS-485", slotType: "expansion", interfaceType: "rs485" } });
    expect(kept.body).toMatchObject({ displayName: "RS-485", maxDevices: 1, compatibleModuleTemplateIds: [TEMP_PROBE] });
    const changed = await h.call("PUT", `${BASE}/${t}/slots/${slotId}`, { token: admin, body: { ...kept.body, slotId: undefined, compatibleModuleTemplateIds: [GPS_TRACKER] } });
    expect(changed.body.compatibleModuleTemplateIds).toEqual([GPS_TRACKER]);
    const gw = await h.call("PUT", `${BASE}/${t}/slots/${slotId}`, { token: admin, body: { slotKey: "bus", displayName: "Bus", slotType: "expansion", interfaceType: "rs485", compatibleModuleTemplateIds: [LIFELINE_GATEWAY] } });
    expect(gw.status).toBe(400);
    expect(gw.body.errors[0].path).toBe("body.compatibleModuleTemplateIds.0");

    // A part of another template is not this template's.
    const otherMetric = (await h.call("GET", `${BASE}/${LIFELINE_GATEWAY}`, { token: admin })).body.metrics[0].metricId;
    expect((await h.call("DELETE", `${BASE}/${t}/metrics/${otherMetric}`, { token: admin })).status).toBe(404);

    expect((await h.call("DELETE", `${BASE}/${t}/metrics/${metricId}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("DELETE", `${BASE}/${t}/commands/${c.body.commandId}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("DELETE", `${BASE}/${t}/slots/${slotId}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("DELETE", `${BASE}/${t}/slots/${slotId}`, { token: admin })).status).toBe(404);
    expect((await h.call("GET", `${BASE}/${t}`, { token: admin })).body.counts).toEqual({ metrics: 0, commands: 0, slots: 0 });

    const rows = await h.db.sql<{ action: string; details: Record<string, unknown> }[]>`
      select action, details from audit_log where tenant_id = 'acme' and entity_id = ${t} order by audit_id`;
    expect(rows.map((r) => r.action)).toEqual([
      "template.created",
      "template.metric_added",
      "template.metric_updated",
      "template.command_added",
      "template.command_updated",
      "template.slot_added",
      "template.slot_updated",
      "template.slot_updated",
      "template.metric_removed",
      "template.command_removed",
      "template.slot_removed",
    ]);
    expect(rows[1]!.details).toEqual({ metricId, metricKey: "temp_c" });
  });

  test("a template in use cannot be deleted; an unused own one can", async () => {
    const inUse = await h.call("DELETE", `${BASE}/${own.probe}`, { token: admin });
    expect(inUse.status).toBe(409);
    expect(inUse.body.detail).toContain("used by devices");
    const t = (await h.call("POST", BASE, { token: admin, body: { slug: "short-lived", name: "Short", category: "edge_device" } })).body.templateId;
    expect((await h.call("DELETE", `${BASE}/${t}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("GET", `${BASE}/${t}`, { token: admin })).status).toBe(404);
    expect(await auditActions()).toContain("template.deleted");
  });

  test("a viewer reads but cannot write", async () => {
    expect((await h.call("GET", `${BASE}/${own.probe}`, { token: viewer })).status).toBe(200);
    const r = await h.call("POST", `${BASE}/${LIFELINE_GATEWAY}/clone`, { token: viewer, body: { slug: "viewer-copy" } });
    expect(r.status).toBe(403);
    expect((await h.call("POST", `${BASE}/${own.probe}/metrics`, { token: viewer, body: { metricKey: "x", displayName: "X", dataType: "float" } })).status).toBe(403);
  });
});
