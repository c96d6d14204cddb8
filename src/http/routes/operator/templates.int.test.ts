import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { LIFELINE_GATEWAY, TEMP_PROBE } from "../../../testing/fixtures";

const BASE = "/api/v1/operator/templates";

describePg("templates API (operator)", () => {
  let h: ApiHarness;
  let admin: string;
  let reader: string;
  let tenantAdmin: string;
  let acmeProbe: string;
  const ADMIN_ID = crypto.randomUUID();

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme"] });
    admin = await h.token({ roles: ["operator-admin"], subject: ADMIN_ID });
    reader = await h.token({ roles: ["operator"] });
    tenantAdmin = await h.token({ tenant: "acme", roles: ["tenant-admin"] });
    const [row] = await h.db.sql<{ templateId: string }[]>`select template_id from device_templates where tenant_id = 'acme' and slug = 'probe-x'`;
    acmeProbe = row!.templateId;
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const auditOf = async (action: string) =>
    (await h.db.sql<{ actorId: string; targetTenantId: string | null; resource: string }[]>`
      select actor_id, target_tenant_id, resource from operator_audit_log where action = ${action} order by audit_id`).map((r) => ({ ...r }));

  test("operators list the system templates, or one tenant's; each look is audited", async () => {
    const sys = await h.call("GET", BASE, { token: reader });
    expect(sys.status).toBe(200);
    expect(sys.body.items.map((t: { slug: string }) => t.slug)).toEqual(["gps-tracker-v1", "humidity-sensor-v1", "lifeline-gateway-v1", "temp-probe-v1"]);
    const acme = await h.call("GET", `${BASE}?tenantId=acme`, { token: reader });
    expect(acme.body.items.map((t: { slug: string }) => t.slug)).toEqual(["gateway-x", "probe-x"]);
    expect((await auditOf("template.list")).map((a) => a.targetTenantId)).toEqual([null, "acme"]);

    expect((await h.call("GET", `${BASE}/${acmeProbe}`, { token: reader })).body).toMatchObject({ slug: "probe-x", source: "tenant" });
    expect((await auditOf("template.read")).map((a) => a.targetTenantId)).toEqual(["acme"]);
  });

  test("an operator-admin changes a system template and its parts; tenants see the change", async () => {
    const put = await h.call("PUT", `${BASE}/${LIFELINE_GATEWAY}`, {
      token: admin,
      body: { slug: "lifeline-gateway-v1", name: "Lifeline Gateway LG-1", category: "gateway", model: "LG-1", transportDefaults: { ingestion_protocol: "mqtt_direct" } },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: "Lifeline Gateway LG-1", source: "system", isLocked: true, counts: { metrics: 6 } });
    expect(await auditOf("template.updated")).toEqual([{ actorId: ADMIN_ID, targetTenantId: null, resource: `PUT ${BASE}/${LIFELINE_GATEWAY}` }]);

    const metric = await h.call("POST", `${BASE}/${LIFELINE_GATEWAY}/metrics`, { token: admin, body: { metricKey: "door_open", displayName: "Door", dataType: "boolean" } });
    expect(metric.status).toBe(201);
    expect(await auditOf("template.metric_added")).toHaveLength(1);

    const seen = await h.call("GET", `/api/v1/customer/templates/${LIFELINE_GATEWAY}`, { token: tenantAdmin });
    expect(seen.body).toMatchObject({ name: "Lifeline Gateway LG-1", counts: { metrics: 7 } });
    // Operator writes are not tenant events: audit_log stays untouched.
    expect((await h.db.sql`select 1 from audit_log where entity_type = 'template'`).length).toBe(0);
  });

  test("an operator-admin creates and deletes system templates; they are locked and every tenant sees them", async () => {
    const created = await h.call("POST", BASE, {
      token: admin,
      body: { slug: "co2-sensor-v1", name: "CO2 sensor", category: "expansion_module", metrics: [{ metricKey: "co2_ppm", displayName: "CO2", dataType: "integer", unit: "ppm" }] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ source: "system", isLocked: true, counts: { metrics: 1 } });
    const id = created.body.templateId;
    const [row] = await h.db.sql`select tenant_id, is_locked from device_templates where template_id = ${id}`;
    expect({ ...row }).toEqual({ tenantId: null, isLocked: true });
    expect((await h.call("GET", `/api/v1/customer/templates/${id}`, { token: tenantAdmin })).status).toBe(200);

    const slot = await h.call("POST", `${BASE}/${LIFELINE_GATEWAY}/slots`, {
      token: admin,
      body: { slotKey: "co2_port", displayName: "CO2 port", slotType: "sensor", interfaceType: "i2c", compatibleModuleTemplateIds: [id, TEMP_PROBE] },
    });
    expect(slot.status).toBe(201);
    // A system slot may not point at a tenant's module.
    const foreign = await h.call("POST", `${BASE}/${LIFELINE_GATEWAY}/slots`, {
      token: admin,
      body: { slotKey: "tenant_port", displayName: "Tenant port", slotType: "sensor", interfaceType: "i2c", compatibleModuleTemplateIds: [acmeProbe] },
    });
    expect(foreign.status).toBe(400);

    expect((await h.call("DELETE", `${BASE}/${LIFELINE_GATEWAY}`, { token: admin })).status).toBe(409);
    expect((await h.call("DELETE", `${BASE}/${id}`, { token: admin })).body).toEqual({ deleted: true });
    // The refused delete rolled back with its audit row: only the one that happened is recorded.
    expect(await auditOf("template.deleted")).toHaveLength(1);
  });

  test("operators do not write tenants' templates; read-only operators and tenants write nothing here", async () => {
    const body = { slug: "probe-x", name: "Hijacked", category: "expansion_module" };
    const tenantTpl = await h.call("PUT", `${BASE}/${acmeProbe}`, { token: admin, body });
    expect(tenantTpl.status).toBe(403);
    expect(tenantTpl.body.detail).toContain("belongs to tenant acme");
    expect((await h.call("PUT", `${BASE}/${LIFELINE_GATEWAY}`, { token: reader, body })).status).toBe(403);
    expect((await h.call("GET", BASE, { token: tenantAdmin })).status).toBe(403);
    expect((await h.call("GET", `${BASE}/${crypto.randomUUID()}`, { token: reader })).status).toBe(404);
  });
});
