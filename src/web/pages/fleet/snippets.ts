/**
 * The device wizard's pure parts: its form values turned into a NewDevice body (what the zod
 * schema then checks), and the connection examples shown with the new device's credential.
 */

export interface Credentials {
  provisionToken: string;
  mqtt: { username: string; password: string; topicPrefix: string };
  http: { url: string; header: string };
}

export const IDENTITY = {
  deviceId: "",
  displayName: "",
  serialNumber: "",
  model: "",
  manufacturer: "",
  deviceType: "",
  macAddress: "",
  imei: "",
  lat: "",
  lng: "",
  address: "",
  tags: "",
};
export type Identity = typeof IDENTITY;

/** A number when the text is one; otherwise the text, so the schema names the problem. */
const numberish = (v: string): number | string | undefined => {
  const t = v.trim();
  if (t === "") return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
};

/** The body to validate: blanks left out, coordinates as numbers, tags split on commas. */
export function toNewDevice(v: Identity, refs: { templateId: string; siteId: string }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v) as [keyof Identity, string][]) {
    if (k === "lat" || k === "lng" || k === "tags" || x.trim() === "") continue;
    out[k] = x.trim();
  }
  const lat = numberish(v.lat);
  const lng = numberish(v.lng);
  if (lat !== undefined) out.lat = lat;
  if (lng !== undefined) out.lng = lng;
  const tags = v.tags.split(",").map((t) => t.trim()).filter(Boolean);
  if (tags.length) out.tags = [...new Set(tags)];
  if (refs.templateId) out.templateId = refs.templateId;
  if (refs.siteId) out.siteId = refs.siteId;
  return out;
}

/** Field errors as the form shows them: `tags.2` lands on the tags field. */
export function errorsOnFields(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(errors)) out[path.split(".")[0]!] ??= message;
  return out;
}

/** POSIX shell single quotes: safe for any text. */
export const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

const SAMPLE = JSON.stringify({ metrics: { temperature: 21.5 } });

export function mqttExample(c: Credentials, host: string, port = 1883): string {
  return [
    `mosquitto_pub -h ${shellQuote(host)} -p ${port} \\`,
    `  -u ${shellQuote(c.mqtt.username)} -P ${shellQuote(c.mqtt.password)} \\`,
    `  -t ${shellQuote(`${c.mqtt.topicPrefix}telemetry`)} \\`,
    `  -m ${shellQuote(SAMPLE)}`,
  ].join("\n");
}

export function curlExample(c: Credentials, origin: string): string {
  return [
    `curl -X POST ${shellQuote(origin + c.http.url)} \\`,
    `  -H ${shellQuote(`${c.http.header}: ${c.provisionToken}`)} \\`,
    `  -H 'content-type: application/json' \\`,
    `  -d ${shellQuote(SAMPLE)}`,
  ].join("\n");
}
