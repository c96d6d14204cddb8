/**
 * Turning form text into the values the API schemas check, and back: optional numbers, blank
 * texts, JSON objects and metric key maps typed as text. Pure, so the pages' forms and their
 * tests share it.
 */

/** "" → null; anything else a number (NaN when it is not one, which the schema rejects). */
export const numOrNull = (s: string): number | null => (s.trim() === "" ? null : Number(s.trim()));
/** "" → undefined, for optional numbers with no null. */
export const numOrUndefined = (s: string): number | undefined => (s.trim() === "" ? undefined : Number(s.trim()));
/** Blank → null (a cleared optional text). */
export const textOrNull = (s: string): string | null => (s.trim() === "" ? null : s);
/** A number shown in a text field ("" for none). */
export const numText = (n: number | null | undefined): string => (n === null || n === undefined ? "" : String(n));

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A JSON object typed into a text area; blank is the empty object. */
export function parseJsonObject(text: string): Parsed<Record<string, unknown>> {
  if (text.trim() === "") return { ok: true, value: {} };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not valid JSON: ${(e as Error).message}` };
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return { ok: false, error: 'expected a JSON object, such as {"key": "value"}' };
  return { ok: true, value: v as Record<string, unknown> };
}

export const jsonText = (o: Record<string, unknown> | null | undefined): string => (o && Object.keys(o).length ? JSON.stringify(o, null, 2) : "");

/** A module's metric key map, one `raw = stored` pair per line (blank lines ignored). */
export function parseKeyMap(text: string): Parsed<Record<string, string>> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const eq = line.indexOf("=");
    const raw = eq < 0 ? "" : line.slice(0, eq).trim();
    const stored = eq < 0 ? "" : line.slice(eq + 1).trim();
    if (!raw || !stored) return { ok: false, error: `line ${i + 1}: expected raw_key = stored_key` };
    if (raw in out) return { ok: false, error: `line ${i + 1}: ${raw} is mapped twice` };
    out[raw] = stored;
  }
  return { ok: true, value: out };
}

export const keyMapText = (m: Record<string, string>): string =>
  Object.entries(m)
    .map(([k, v]) => `${k} = ${v}`)
    .join("\n");

/** Comma-separated values (enum values of a metric); blank → null. */
export function listOrNull(text: string): string[] | null {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : null;
}

export interface CredentialTimes {
  kind: "provision_token" | "activation_code";
  revokedAt: string | null;
  usedAt: string | null;
  expiresAt: string | null;
}

/** How a credential stands: revoked, used (activation codes), expired or active. */
export function credentialStatus(c: CredentialTimes, now = Date.now()): "REVOKED" | "USED" | "EXPIRED" | "ACTIVE" {
  if (c.revokedAt) return "REVOKED";
  if (c.kind === "activation_code" && c.usedAt) return "USED";
  if (c.expiresAt && Date.parse(c.expiresAt) <= now) return "EXPIRED";
  return "ACTIVE";
}
