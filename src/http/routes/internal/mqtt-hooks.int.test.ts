import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { issueActivationCode } from "../../../devices/credentials";
import { withTenant } from "../../../platform/db";
import { apiHarness, HOOK_SECRET, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { addDevice } from "../../../testing/fixtures";
import { deviceIdentity, topicAllowed } from "../../../devices/credentials";

describe("device topics", () => {
  const id = { tenantId: "acme", deviceId: "pump-1" };
  test.each([
    ["tenant/acme/device/pump-1/telemetry", true],
    ["tenant/acme/device/pump-1/commands/#", true],
    ["tenant/acme/device/pump-1/", false],
    ["tenant/acme/device/pump-10/telemetry", false],
    ["tenant/acme/device/+/telemetry", false],
    ["tenant/globex/device/pump-1/telemetry", false],
    ["#", false],
    ["$SYS/broker/clients", false],
  ])("%s → %p", (topic, allowed) => expect(topicAllowed(topic, id)).toBe(allowed));

  test("usernames", () => {
    expect(deviceIdentity("acme/pump-1")).toEqual(id);
    expect(deviceIdentity("pulse-bridge")).toBeNull();
    expect(deviceIdentity("acme/pump-1/x")).toBeNull();
    expect(deviceIdentity("ACME/pump")).toBeNull();
  });
});

describePg("MQTT broker hooks and device activation", () => {
  let h: ApiHarness;
  let token: string;
  const hook = (path: string, body: object, secret = HOOK_SECRET) =>
    h.call("POST", `/api/v1/internal/${path}`, { body, headers: { "x-internal-auth": secret } });

  beforeAll(async () => {
    h = await apiHarness();
    token = await addDevice(h.db.sql, { tenant: "acme", device: "pump-1" });
    await addDevice(h.db.sql, { tenant: "acme", device: "old", status: "SUSPENDED", token: "pt_old_device_token" });
    await addDevice(h.db.sql, { tenant: "globex", device: "pump-1", token: "pt_globex_pump_token" });
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  test("a device connects only with its own live token", async () => {
    expect((await hook("mqtt-auth", { username: "acme/pump-1", password: token })).body).toEqual({ result: "allow", is_superuser: false });
    expect((await hook("mqtt-auth", { username: "acme/pump-1", password: "pt_globex_pump_token" })).body.result).toBe("deny");
    expect((await hook("mqtt-auth", { username: "globex/pump-1", password: token })).body.result).toBe("deny");
    expect((await hook("mqtt-auth", { username: "acme/pump-1" })).body.result).toBe("deny");
    expect((await hook("mqtt-auth", { username: "acme/old", password: "pt_old_device_token" })).body.result).toBe("deny");
    expect((await hook("mqtt-auth", { username: "pulse-bridge", password: "whatever" })).body.result).toBe("ignore");
    const [used] = await h.db.sql`select last_used_at from device_credentials where tenant_id = 'acme' and device_id = 'pump-1'`;
    expect(used!.lastUsedAt).toBeInstanceOf(Date);
  });

  test("a device publishes and subscribes only under its own topics", async () => {
    const acl = async (topic: string, username = "acme/pump-1") => (await hook("mqtt-acl", { username, topic, action: "publish" })).body.result;
    expect(await acl("tenant/acme/device/pump-1/telemetry")).toBe("allow");
    expect(await acl("tenant/acme/device/other/telemetry")).toBe("deny");
    expect(await acl("tenant/globex/device/pump-1/telemetry")).toBe("deny");
    expect(await acl("anything", "pulse-bridge")).toBe("ignore");
  });

  test("the hooks need the shared secret", async () => {
    const r = await hook("mqtt-auth", { username: "acme/pump-1", password: token }, "wrong-secret-of-the-same-length-xx");
    expect(r.status).toBe(401);
    expect((await h.call("POST", "/api/v1/internal/mqtt-acl", { body: { topic: "x" } })).status).toBe(401);
  });

  test("activation: a one-time code becomes the device's provision token", async () => {
    await addDevice(h.db.sql, { tenant: "acme", device: "fresh" });
    const { code } = await withTenant(h.db.sql, "acme", (tx) => issueActivationCode(tx, { tenantId: "acme", deviceId: "fresh", createdBy: "test" }));
    const body = { tenantId: "acme", deviceId: "fresh", activationCode: code };
    const wrongDevice = await h.call("POST", "/api/v1/provision/activate", { body: { ...body, deviceId: "pump-1" } });
    expect(wrongDevice.status).toBe(401);
    const r = await h.call("POST", "/api/v1/provision/activate", { body });
    expect(r.status).toBe(201);
    expect(r.body.mqtt).toEqual({ username: "acme/fresh", topicPrefix: "tenant/acme/device/fresh/" });
    expect((await hook("mqtt-auth", { username: "acme/fresh", password: r.body.provisionToken })).body.result).toBe("allow");
    expect((await h.call("POST", "/api/v1/provision/activate", { body })).status).toBe(401);
  });
});
