/**
 * Channel secrets never leave the API: reads get a masked copy, and an update that sends the
 * masked value back (or leaves a secret out) keeps the stored one. A secret that is sent
 * verbatim to the destination (a header value, the PagerDuty routing key, the SMTP password)
 * is kept only while the destination stays the same; otherwise an admin could point the
 * channel at their own server and receive a secret they were never shown.
 */
import { PulseError } from "../../platform/errors";
import type { ChannelType } from "./config";

export const MASK = "***";
const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

function maskUrl(url: string): string {
  return URL.canParse(url) ? `${new URL(url).origin}/${MASK}` : MASK;
}

const originOf = (url: unknown) => (typeof url === "string" && URL.canParse(url) ? new URL(url).origin : undefined);

/** What the API returns: secrets replaced by "***" (the PagerDuty key keeps its last 4 characters). */
export function maskChannelConfig(type: ChannelType, config: unknown): Record<string, unknown> {
  const c: Rec = isRecord(config) ? structuredClone(config) : {};
  if (type === "webhook") {
    if (c.secret !== undefined) c.secret = MASK;
    if (isRecord(c.headers)) c.headers = Object.fromEntries(Object.keys(c.headers).map((k) => [k, MASK]));
  } else if (type === "slack" || type === "teams") {
    if (typeof c.webhookUrl === "string") c.webhookUrl = maskUrl(c.webhookUrl);
  } else if (type === "pagerduty") {
    if (typeof c.routingKey === "string") c.routingKey = `${MASK}${c.routingKey.slice(-4)}`;
  } else if (type === "email" && isRecord(c.smtp) && c.smtp.password !== undefined) {
    c.smtp = { ...c.smtp, password: MASK };
  }
  return c;
}

const badSecret = (field: string, message: string) =>
  new PulseError("BAD_REQUEST", `config.${field}: ${message}`, { errors: [{ path: `config.${field}`, message }] });

interface Keep {
  /** Where the field is, for errors: `headers.Authorization`. */
  field: string;
  isMasked: (v: unknown) => boolean;
  /** Set when the destination changed (what changed): the stored secret must not follow. */
  moved?: string | null;
}

/** Restores `key` from `stored` when the update omits it or sends it back masked; null removes it. */
function keep(next: Rec, stored: Rec, key: string, k: Keep): void {
  const value = next[key];
  if (value === null) {
    delete next[key];
    return;
  }
  if (value !== undefined && !k.isMasked(value)) return;
  if (stored[key] === undefined) {
    if (value !== undefined) throw badSecret(k.field, "there is no stored value to keep: send the real value");
    return;
  }
  if (k.moved) throw badSecret(k.field, `${k.moved} changed, so enter this secret again`);
  next[key] = structuredClone(stored[key]);
}

const isMask = (v: unknown) => v === MASK;
const never = () => false;

function mergeWebhook(next: Rec, stored: Rec): Rec {
  const moved = originOf(next.url) !== originOf(stored.url) ? "the URL's host" : null;
  keep(next, stored, "secret", { field: "secret", isMasked: isMask });
  if (next.headers === undefined && isRecord(stored.headers) && Object.keys(stored.headers).length > 0) {
    keep(next, stored, "headers", { field: "headers", isMasked: never, moved });
  } else if (isRecord(next.headers)) {
    const headers: Rec = { ...next.headers };
    const old = isRecord(stored.headers) ? stored.headers : {};
    for (const name of Object.keys(headers)) keep(headers, old, name, { field: `headers.${name}`, isMasked: isMask, moved });
    next.headers = headers;
  }
  return next;
}

function mergePagerDuty(next: Rec, stored: Rec): Rec {
  const target = (c: Rec) => originOf(c.eventsUrl ?? PAGERDUTY_EVENTS_URL);
  const moved = target(next) !== target(stored) ? "eventsUrl" : null;
  keep(next, stored, "routingKey", { field: "routingKey", isMasked: (v) => typeof v === "string" && v.startsWith(MASK), moved });
  return next;
}

function mergeEmail(next: Rec, stored: Rec): Rec {
  if (next.smtp === undefined) {
    keep(next, stored, "smtp", { field: "smtp", isMasked: never });
    return next;
  }
  if (!isRecord(next.smtp)) return next;
  const [a, b] = [next.smtp, isRecord(stored.smtp) ? stored.smtp : {}];
  const sameServer = str(a.host)?.toLowerCase() === str(b.host)?.toLowerCase() && (a.port ?? 587) === (b.port ?? 587);
  const smtp: Rec = { ...a };
  keep(smtp, b, "password", { field: "smtp.password", isMasked: isMask, moved: sameServer ? null : "the SMTP server" });
  next.smtp = smtp;
  return next;
}

/**
 * The update with stored secrets put back where it sent "***" or left them out (null removes
 * an optional secret). Validate the result with parseChannelConfig.
 */
export function mergeChannelConfig(type: ChannelType, stored: unknown, update: unknown): unknown {
  if (!isRecord(update)) return update;
  const next: Rec = structuredClone(update);
  const old: Rec = isRecord(stored) ? stored : {};
  switch (type) {
    case "webhook":
      return mergeWebhook(next, old);
    case "slack":
    case "teams":
      keep(next, old, "webhookUrl", { field: "webhookUrl", isMasked: (v) => v === MASK || (typeof old.webhookUrl === "string" && v === maskUrl(old.webhookUrl)) });
      return next;
    case "pagerduty":
      return mergePagerDuty(next, old);
    case "email":
      return mergeEmail(next, old);
    default:
      return next;
  }
}
