import { describe, expect, test } from "bun:test";
import { NewDevice } from "../../../http/api/bodies/devices";
import { curlExample, errorsOnFields, IDENTITY, mqttExample, shellQuote, toNewDevice, type Credentials } from "./snippets";

const cred: Credentials = {
  provisionToken: "tok_abc'123",
  mqtt: { username: "acme/pump-1", password: "tok_abc'123", topicPrefix: "tenant/acme/device/pump-1/" },
  http: { url: "/ingest/v1/tenant/acme/device/pump-1/telemetry", header: "X-Provision-Token" },
};
const SITE = "plant-1";
/** As lib/form.ts keys them (that module needs a browser): the first message per path. */
const issuesToErrors = (issues: { path: PropertyKey[]; message: string }[]) => {
  const out: Record<string, string> = {};
  for (const i of issues) out[i.path.join(".") || "_"] ??= i.message;
  return out;
};
const TEMPLATE = "0b9a7c1e-4f1d-4c7a-9a49-5b7f0d2c9e11";

describe("device wizard", () => {
  test("the form becomes a body NewDevice accepts: blanks left out, numbers, tags, references", () => {
    const body = toNewDevice({ ...IDENTITY, deviceId: " pump-1 ", displayName: "Pump 1", lat: "52.1", lng: "4.3", tags: "north, cold, north,," }, { templateId: TEMPLATE, siteId: SITE });
    expect(body).toEqual({ deviceId: "pump-1", displayName: "Pump 1", lat: 52.1, lng: 4.3, tags: ["north", "cold"], templateId: TEMPLATE, siteId: SITE });
    expect(NewDevice.safeParse(body).success).toBe(true);
    expect(toNewDevice({ ...IDENTITY, deviceId: "x" }, { templateId: "", siteId: "" })).toEqual({ deviceId: "x" });
  });

  test("bad input gets field errors from the API's own schema", () => {
    const r = NewDevice.safeParse(toNewDevice({ ...IDENTITY, deviceId: "bad id/1", lat: "north", lng: "", macAddress: "zz", tags: "ok,a\u0007b" }, { templateId: "", siteId: "" }));
    expect(r.success).toBe(false);
    const errors = errorsOnFields(issuesToErrors(r.error!.issues));
    expect(Object.keys(errors).sort()).toEqual(["deviceId", "lat", "macAddress", "tags"]);
    expect(errors.deviceId).toContain("expected a device id");
    expect(errors.macAddress).toContain("MAC address");
  });

  test("a missing device id is reported on its field", () => {
    const r = NewDevice.safeParse(toNewDevice(IDENTITY, { templateId: "", siteId: "" }));
    expect(errorsOnFields(issuesToErrors(r.error!.issues))).toHaveProperty("deviceId");
  });

  test("lat without lng is one error on lat", () => {
    const r = NewDevice.safeParse(toNewDevice({ ...IDENTITY, deviceId: "a", lat: "1" }, { templateId: "", siteId: "" }));
    expect(errorsOnFields(issuesToErrors(r.error!.issues))).toEqual({ lat: "lat and lng go together" });
  });

  test("shell quoting survives quotes", () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
    expect(shellQuote("plain")).toBe("'plain'");
  });

  test("connection examples carry the host, port, credentials, topic and header", () => {
    expect(mqttExample(cred, "pulse.example")).toBe(
      [
        "mosquitto_pub -h 'pulse.example' -p 1883 \\",
        "  -u 'acme/pump-1' -P 'tok_abc'\\''123' \\",
        "  -t 'tenant/acme/device/pump-1/telemetry' \\",
        `  -m '{"metrics":{"temperature":21.5}}'`,
      ].join("\n"),
    );
    expect(curlExample(cred, "https://pulse.example")).toBe(
      [
        "curl -X POST 'https://pulse.example/ingest/v1/tenant/acme/device/pump-1/telemetry' \\",
        "  -H 'X-Provision-Token: tok_abc'\\''123' \\",
        "  -H 'content-type: application/json' \\",
        `  -d '{"metrics":{"temperature":21.5}}'`,
      ].join("\n"),
    );
  });
});
