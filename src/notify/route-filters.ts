/**
 * Message routes pick device messages by an MQTT-style topic filter and a payload filter.
 * Ingest runs the compiled forms for every stored message, so compile once per route.
 */
import { z } from "zod";
import { parseTopic } from "../platform/subjects";

const TOPIC_CHARS = /^[A-Za-z0-9_:/+#-]*$/;
const MAX_TOPIC = 256;

/** Null when `f` is a valid topic filter, else the reason. Empty levels are allowed, as in MQTT. */
export function validTopicFilter(f: string): string | null {
  if (f.length === 0) return "the topic filter is empty";
  if (f.length > MAX_TOPIC) return `the topic filter is ${f.length} characters, at most ${MAX_TOPIC}`;
  if (!TOPIC_CHARS.test(f)) {
    const bad = [...f].find((ch) => !TOPIC_CHARS.test(ch));
    return `${JSON.stringify(bad)} is not allowed: use A-Z a-z 0-9 _ : - and / + #`;
  }
  const levels = f.split("/");
  for (const [i, level] of levels.entries()) {
    if (level.includes("#") && level !== "#") return "'#' must be a whole level";
    if (level === "#" && i !== levels.length - 1) return "'#' must be the last level";
    if (level.includes("+") && level !== "+") return "'+' must be a whole level";
  }
  return null;
}

/**
 * "+" matches one whole level (possibly empty), a trailing "#" the rest including zero levels
 * ("a/#" matches "a"). An invalid filter matches nothing rather than throwing on the hot path.
 */
export function compileTopicFilter(filter: string): (topic: string) => boolean {
  if (validTopicFilter(filter) !== null) return () => false;
  if (!filter.includes("+") && !filter.includes("#")) return (topic) => topic === filter;
  const levels = filter.split("/");
  const rest = levels.at(-1) === "#" ? levels.pop() : undefined;
  // Valid filters hold no regex metacharacters besides the wildcards replaced here.
  let source = levels.map((l) => (l === "+" ? "[^/]*" : l)).join("/");
  if (rest !== undefined) source = levels.length === 0 ? ".*" : `${source}(?:/.*)?`;
  const re = new RegExp(`^${source}$`, "s");
  // MQTT: a filter starting with a wildcard never matches "$"-topics such as $SYS.
  const wildFirst = filter.startsWith("+") || filter.startsWith("#");
  return (topic) => !(wildFirst && topic.startsWith("$")) && re.test(topic);
}

export const topicMatches = (filter: string, topic: string): boolean => compileTopicFilter(filter)(topic);

const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const OPERATORS = ["$gt", "$gte", "$lt", "$lte", "$eq", "$ne"];

const Operators = z
  .object({ $gt: z.number(), $gte: z.number(), $lt: z.number(), $lte: z.number(), $eq: Scalar, $ne: Scalar })
  .partial()
  .strict()
  .refine((o) => Object.keys(o).length > 0, { message: `give at least one of ${OPERATORS.join(" ")}` });

export const PayloadFilter = z
  .record(z.string().min(1).max(128), z.union([Scalar, Operators]))
  .refine((r) => Object.keys(r).length <= 20, { message: "a payload filter has at most 20 keys" });
export type PayloadFilter = z.infer<typeof PayloadFilter>;

type Values = Readonly<Record<string, unknown>>;
type Test = (v: unknown) => boolean;

/** A number, or a string that reads as one ("21.5"); anything else is not comparable. */
function asNumber(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v !== "string" || v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The filter value's type decides: a string compares as text ("20" matches 20, "20.0" does
 * not), a number numerically (20 matches 20.0 and "20.0"), a boolean only the same boolean.
 */
function equalsTest(expected: unknown): Test {
  if (typeof expected === "number") return (v) => asNumber(v) === expected;
  if (typeof expected === "string") return (v) => (typeof v === "object" ? false : String(v) === expected);
  return (v) => v === expected;
}

function operatorTest(op: string, operand: unknown): Test {
  if (op === "$eq") return equalsTest(operand);
  if (op === "$ne") {
    const eq = equalsTest(operand);
    return (v) => !eq(v);
  }
  if (typeof operand !== "number") return () => false;
  const cmp: Record<string, (a: number) => boolean> = {
    $gt: (a) => a > operand,
    $gte: (a) => a >= operand,
    $lt: (a) => a < operand,
    $lte: (a) => a <= operand,
  };
  const f = cmp[op];
  if (!f) return () => false;
  return (v) => {
    const n = asNumber(v);
    return n !== undefined && f(n);
  };
}

function valueTest(expected: unknown): Test {
  if (expected === null || typeof expected !== "object" || Array.isArray(expected)) return equalsTest(expected);
  const tests = Object.entries(expected).map(([op, operand]) => operatorTest(op, operand));
  if (tests.length === 0) return () => false;
  return (v) => tests.every((t) => t(v));
}

/** Own properties only: a key such as "constructor" must not reach Object.prototype. */
function lookup(key: string, metrics: Values, root: Values | undefined): unknown {
  if (Object.hasOwn(metrics, key)) return metrics[key];
  if (root && Object.hasOwn(root, key)) return root[key];
  return undefined;
}

/** Compiled once per route; a filter straight from the database that zod would refuse matches nothing. */
export function compilePayloadFilter(filter: PayloadFilter): (metrics: Values, root?: Values) => boolean {
  const keys = Object.entries(filter).map(([key, expected]) => ({ key, test: valueTest(expected) }));
  return (metrics, root) =>
    keys.every(({ key, test }) => {
      const v = lookup(key, metrics, root);
      return v !== undefined && v !== null && test(v);
    });
}

/**
 * AND of every key: the key is looked up in `metrics` first, then in `root` (msgType, device,
 * site…); a missing key never matches, not even `$ne`. An empty filter matches everything.
 */
export const payloadMatches = (filter: PayloadFilter, metrics: Values, root?: Values): boolean =>
  compilePayloadFilter(filter)(metrics, root);

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** "{tenant}" and "{device}" placeholders in a republish topic; one pass, so values are not re-expanded. */
export const renderTopic = (template: string, v: { tenant: string; device: string }): string =>
  template.replace(PLACEHOLDER, (whole, name: string) => (name === "tenant" ? v.tenant : name === "device" ? v.device : whole));

function republishTopicProblem(topic: string): string | null {
  if (/[+#]/.test(topic)) return "the republish topic cannot contain '+' or '#'";
  for (const [, name] of topic.matchAll(PLACEHOLDER)) {
    if (name !== "tenant" && name !== "device") return `unknown placeholder {${name}}: use {tenant} or {device}`;
  }
  // A tenant republishes into its own namespace only, and never onto a topic devices send on:
  // the bridge would ingest it again (and a route matching it would loop).
  if (!topic.startsWith("tenant/{tenant}/")) return "the republish topic must start with tenant/{tenant}/";
  if (parseTopic(renderTopic(topic, { tenant: "t", device: "d" }))) return "the republish topic cannot be a topic devices send telemetry, heartbeats, shadow reports or command acknowledgements on";
  return null;
}

export const MqttRepublishConfig = z
  .object({
    topic: z
      .string()
      .min(1)
      .max(MAX_TOPIC)
      .superRefine((t, ctx) => {
        const problem = republishTopicProblem(t);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    qos: z.union([z.literal(0), z.literal(1)]).default(1),
    retain: z.boolean().default(false),
  })
  .strict();
export type MqttRepublishConfig = z.infer<typeof MqttRepublishConfig>;
