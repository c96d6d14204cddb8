import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { addDevice, TEMP_PROBE } from "../../../testing/fixtures";

const GW = "/api/v1/customer/devices/gw-1";
const HUMIDITY = "00000000-0000-4000-8000-000000000103";
const GPS_TRACKER = "00000000-0000-4000-8000-000000000104";

describePg("device modules, sensors and transports API", () => {
  let h: ApiHarness;
  let admin: string;
  let viewer: string;
  let globex: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    await addDevice(h.db.sql, { tenant: "acme", device: "acme-only" });
    ({ admin, viewer } = await h.tokens("acme"));
    globex = await h.token({ tenant: "globex", roles: ["tenant-admin"] });
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const auditActions = async (entityType: string) =>
    (await h.db.sql<{ action: string }[]>`select action from audit_log where tenant_id = 'acme' and entity_type = ${entityType} order by audit_id`).map((r) => r.action);

  test("a module goes only into a slot of the device's template that accepts it and has room", async () => {
    const wrongSlot = await h.call("POST", `${GW}/modules`, { token: admin, body: { slotKey: "usb_1", moduleTemplateId: TEMP_PROBE } });
    expect(wrongSlot.status).toBe(400);
    expect(wrongSlot.body.errors[0]).toEqual({ path: "body.slotKey", message: expect.stringContaining("analog_1, analog_2, onewire_bus, fsk_radio") });

    const incompatible = await h.call("POST", `${GW}/modules`, { token: admin, body: { slotKey: "analog_2", moduleTemplateId: GPS_TRACKER } });
    expect(incompatible.status).toBe(400);
    expect(incompatible.body.errors[0].path).toBe("body.moduleTemplateId");
    expect((await h.call("POST", `${GW}/modules`, { token: admin, body: { slotKey: "analog_2" } })).status).toBe(400);

    // The seed already put a temperature probe into analog_1, which holds one.
    const full = await h.call("POST", `${GW}/modules`, { token: admin, body: { slotKey: "analog_1", moduleTemplateId: HUMIDITY, busAddress: "b" } });
    expect(full.status).toBe(409);
    expect(full.body.detail).toContain("full");

    const ok = await h.call("POST", `${GW}/modules`, { token: admin, body: { slotKey: "analog_2", moduleTemplateId: HUMIDITY, label: "Hall", metricKeyMap: { h1: "humidity_pct" } } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ deviceId: "gw-1", slotKey: "analog_2", moduleTemplateId: HUMIDITY, label: "Hall", status: "active", removedAt: null, metricKeyMap: { h1: "humidity_pct" } });

    // A bus takes several modules, each at its own address.
    const a = await h.call("POST", `${GW}/modules`, { token: admin, body: { slotKey: "onewire_bus", moduleTemplateId: TEMP_PROBE, busAddress: "28-01" } });
    expect(a.status).toBe(201);
    const same = await h.call("POST", `${GW}/modules`, { token: admin, body: { slotKey: "onewire_bus", moduleTemplateId: TEMP_PROBE, busAddress: "28-01" } });
    expect(same.status).toBe(409);
    expect(same.body.detail).toContain("bus address 28-01");

    const probe = await h.call("POST", "/api/v1/customer/devices/probe-1/modules", { token: admin, body: { slotKey: "port_a" } });
    expect(probe.status).toBe(400);
    expect(probe.body.detail).toContain("no slot port_a");

    const bad = await h.call("POST", `${GW}/modules`, { token: admin, body: { slotKey: "Analog 1", metricKeyMap: { t1: 5 } } });
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(["body.slotKey", "body.metricKeyMap.t1"]);
  });

  test("change a module, then remove it: it stays as history and frees its slot", async () => {
    const list = await h.call("GET", `${GW}/modules`, { token: viewer });
    const seeded = list.body.items.find((m: { slotKey: string }) => m.slotKey === "analog_1");
    expect(seeded).toMatchObject({ moduleTemplateId: TEMP_PROBE, metricKeyMap: { t1: "temp_c" } });

    const put = await h.call("PUT", `${GW}/modules/${seeded.moduleId}`, { token: admin, body: { label: "Fridge", serialNumber: "TP-9", status: "inactive", metricKeyMap: { t1: "fridge_temp_c" } } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ label: "Fridge", serialNumber: "TP-9", status: "inactive", metricKeyMap: { t1: "fridge_temp_c" } });

    const removed = await h.call("DELETE", `${GW}/modules/${seeded.moduleId}`, { token: admin });
    expect(removed.status).toBe(200);
    expect(removed.body.status).toBe("removed");
    expect(removed.body.removedAt).toEqual(expect.any(String));
    expect((await h.call("DELETE", `${GW}/modules/${seeded.moduleId}`, { token: admin })).status).toBe(409);
    expect((await h.call("PUT", `${GW}/modules/${seeded.moduleId}`, { token: admin, body: { label: "again" } })).status).toBe(409);

    const active = await h.call("GET", `${GW}/modules`, { token: viewer });
    expect(active.body.items.map((m: { moduleId: string }) => m.moduleId)).not.toContain(seeded.moduleId);
    const history = await h.call("GET", `${GW}/modules?status=removed`, { token: viewer });
    expect(history.body).toMatchObject({ total: 1, items: [{ moduleId: seeded.moduleId }] });
    expect((await h.call("GET", `${GW}/modules/${seeded.moduleId}`, { token: viewer })).body.status).toBe("removed");

    expect((await h.call("POST", `${GW}/modules`, { token: admin, body: { slotKey: "analog_1", moduleTemplateId: HUMIDITY } })).status).toBe(201);
    expect(await auditActions("module")).toEqual(["module.installed", "module.installed", "module.updated", "module.removed", "module.installed"]);
  });

  test("sensors: added within the device's limit, changed, listed across the tenant, deleted", async () => {
    await h.db.sql`update device_registry set sensor_limit = 3 where tenant_id = 'acme' and device_id = 'gw-1'`;
    const [battery] = await h.db.sql<{ metricId: string }[]>`
      select metric_id from template_metrics where template_id = '00000000-0000-4000-8000-000000000101' and metric_key = 'battery_pct'`;
    const [foreign] = await h.db.sql<{ metricId: string }[]>`select metric_id from template_metrics where tenant_id = 'globex'`;

    const wrongMetric = await h.call("POST", `${GW}/sensors`, { token: admin, body: { metricKey: "x", templateMetricId: foreign!.metricId } });
    expect(wrongMetric.status).toBe(400);
    expect(wrongMetric.body.errors[0].path).toBe("body.templateMetricId");
    expect((await h.call("POST", `${GW}/sensors`, { token: admin, body: { metricKey: "x", moduleId: crypto.randomUUID() } })).body.errors[0].path).toBe("body.moduleId");

    const bat = await h.call("POST", `${GW}/sensors`, { token: admin, body: { metricKey: "battery_pct", templateMetricId: battery!.metricId, source: "required", unit: "%" } });
    expect(bat.status).toBe(201);
    expect(bat.body).toMatchObject({ deviceId: "gw-1", metricKey: "battery_pct", templateMetricId: battery!.metricId, source: "required", status: "active", unit: "%" });
    expect((await h.call("POST", `${GW}/sensors`, { token: admin, body: { metricKey: "battery_pct" } })).status).toBe(409);

    const door = await h.call("POST", `${GW}/sensors`, { token: admin, body: { metricKey: "door_open", displayName: "Door" } });
    expect(door.status).toBe(201);
    expect(door.body.source).toBe("optional");
    const over = await h.call("POST", `${GW}/sensors`, { token: admin, body: { metricKey: "one_too_many" } });
    expect(over.status).toBe(409);
    expect(over.body.detail).toContain("limit");

    const put = await h.call("PUT", `${GW}/sensors/${door.body.sensorId}`, { token: admin, body: { displayName: "Back door", status: "disabled", minRange: 0, maxRange: 1 } });
    expect(put.body).toMatchObject({ displayName: "Back door", status: "disabled", minRange: 0, maxRange: 1 });
    expect((await h.call("PUT", `${GW}/sensors/${door.body.sensorId}`, { token: admin, body: { minRange: 5, maxRange: 1 } })).body.errors[0].path).toBe("body.minRange");

    const perDevice = await h.call("GET", `${GW}/sensors`, { token: viewer });
    expect(perDevice.body.items.map((s: { metricKey: string }) => s.metricKey)).toEqual(["battery_pct", "door_open", "temp_c"]);
    const wide = await h.call("GET", "/api/v1/customer/sensors?source=required,optional&status=active&limit=1", { token: viewer });
    expect(wide.body).toMatchObject({ total: 2, limit: 1, items: [{ metricKey: "battery_pct" }] });
    expect((await h.call("GET", "/api/v1/customer/sensors?metricKey=door_open", { token: viewer })).body.items).toHaveLength(1);
    expect((await h.call("GET", "/api/v1/customer/sensors?deviceId=probe-1", { token: viewer })).body.total).toBe(0);

    expect((await h.call("DELETE", `${GW}/sensors/${door.body.sensorId}`, { token: admin })).body).toEqual({ deleted: true });
    expect((await h.call("POST", `${GW}/sensors`, { token: admin, body: { metricKey: "one_more" } })).status).toBe(201);
    expect(await auditActions("sensor")).toEqual(["sensor.created", "sensor.created", "sensor.updated", "sensor.deleted", "sensor.created"]);
  });

  test("one primary transport per device: making one primary demotes the other", async () => {
    const primaries = async () =>
      (await h.db.sql<{ ingestionProtocol: string }[]>`
        select ingestion_protocol from device_transports where tenant_id = 'acme' and device_id = 'gw-1' and is_primary`).map((r) => r.ingestionProtocol);
    expect(await primaries()).toEqual(["mqtt_direct"]);

    const http = await h.call("POST", `${GW}/transports`, { token: admin, body: { ingestionProtocol: "http_api", physicalConnectivity: "wifi", isPrimary: true, protocolConfig: { path: "/ingest" } } });
    expect(http.status).toBe(201);
    expect(http.body).toMatchObject({ isPrimary: true, protocolConfig: { path: "/ingest" }, connectivityConfig: {}, status: "active" });
    expect(await primaries()).toEqual(["http_api"]);

    const list = await h.call("GET", `${GW}/transports`, { token: viewer });
    const mqtt = list.body.items.find((t: { ingestionProtocol: string }) => t.ingestionProtocol === "mqtt_direct");
    expect(list.body.items[0].ingestionProtocol).toBe("http_api");
    const back = await h.call("PUT", `${GW}/transports/${mqtt.transportId}`, { token: admin, body: { isPrimary: true, physicalConnectivity: "cellular" } });
    expect(back.body).toMatchObject({ isPrimary: true, physicalConnectivity: "cellular" });
    expect(await primaries()).toEqual(["mqtt_direct"]);

    expect((await h.call("POST", `${GW}/transports`, { token: admin, body: { ingestionProtocol: "http_api" } })).status).toBe(409);
    expect((await h.call("DELETE", `${GW}/transports/${http.body.transportId}`, { token: admin })).body).toEqual({ deleted: true });
    expect(await auditActions("transport")).toEqual(["transport.created", "transport.updated", "transport.deleted"]);
  });

  test("another tenant's device and parts are 404; a viewer cannot write", async () => {
    const mine = await h.call("GET", `${GW}/modules`, { token: admin });
    const moduleId = mine.body.items[0].moduleId;
    const sensorId = (await h.call("GET", `${GW}/sensors`, { token: admin })).body.items[0].sensorId;
    const transportId = (await h.call("GET", `${GW}/transports`, { token: admin })).body.items[0].transportId;

    // globex has its own gw-1, but not acme's parts, and no acme-only at all.
    expect((await h.call("GET", `${GW}/modules/${moduleId}`, { token: globex })).status).toBe(404);
    expect((await h.call("PUT", `${GW}/modules/${moduleId}`, { token: globex, body: { label: "x" } })).status).toBe(404);
    expect((await h.call("DELETE", `${GW}/modules/${moduleId}`, { token: globex })).status).toBe(404);
    expect((await h.call("PUT", `${GW}/sensors/${sensorId}`, { token: globex, body: { unit: "x" } })).status).toBe(404);
    expect((await h.call("DELETE", `${GW}/transports/${transportId}`, { token: globex })).status).toBe(404);
    for (const part of ["modules", "sensors", "transports"]) {
      expect((await h.call("GET", `/api/v1/customer/devices/acme-only/${part}`, { token: globex })).status).toBe(404);
    }
    expect((await h.call("POST", "/api/v1/customer/devices/acme-only/sensors", { token: globex, body: { metricKey: "x" } })).status).toBe(404);
    expect((await h.call("GET", "/api/v1/customer/sensors?deviceId=gw-1", { token: globex })).body.items.map((s: { sensorId: string }) => s.sensorId)).not.toContain(sensorId);

    const viewerWrite = await h.call("POST", `${GW}/transports`, { token: viewer, body: { ingestionProtocol: "lorawan" } });
    expect(viewerWrite.status).toBe(403);
    expect((await h.call("DELETE", `${GW}/modules/${moduleId}`, { token: viewer })).status).toBe(403);
  });
});
