/**
 * One MQTT message from the broker, as a bus frame. Identity comes from the topic only; the
 * payload travels untouched. A message whose topic does not parse still becomes a frame, marked
 * for quarantine, so nothing the broker accepted is dropped.
 */
import type { StreamKey } from "../../platform/bus/bus";
import { encodeIngress, INVALID_TENANT, MESSAGE_TYPES, messageId, parseTopic, type IngressMeta } from "../../platform/subjects";
import { QUARANTINE_PAYLOAD_LIMIT } from "../../telemetry/queries";

export interface Outbound {
  stream: StreamKey;
  tenant: string;
  frame: Uint8Array;
  rejected: boolean;
}

/**
 * Built once per MQTT message: a retry sends the very same frame, receive time included.
 * A payload over `maxPayloadBytes` travels as its first bytes only, already marked for
 * quarantine (a bus message has a size limit of its own). `authenticated`: the broker checked
 * the device's token at connect, so the payload need not carry it.
 */
export function toFrame(topic: string, payload: Uint8Array, at: number, maxPayloadBytes: number, authenticated = false): Outbound {
  const parsed = parseTopic(topic);
  const tenant = parsed?.tenant ?? INVALID_TENANT;
  const device = parsed?.device ?? "";
  const type = parsed?.type ?? "telemetry";
  const meta: IngressMeta = { v: 1, src: "mqtt", tenant, device, type, at, id: messageId(tenant, device, parsed ? type : topic, payload), topic };
  let body = payload;
  if (authenticated) meta.authenticated = true;
  if (!parsed) meta.reject = "BAD_TOPIC_FORMAT";
  else if (payload.length > maxPayloadBytes) {
    meta.reject = "PAYLOAD_TOO_LARGE";
    meta.size = payload.length;
    body = payload.subarray(0, QUARANTINE_PAYLOAD_LIMIT);
  }
  return { stream: MESSAGE_TYPES[type].stream, tenant, frame: encodeIngress(meta, body), rejected: meta.reject !== undefined };
}
