/**
 * A channel's config as form fields and back. The API masks secrets ("***") in every answer and
 * keeps the stored ones when a PATCH leaves them out or sends the mask back; so on edit a secret
 * field starts empty, an empty one is left out (kept), and only an explicit "remove" sends null.
 * Webhook message-route destinations use the same webhook fields.
 */
import { splitList, type ChannelType } from "./types";

export const MASK = "***";

export interface ConfigForm {
  url: string;
  method: "POST" | "PUT";
  /** One "Name: value" a line; a stored header shows as "Name: ***" and keeps its value. */
  headers: string;
  secret: string;
  removeSecret: boolean;
  webhookUrl: string;
  routingKey: string;
  eventsUrl: string;
  smtpHost: string;
  smtpPort: string;
  secure: boolean;
  requireTls: boolean;
  username: string;
  password: string;
  removePassword: boolean;
  from: string;
  to: string;
  cc: string;
}

/** What the masked config says is stored, for the form's hints. */
export interface Stored {
  secret: boolean;
  password: boolean;
  /** "https://hooks.slack.com/***" or "***abcd". */
  masked: string | null;
}

export const emptyConfigForm = (): ConfigForm => ({
  url: "",
  method: "POST",
  headers: "",
  secret: "",
  removeSecret: false,
  webhookUrl: "",
  routingKey: "",
  eventsUrl: "",
  smtpHost: "",
  smtpPort: "587",
  secure: false,
  requireTls: true,
  username: "",
  password: "",
  removePassword: false,
  from: "",
  to: "",
  cc: "",
});

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Rec) : {});
const str = (v: unknown) => (typeof v === "string" ? v : "");
const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export const headersToText = (h: unknown) =>
  Object.entries(rec(h))
    .map(([k, v]) => `${k}: ${str(v)}`)
    .join("\n");

/** "Name: value" lines; a line without a colon is a header with an empty value (the API names it). */
export function textToHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf(":");
    if (at < 0) out[line.trim()] = "";
    else out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/** The form for a stored (masked) config of `type`; secrets start empty. */
export function configToForm(type: ChannelType, config: unknown): { form: ConfigForm; stored: Stored } {
  const c = rec(config);
  const f = emptyConfigForm();
  const stored: Stored = { secret: false, password: false, masked: null };
  if (type === "webhook") {
    Object.assign(f, { url: str(c.url), method: c.method === "PUT" ? "PUT" : "POST", headers: headersToText(c.headers) });
    stored.secret = c.secret !== undefined;
  } else if (type === "slack" || type === "teams") {
    stored.masked = str(c.webhookUrl) || null;
  } else if (type === "pagerduty") {
    stored.masked = str(c.routingKey) || null;
    f.eventsUrl = str(c.eventsUrl);
  } else {
    const s = rec(c.smtp);
    Object.assign(f, {
      smtpHost: str(s.host),
      smtpPort: s.port === undefined ? "587" : String(s.port),
      secure: s.secure === true,
      requireTls: s.requireTls !== false,
      username: str(s.username),
      from: str(s.from),
      to: strs(c.to).join(", "),
      cc: strs(c.cc).join(", "),
    });
    stored.password = s.password !== undefined;
  }
  return { form: f, stored };
}

/** A secret field: a typed value, null to remove a stored one, or left out to keep it. */
const secretValue = (typed: string, remove: boolean, keep: boolean) => (typed ? typed : keep && remove ? null : undefined);
const port = (s: string) => (/^\s*\d+\s*$/.test(s) ? Number(s) : s.trim() === "" ? undefined : s);

function webhookConfig(f: ConfigForm, keep: boolean): Rec {
  return { url: f.url.trim(), method: f.method, headers: textToHeaders(f.headers), secret: secretValue(f.secret, f.removeSecret, keep) };
}

/**
 * The config to send. `keep`: editing a stored config of the same type, so empty secrets are
 * left out (the API keeps them). Undefined keys are dropped by JSON.
 */
export function formToConfig(type: ChannelType, f: ConfigForm, keep: boolean): Rec {
  switch (type) {
    case "webhook":
      return webhookConfig(f, keep);
    case "slack":
    case "teams":
      return { webhookUrl: keep && !f.webhookUrl.trim() ? undefined : f.webhookUrl.trim() };
    case "pagerduty":
      return { routingKey: keep && !f.routingKey.trim() ? undefined : f.routingKey.trim(), eventsUrl: f.eventsUrl.trim() || undefined };
    case "email": {
      const smtp = {
        host: f.smtpHost.trim(),
        port: port(f.smtpPort),
        secure: f.secure,
        requireTls: f.requireTls,
        username: f.username.trim() || undefined,
        password: secretValue(f.password, f.removePassword, keep),
        from: f.from.trim(),
      };
      const cc = splitList(f.cc);
      return { smtp, to: splitList(f.to), cc: cc.length ? cc : undefined };
    }
  }
}

/** Drops undefined keys (what JSON.stringify would do), so tests and previews see the real body. */
export function compact<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
