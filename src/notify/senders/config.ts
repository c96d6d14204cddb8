/** Channel types and the settings each one stores in notification_channels.config. */
import { isIP } from "node:net";
import { z } from "zod";
import { PulseError } from "../../platform/errors";

export const CHANNEL_TYPES = ["webhook", "slack", "teams", "pagerduty", "email"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

const httpUrl = z
  .url({ protocol: /^https?$/, error: "expected an http(s) URL" })
  .max(2048)
  .refine((u) => URL.canParse(u) && !new URL(u).username && !new URL(u).password, {
    error: "credentials do not belong in the URL: send them as a header",
  });

/** Set by Pulse on every webhook request; a channel may not replace them. */
const RESERVED_HEADERS = new Set([
  "host", "content-length", "content-type", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer",
  "expect", "proxy-connection", "idempotency-key", "x-pulse-event", "x-pulse-timestamp", "x-pulse-signature",
]);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const headerValue = z.string().max(4096).regex(/^[^\r\n\0]*$/, { error: "header values may not contain line breaks" });

/** Checked here rather than as the record's key schema, so the message names the header. */
const WebhookHeaders = z
  .record(z.string(), headerValue)
  .default({})
  .superRefine((h, ctx) => {
    if (Object.keys(h).length > 20) ctx.addIssue({ code: "custom", message: "at most 20 headers" });
    for (const name of Object.keys(h)) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: "custom", path: [name], message: "expected a header name (letters, digits, -)" });
      else if (RESERVED_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: "custom", path: [name], message: "Pulse sets this header itself" });
    }
  });

const email = z.email({ error: "expected an e-mail address" }).max(320);
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i;
const smtpHost = z.string().refine((h) => HOST_NAME.test(h) || isIP(h) !== 0, { error: "expected a host name or IP address" });

const Smtp = z
  .strictObject({
    host: smtpHost,
    port: z.int().min(1).max(65535).default(587),
    /** Implicit TLS (port 465). */
    secure: z.boolean().default(false),
    /** STARTTLS required when not `secure`: never send credentials or alerts in the clear. */
    requireTls: z.boolean().default(true),
    username: z.string().min(1).max(256).optional(),
    password: z.string().min(1).max(1024).optional(),
    from: email,
  })
  .refine((s) => s.password === undefined || s.username !== undefined, { error: "a password needs a username", path: ["username"] });

export const ChannelConfigs = {
  webhook: z.strictObject({
    url: httpUrl,
    method: z.enum(["POST", "PUT"]).default("POST"),
    headers: WebhookHeaders,
    /** HMAC key for X-Pulse-Signature. */
    secret: z.string().min(16).max(256).optional(),
  }),
  slack: z.strictObject({ webhookUrl: httpUrl }),
  teams: z.strictObject({ webhookUrl: httpUrl }),
  pagerduty: z.strictObject({
    routingKey: z.string().min(20).max(64),
    eventsUrl: httpUrl.default("https://events.pagerduty.com/v2/enqueue"),
  }),
  email: z.strictObject({
    smtp: Smtp,
    to: z.array(email).min(1).max(50),
    cc: z.array(email).max(50).optional(),
  }),
} as const;

export type ChannelConfigOf<T extends ChannelType> = z.infer<(typeof ChannelConfigs)[T]>;
export type ChannelConfig = { [T in ChannelType]: ChannelConfigOf<T> }[ChannelType];

export const isChannelType = (type: string): type is ChannelType => (CHANNEL_TYPES as readonly string[]).includes(type);

/** Validates a channel's settings (defaults applied); BAD_REQUEST names the first bad field. */
export function parseChannelConfig<T extends ChannelType>(type: T, raw: unknown): ChannelConfigOf<T>;
export function parseChannelConfig(type: ChannelType, raw: unknown): ChannelConfig {
  if (!isChannelType(type)) {
    throw new PulseError("BAD_REQUEST", `unknown channel type ${JSON.stringify(type)}: expected one of ${CHANNEL_TYPES.join(", ")}`, {
      errors: [{ path: "channelType", message: "unknown channel type" }],
    });
  }
  const r = ChannelConfigs[type].safeParse(raw);
  if (r.success) return r.data;
  const errors = r.error.issues.map((i) => ({ path: ["config", ...i.path.map(String)].join("."), message: i.message }));
  const first = errors[0]!;
  throw new PulseError("BAD_REQUEST", `invalid ${type} channel config: ${first.path}: ${first.message}`, { errors });
}
