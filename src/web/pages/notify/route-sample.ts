/**
 * A sample message for testing a message route: a topic its filter matches and metrics its
 * payload filter accepts, so "Test" starts from a match and the user edits from there. Also the
 * JSON text fields of the route forms.
 */

/** "+" becomes "sample", a trailing "#" becomes "telemetry". */
export const sampleTopic = (filter: string): string =>
  filter
    .split("/")
    .map((l) => (l === "+" ? "sample" : l === "#" ? "telemetry" : l))
    .join("/");

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/** A value passing one filter entry: a scalar itself, else one meeting every operator. */
function sampleValue(expected: unknown): unknown {
  if (!isRec(expected)) return expected;
  if ("$eq" in expected) return expected.$eq;
  const lo = Math.max(...["$gt", "$gte"].filter((k) => typeof expected[k] === "number").map((k) => (expected[k] as number) + (k === "$gt" ? 1 : 0)));
  const hi = Math.min(...["$lt", "$lte"].filter((k) => typeof expected[k] === "number").map((k) => (expected[k] as number) - (k === "$lt" ? 1 : 0)));
  let v = Number.isFinite(lo) ? lo : Number.isFinite(hi) ? hi : 0;
  if ("$ne" in expected && expected.$ne === v) v = typeof v === "number" ? v + 1 : v;
  return v;
}

export function samplePayload(filter: Rec): { metrics: Rec } {
  return { metrics: Object.fromEntries(Object.entries(filter).map(([k, e]) => [k, sampleValue(e)])) };
}

/** JSON typed in a form: the object, or the reason it is not one. */
export function parseJsonObject(text: string): { value: Rec } | { error: string } {
  if (!text.trim()) return { value: {} };
  try {
    const v: unknown = JSON.parse(text);
    return isRec(v) ? { value: v } : { error: "expected a JSON object: { … }" };
  } catch (err) {
    return { error: `not valid JSON: ${(err as Error).message}` };
  }
}
