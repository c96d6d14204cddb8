/**
 * The message contract between the edges (bridge, HTTP ingest) and `pulse ingest`.
 * A message on TELEMETRY, SHADOW or COMMANDS is one device message: a JSON line of metadata,
 * a newline, then the device's payload byte for byte (nothing re-encoded, nothing lost, so a
 * rejected payload is quarantined exactly as it arrived).
 */
import { createHash } from "node:crypto";
import { DEVICE_ID, TENANT_ID } from "./ids";
import type { StreamKey } from "./bus/bus";

/** Device message kinds and the MQTT topic suffix each arrives on. */
export const MESSAGE_TYPES = {
  telemetry: { suffix: "telemetry", stream: "TELEMETRY" },
  heartbeat: { suffix: "heartbeat", stream: "TELEMETRY" },
  shadow_reported: { suffix: "shadow/reported", stream: "SHADOW" },
  commands_ack: { suffix: "commands/ack", stream: "COMMANDS" },
} as const satisfies Record<string, { suffix: string; stream: StreamKey }>;
export type MessageType = keyof typeof MESSAGE_TYPES;

/** The uplink topic filters the bridge subscribes to; downlink topics are never read back. */
export const UPLINK_TOPIC_FILTERS = Object.values(MESSAGE_TYPES).map((t) => `tenant/+/device/+/${t.suffix}`);

/** Subject token for messages whose topic named no valid tenant: they go to quarantine. */
export const INVALID_TENANT = "_invalid";

export interface IngressMeta {
  v: 1;
  src: "mqtt" | "http";
  tenant: string;
  device: string;
  type: MessageType;
  /** Receive time at the edge, epoch ms: the row's time when the device sent no `ts`. */
  at: number;
  /** Message id (UUID): the row's idempotency key, also the bus's Nats-Msg-Id. */
  id: string;
  /** The original MQTT topic. */
  topic?: string;
  /** The edge already verified the device credential and applied rate limits (HTTP). */
  checked?: true;
  /** The broker verified the device credential at connect (the embedded broker); rate limits still apply. */
  authenticated?: true;
  /** Rejected at the edge already (a topic that does not parse, a payload over the limit): quarantine with this reason. */
  reject?: string;
  /** Original payload length when only its head travels (an oversized payload). */
  size?: number;
}

const NL = 0x0a;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeIngress(meta: IngressMeta, payload: Uint8Array): Uint8Array {
  const head = encoder.encode(JSON.stringify(meta));
  const out = new Uint8Array(head.length + 1 + payload.length);
  out.set(head, 0);
  out[head.length] = NL;
  out.set(payload, head.length + 1);
  return out;
}

export function decodeIngress(data: Uint8Array): { meta: IngressMeta; payload: Uint8Array } | null {
  const nl = data.indexOf(NL);
  if (nl < 0) return null;
  try {
    const meta = JSON.parse(decoder.decode(data.subarray(0, nl))) as IngressMeta;
    if (meta?.v !== 1 || typeof meta.tenant !== "string" || typeof meta.id !== "string") return null;
    return { meta, payload: data.subarray(nl + 1) };
  } catch {
    return null;
  }
}

/**
 * A message id from the message itself: the same message handed over twice (a device or bridge
 * retry, a redelivery) has the same id. With the row time (the device's `ts`, else the receive
 * time) it is the database's idempotency key, so a message carrying `ts` is stored once however
 * often it arrives, while identical payloads without `ts` sent at different times stay distinct.
 */
export function messageId(tenant: string, device: string, type: string, payload: Uint8Array): string {
  const h = createHash("sha256").update(`${tenant}\0${device}\0${type}\0`).update(payload).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // UUID version 8 (custom), variant 10
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * Device messages travel in bundles: one bus message holds one or more ingress frames, each
 * preceded by its length (u32, big-endian). Bundling divides the bus's per-message cost (the
 * PubAck round trip, the consumer's ack) by the bundle size.
 */
export function encodeBundle(frames: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const f of frames) {
    view.setUint32(at, f.length);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return out;
}

export function decodeBundle(data: Uint8Array): Uint8Array[] | null {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const frames: Uint8Array[] = [];
  for (let at = 0; at < data.length; ) {
    if (at + 4 > data.length) return null;
    const len = view.getUint32(at);
    if (at + 4 + len > data.length) return null;
    frames.push(data.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return frames.length > 0 ? frames : null;
}

/** Parses `tenant/{tenant}/device/{device}/{suffix}`; null when it is not an uplink topic. */
export function parseTopic(topic: string): { tenant: string; device: string; type: MessageType } | null {
  const parts = topic.split("/");
  if (parts.length < 5 || parts[0] !== "tenant" || parts[2] !== "device") return null;
  const suffix = parts.slice(4).join("/");
  const type = (Object.keys(MESSAGE_TYPES) as MessageType[]).find((k) => MESSAGE_TYPES[k].suffix === suffix);
  if (!type || !TENANT_ID.test(parts[1]!) || !DEVICE_ID.test(parts[3]!)) return null;
  return { tenant: parts[1]!, device: parts[3]!, type };
}

/** Alert transitions that notify (NOTIFY stream); ESCALATED carries the escalation level reached. */
export type NotifyTransition = "OPEN" | "ACKNOWLEDGED" | "CLOSED" | "ESCALATED";

/**
 * A NOTIFY job: one alert transition to route and deliver (`pulse deliver`). Written to
 * `bus_outbox` in the transaction that made the transition, published after commit with the
 * message id `alert-event-{eventId}`. A replay names the one delivery to send again.
 */
export interface NotifyJob {
  v: 1;
  tenant: string;
  alertId: number;
  eventId: number;
  transition: NotifyTransition;
  level: number;
  replayDeliveryId?: number;
}

/** A ROUTES job: one stored device message that matched one message route. */
export interface RouteJob {
  v: 1;
  tenant: string;
  routeId: string;
  device: string;
  /** The MQTT topic the message came in on (or its HTTP equivalent). */
  topic: string;
  msgType: string;
  /** The device message's id. With routeId it makes the job's message id. */
  msgId: string;
  receivedAt: number;
  /** The stored row: time and metrics. */
  time: number;
  metrics: Record<string, unknown>;
}

/** Telemetry the evaluator looks at (EVALUATE stream): what one ingest batch stored for a tenant. */
export interface EvaluateJob {
  v: 1;
  tenant: string;
  /** [device, time ms, msgType, metrics] per stored row. */
  rows: Array<[string, number, string, Record<string, unknown>]>;
}
