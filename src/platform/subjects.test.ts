import { expect, test } from "bun:test";
import { decodeBundle, decodeIngress, encodeBundle, encodeIngress, messageId, parseTopic, UPLINK_TOPIC_FILTERS, type IngressMeta } from "./subjects";

test("uplink topics parse; downlink and malformed topics do not", () => {
  expect(parseTopic("tenant/acme/device/gw-1/telemetry")).toEqual({ tenant: "acme", device: "gw-1", type: "telemetry" });
  expect(parseTopic("tenant/acme/device/gw-1/shadow/reported")).toEqual({ tenant: "acme", device: "gw-1", type: "shadow_reported" });
  expect(parseTopic("tenant/acme/device/gw-1/commands/ack")).toEqual({ tenant: "acme", device: "gw-1", type: "commands_ack" });
  for (const t of ["tenant/acme/device/gw-1/commands", "tenant/acme/device/gw-1/shadow/desired", "tenant/acme/device/gw-1/ota", "tenant/ACME/device/gw-1/telemetry", "tenant/acme/dev/gw-1/telemetry", "tenant/acme/device/gw.1/telemetry"]) {
    expect(parseTopic(t)).toBeNull();
  }
  expect(UPLINK_TOPIC_FILTERS).toEqual(["tenant/+/device/+/telemetry", "tenant/+/device/+/heartbeat", "tenant/+/device/+/shadow/reported", "tenant/+/device/+/commands/ack"]);
});

test("an ingress frame carries metadata and the payload byte for byte", () => {
  const meta: IngressMeta = { v: 1, src: "mqtt", tenant: "acme", device: "gw-1", type: "telemetry", at: 1, id: "x", topic: "t\nwith newline" };
  const payload = new Uint8Array([0x00, 0x0a, 0xff, 0x7b]);
  const decoded = decodeIngress(encodeIngress(meta, payload));
  expect(decoded?.meta).toEqual(meta);
  expect([...decoded!.payload]).toEqual([...payload]);
  expect(decodeIngress(new TextEncoder().encode("garbage"))).toBeNull();
  expect(decodeIngress(new TextEncoder().encode('{"v":2}\n{}'))).toBeNull();
});

test("message ids are UUIDs that depend on every part of the message", () => {
  const p = new TextEncoder().encode('{"seq":1}');
  const id = messageId("acme", "gw-1", "telemetry", p);
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(messageId("acme", "gw-1", "telemetry", p)).toBe(id);
  const others = [messageId("acme2", "gw-1", "telemetry", p), messageId("acme", "gw-2", "telemetry", p), messageId("acme", "gw-1", "heartbeat", p),
    messageId("acme", "gw-1", "telemetry", new TextEncoder().encode('{"seq":2}'))];
  expect(new Set([id, ...others]).size).toBe(5);
});

test("a bundle carries several frames and refuses truncation", () => {
  const frames = [new Uint8Array([1, 2, 3]), new Uint8Array([]), new Uint8Array(70_000).fill(7)];
  const bundle = encodeBundle(frames);
  expect(decodeBundle(bundle)?.map((f) => [...f.subarray(0, 3)])).toEqual([[1, 2, 3], [], [7, 7, 7]]);
  expect(decodeBundle(bundle)?.[2]?.length).toBe(70_000);
  expect(decodeBundle(bundle.subarray(0, bundle.length - 1))).toBeNull();
  expect(decodeBundle(new Uint8Array([0, 0]))).toBeNull();
  expect(decodeBundle(new Uint8Array([]))).toBeNull();
});
