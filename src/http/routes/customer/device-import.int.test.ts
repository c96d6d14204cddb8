import { afterAll, beforeAll, expect, test } from "bun:test";
import { deviceCredentialValid } from "../../../devices/credentials";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { TEMP_PROBE } from "../../../testing/fixtures";

const URL = "/api/v1/customer/devices/import";

describePg("device import API", () => {
  let h: ApiHarness;
  let admin: string;
  let globexTemplate: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    admin = await h.token({ tenant: "acme", roles: ["tenant-admin"] });
    const [tpl] = await h.db.sql<{ templateId: string }[]>`select template_id from device_templates where tenant_id = 'globex' and slug = 'probe-x'`;
    globexTemplate = tpl!.templateId;
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const count = async () => (await h.db.sql`select count(*)::int as n from device_registry where tenant_id = 'acme'`)[0]!.n as number;

  test("a file of valid rows registers every device with its sensors, tags and a token", async () => {
    const csv = [
      "device_id,name,siteId,templateId,tags,serialNumber,model",
      `imp-1,"Probe, north",site-1,${TEMP_PROBE},north;cold chain,SN-1,TP-1`,
      `imp-2,"Says ""hi""",,,,,`,
      `imp-3,"two\r\nlines",site-1,,,SN-3,`,
    ].join("\r\n");
    const r = await h.call("POST", URL, { token: admin, raw: csv });
    expect(r.status).toBe(201);
    expect(r.body.created).toBe(3);
    expect(r.body.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual(["imp-1", "imp-2", "imp-3"]);
    for (const d of r.body.devices) expect(await deviceCredentialValid(h.db.sql, { tenantId: "acme", deviceId: d.deviceId, token: d.provisionToken })).toBe(true);

    const one = (await h.call("GET", "/api/v1/customer/devices/imp-1", { token: admin })).body;
    expect(one).toMatchObject({ displayName: "Probe, north", siteId: "site-1", serialNumber: "SN-1", model: "TP-1", tags: ["cold chain", "north"], template: { templateId: TEMP_PROBE } });
    expect((await h.call("GET", "/api/v1/customer/devices/imp-2", { token: admin })).body.displayName).toBe('Says "hi"');
    expect((await h.call("GET", "/api/v1/customer/devices/imp-3", { token: admin })).body.displayName).toBe("two\r\nlines");
    const sensors = await h.db.sql`select device_id, metric_key from device_sensors where tenant_id = 'acme' and device_id like 'imp-%'`;
    expect([...sensors]).toEqual([{ deviceId: "imp-1", metricKey: "temp_c" }]);
    const states = await h.db.sql`select count(*)::int as n from device_state where tenant_id = 'acme' and device_id like 'imp-%' and status = 'OFFLINE'`;
    expect(states[0]!.n).toBe(3);

    const audit = await h.db.sql`select entity_id, details::text from audit_log where tenant_id = 'acme' and action = 'device.imported' order by entity_id`;
    expect(audit.map((a) => a.entityId)).toEqual(["imp-1", "imp-2", "imp-3"]);
    for (const a of audit) expect(a.details).not.toContain("pt_");
  });

  test("one bad row rejects the file; every problem is reported by row and field", async () => {
    const before = await count();
    const csv = [
      "deviceId,displayName,siteId,templateId,tags",
      "ok-1,Fine,site-1,,",
      "bad id,,nowhere,,",
      `ok-2,,,${globexTemplate},a`,
      "ok-1,again,,,",
      "gw-1,exists,,,",
      `ok-3,,,not-a-uuid,"a,b"`,
    ].join("\n");
    const r = await h.call("POST", URL, { token: admin, raw: csv });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([
      { path: "row 3.deviceId", message: expect.stringContaining("device id") },
      { path: "row 4.templateId", message: `template ${globexTemplate} not found` },
      { path: "row 5.deviceId", message: "device ok-1 is also in row 2" },
      { path: "row 6.deviceId", message: "device gw-1 already exists" },
      { path: "row 7.templateId", message: "expected a UUID" },
      { path: "row 7.tags", message: expect.stringContaining("tag") },
    ]);
    expect(r.body.detail).toContain("nothing was imported");
    expect(await count()).toBe(before);

    // A site that does not exist is found in the second pass, once the rows themselves are valid.
    const site = await h.call("POST", URL, { token: admin, raw: "deviceId,siteId\nok-9,nowhere\n" });
    expect(site.body.errors).toEqual([{ path: "row 2.siteId", message: "site nowhere not found" }]);
  });

  test("structure: header, quoting, size and row limits", async () => {
    const first = async (raw: string) => (await h.call("POST", URL, { token: admin, raw })).body.errors[0];
    expect(await first("")).toMatchObject({ path: "row 1", message: expect.stringContaining("empty") });
    expect(await first("id,colour\nx,y\n")).toMatchObject({ path: "row 1", message: expect.stringContaining('unknown column "id"') });
    expect(await first('deviceId\n"open\n')).toEqual({ path: "row 2", message: "a quoted field is not closed" });
    const many = `deviceId\n${Array.from({ length: 501 }, (_, i) => `d-${i}`).join("\n")}\n`;
    expect(await first(many)).toEqual({ path: "row 502", message: "at most 500 devices per import; split the file" });
    const huge = await h.call("POST", URL, { token: admin, raw: `deviceId,notes\n${"x".repeat(1024 * 1024)}` });
    expect(huge.status).toBe(413);
  });

  test("500 devices import in one go", async () => {
    const csv = `deviceId,tags\n${Array.from({ length: 500 }, (_, i) => `bulk-${i},bulk`).join("\n")}\n`;
    const started = performance.now();
    const r = await h.call("POST", URL, { token: admin, raw: csv });
    expect(r.status).toBe(201);
    expect(r.body.created).toBe(500);
    expect(new Set(r.body.devices.map((d: { provisionToken: string }) => d.provisionToken)).size).toBe(500);
    expect(performance.now() - started).toBeLessThan(3000);
    const [tags] = await h.db.sql`select count(*)::int as n from device_tags where tenant_id = 'acme' and tag = 'bulk'`;
    expect(tags!.n).toBe(500);
  });
});
