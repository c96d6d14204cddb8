/**
 * The broker configuration (appliance/emqx/emqx.conf, acl.conf) against Pulse's side of the
 * contract: the hook routes and their body schemas, the header Pulse checks, the topics the
 * bridge subscribes to and the topics message routes republish to. Both files are read with
 * small readers of the subset of HOCON and Erlang terms they use; the readers are strict, so
 * syntax they do not know fails the test instead of passing unread.
 */
import { describe, expect, test } from "bun:test";
import { authenticate } from "../../src/http/api/access";
import { mqttHookRoutes } from "../../src/http/routes/internal/mqtt-hooks";
import { MqttRepublishConfig, renderTopic } from "../../src/notify/route-filters";
import { SETTINGS } from "../../src/platform/config";
import { MESSAGE_TYPES, UPLINK_TOPIC_FILTERS, parseTopic } from "../../src/platform/subjects";

// ---------------------------------------------------------------- a HOCON subset (EMQX's)

type HVar = { $var: string; optional: boolean };
type HValue = string | number | boolean | null | HVar | HValue[] | HObject;
interface HObject {
  [key: string]: HValue;
}
/** `include` directives of an object, in order. */
const INCLUDES = "@include";

type Tok =
  | { t: "punct"; v: string }
  | { t: "nl" }
  | { t: "str"; v: string }
  | { t: "word"; v: string }
  | { t: "var"; v: string; optional: boolean }
  | { t: "include" }
  | { t: "required"; v: string };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const unquote = (body: string) => JSON.parse(`"${body}"`) as string;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\n") {
      out.push({ t: "nl" });
      i++;
    } else if (c === " " || c === "\t" || c === "\r") i++;
    else if (c === "#" || src.startsWith("//", i)) {
      while (i < src.length && src[i] !== "\n") i++;
    } else if ("{}[],:=".includes(c)) {
      out.push({ t: "punct", v: c });
      i++;
    } else if (c === '"') {
      if (src.startsWith('"""', i)) throw new Error("triple-quoted strings are not used here");
      const m = /^"((?:[^"\\\n]|\\.)*)"/.exec(src.slice(i));
      if (!m) throw new Error(`unterminated string at ${i}`);
      out.push({ t: "str", v: unquote(m[1]!) });
      i += m[0].length;
    } else if (src.startsWith("${", i)) {
      const m = /^\$\{(\??)([A-Za-z0-9_.-]+)\}/.exec(src.slice(i));
      if (!m) throw new Error(`bad substitution at ${i}`);
      out.push({ t: "var", v: m[2]!, optional: m[1] === "?" });
      i += m[0].length;
    } else {
      const req = /^required\(\s*"((?:[^"\\]|\\.)*)"\s*\)/.exec(src.slice(i));
      if (req) {
        out.push({ t: "required", v: unquote(req[1]!) });
        i += req[0].length;
        continue;
      }
      const m = /^[^\s{}[\],:="#$]+/.exec(src.slice(i));
      if (!m || m[0].includes("//")) throw new Error(`unexpected ${JSON.stringify(src.slice(i, i + 20))}`);
      out.push(m[0] === "include" ? { t: "include" } : { t: "word", v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

function parseHocon(src: string): HObject {
  const toks = lex(src);
  let p = 0;
  const peek = () => toks[p];
  const skip = (kinds: string[]) => {
    while (p < toks.length) {
      const k = toks[p]!;
      if (k.t === "nl" || (k.t === "punct" && kinds.includes(k.v))) p++;
      else break;
    }
  };
  const word = (w: string): HValue => {
    if (w === "true") return true;
    if (w === "false") return false;
    if (w === "null") return null;
    if (/^-?\d+(\.\d+)?$/.test(w)) return Number(w);
    return w; // enums, durations (5s), sizes (64KB), dotted words (tlsv1.3)
  };
  const merge = (into: HObject, path: string[], value: HValue) => {
    const [head, ...rest] = path;
    if (rest.length > 0) {
      const cur = into[head!];
      const child: HObject = cur && typeof cur === "object" && !Array.isArray(cur) && !("$var" in cur) ? (cur as HObject) : {};
      into[head!] = child;
      merge(child, rest, value);
      return;
    }
    const cur = into[head!];
    const isObj = (v: HValue | undefined): v is HObject => !!v && typeof v === "object" && !Array.isArray(v) && !("$var" in v);
    if (isObj(cur) && isObj(value)) for (const [k, v] of Object.entries(value)) merge(cur, [k], v);
    else into[head!] = value;
  };
  const value = (): HValue => {
    const k = peek();
    if (!k) throw new Error("value expected at end of file");
    p++;
    if (k.t === "punct" && k.v === "{") return object("}");
    if (k.t === "punct" && k.v === "[") return array();
    if (k.t === "str") return k.v;
    if (k.t === "var") return { $var: k.v, optional: k.optional };
    if (k.t === "word") return word(k.v);
    throw new Error(`value expected, got ${JSON.stringify(k)}`);
  };
  const endOfValue = (close: string) => {
    const k = peek();
    if (!k || k.t === "nl" || (k.t === "punct" && (k.v === "," || k.v === close))) return;
    throw new Error(`unsupported value concatenation before ${JSON.stringify(k)}`);
  };
  const array = (): HValue[] => {
    const out: HValue[] = [];
    for (;;) {
      skip([","]);
      const k = peek();
      if (k?.t === "punct" && k.v === "]") {
        p++;
        return out;
      }
      out.push(value());
      endOfValue("]");
    }
  };
  function object(close: string | null): HObject {
    const obj: HObject = {};
    for (;;) {
      skip([","]);
      const k = peek();
      if (!k) {
        if (close) throw new Error(`missing ${close}`);
        return obj;
      }
      if (k.t === "punct" && k.v === close) {
        p++;
        return obj;
      }
      if (k.t === "include") {
        p++;
        const f = peek();
        p++;
        if (f?.t !== "required" && f?.t !== "str") throw new Error("include needs a file name");
        ((obj[INCLUDES] ??= []) as HValue[]).push({ file: f.v, required: f.t === "required" });
        continue;
      }
      if (k.t !== "word" && k.t !== "str") throw new Error(`key expected, got ${JSON.stringify(k)}`);
      p++;
      const path = k.t === "word" ? k.v.split(".") : [k.v];
      const sep = peek();
      if (sep?.t === "punct" && sep.v === "{") {
        p++;
        merge(obj, path, object("}"));
      } else if (sep?.t === "punct" && (sep.v === "=" || sep.v === ":")) {
        p++;
        merge(obj, path, value());
        endOfValue(close ?? "");
      } else throw new Error(`= or { expected after ${path.join(".")}`);
    }
  }
  return object(null);
}

/** Every value with its dotted path. */
function walk(v: HValue, path = ""): Array<[string, HValue]> {
  const here: Array<[string, HValue]> = [[path, v]];
  if (Array.isArray(v)) return here.concat(v.flatMap((x, i) => walk(x, `${path}[${i}]`)));
  if (v && typeof v === "object" && !("$var" in v)) return here.concat(Object.entries(v).flatMap(([k, x]) => walk(x, path ? `${path}.${k}` : k)));
  return here;
}

// ---------------------------------------------------------------- Erlang terms (acl.conf)

type Term = string | number | { atom: string } | { tuple: Term[] } | Term[];

function parseTerms(src: string): Term[] {
  let i = 0;
  const ws = () => {
    for (;;) {
      while (i < src.length && /\s/.test(src[i]!)) i++;
      if (src[i] === "%") while (i < src.length && src[i] !== "\n") i++;
      else return;
    }
  };
  const seq = (close: string): Term[] => {
    const out: Term[] = [];
    ws();
    if (src[i] === close) {
      i++;
      return out;
    }
    for (;;) {
      out.push(term());
      ws();
      if (src[i] === ",") i++;
      else if (src[i] === close) {
        i++;
        return out;
      } else throw new Error(`, or ${close} expected at ${i}`);
    }
  };
  const term = (): Term => {
    ws();
    const c = src[i];
    if (c === "{") {
      i++;
      return { tuple: seq("}") };
    }
    if (c === "[") {
      i++;
      return seq("]");
    }
    const m =
      /^"((?:[^"\\]|\\.)*)"/.exec(src.slice(i)) ?? /^'((?:[^'\\]|\\.)*)'/.exec(src.slice(i)) ?? /^[a-z][A-Za-z0-9_@]*/.exec(src.slice(i)) ?? /^\d+/.exec(src.slice(i));
    if (!m) throw new Error(`term expected at ${JSON.stringify(src.slice(i, i + 20))}`);
    i += m[0].length;
    if (m[0].startsWith('"')) return JSON.parse(`"${m[1]}"`) as string;
    if (m[0].startsWith("'")) return { atom: m[1]! };
    if (/^\d/.test(m[0])) return Number(m[0]);
    return { atom: m[0] };
  };
  const out: Term[] = [];
  for (;;) {
    ws();
    if (i >= src.length) return out;
    out.push(term());
    ws();
    if (src[i] !== ".") throw new Error(`. expected after a rule at ${i}`);
    i++;
  }
}

// EMQX 5 file authorization, the parts these rules use.
type Action = "publish" | "subscribe";
interface Rule {
  permission: "allow" | "deny";
  who: (username: string) => boolean;
  actions: Action[];
  topics: Array<{ eq: boolean; filter: string }> | "all";
}

const atom = (t: Term | undefined): string | undefined => (t && typeof t === "object" && "atom" in t ? t.atom : undefined);
const tuple = (t: Term | undefined): Term[] | undefined => (t && typeof t === "object" && "tuple" in t ? t.tuple : undefined);

function toRule(t: Term): Rule {
  const parts = tuple(t);
  if (!parts) throw new Error("a rule is a tuple");
  const permission = atom(parts[0]);
  if (permission !== "allow" && permission !== "deny") throw new Error(`unknown permission ${JSON.stringify(parts[0])}`);
  if (parts.length === 2 && atom(parts[1]) === "all") return { permission, who: () => true, actions: ["publish", "subscribe"], topics: "all" };
  if (parts.length !== 4) throw new Error("a rule is {Permission, Who, Action, Topics} or {Permission, all}");
  const whoT = parts[1]!;
  let who: Rule["who"];
  if (atom(whoT) === "all") who = () => true;
  else {
    const w = tuple(whoT);
    const kind = atom(w?.[0]);
    if ((kind === "username" || kind === "user") && typeof w![1] === "string") {
      const name = w![1];
      who = (u) => u === name;
    } else throw new Error(`unsupported who ${JSON.stringify(whoT)}`);
  }
  const a = atom(parts[2]);
  const actions: Action[] = a === "publish" ? ["publish"] : a === "subscribe" ? ["subscribe"] : a === "all" || a === "pubsub" ? ["publish", "subscribe"] : [];
  if (actions.length === 0) throw new Error(`unsupported action ${JSON.stringify(parts[2])}`);
  if (!Array.isArray(parts[3])) throw new Error("topics are a list");
  const topics = parts[3].map((x) => {
    if (typeof x === "string") return { eq: false, filter: x };
    const e = tuple(x);
    if (atom(e?.[0]) === "eq" && typeof e![1] === "string") return { eq: true, filter: e![1] };
    throw new Error(`unsupported topic ${JSON.stringify(x)}`);
  });
  return { permission, who, actions, topics };
}

/** emqx_topic:match/2: a name (or a subscribed filter, word for word) against a rule filter. */
function topicMatch(name: string, filter: string): boolean {
  if (name.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  const n = name.split("/");
  const f = filter.split("/");
  for (let i = 0; ; i++) {
    if (f[i] === "#" && i === f.length - 1) return true;
    if (i === n.length || i === f.length) return i === n.length && i === f.length;
    if (f[i] !== "+" && f[i] !== n[i]) return false;
  }
}

/** $share/<group>/<filter> is authorized as <filter> (emqx_topic:get_shared_real_topic). */
const realTopic = (t: string) => (t.startsWith("$share/") ? t.split("/").slice(2).join("/") : t);

function decide(rules: Rule[], noMatch: "allow" | "deny", username: string, action: Action, topic: string): "allow" | "deny" {
  const real = realTopic(topic);
  for (const r of rules) {
    if (!r.who(username) || !r.actions.includes(action)) continue;
    if (r.topics === "all" || r.topics.some((x) => (x.eq ? x.filter === real : topicMatch(real, x.filter)))) return r.permission;
  }
  return noMatch;
}

// ---------------------------------------------------------------- the files

const confText = await Bun.file(new URL("../emqx/emqx.conf", import.meta.url)).text();
const conf = parseHocon(confText);
const aclRules = parseTerms(await Bun.file(new URL("../emqx/acl.conf", import.meta.url)).text()).map(toRule);
const aclTerms = parseTerms(await Bun.file(new URL("../emqx/acl.conf", import.meta.url)).text());

const get = (path: string): any => path.split(".").reduce<any>((o, k) => (o == null ? undefined : o[k]), conf);
const authRoute = mqttHookRoutes.find((r) => r.path.endsWith("/mqtt-auth"))!;
const aclRoute = mqttHookRoutes.find((r) => r.path.endsWith("/mqtt-acl"))!;
const authn = get("authentication") as HObject[];
const httpAuthn = authn.find((a) => a.backend === "http")!;
const httpAuthz = (get("authorization.sources") as HObject[]).find((s) => s.type === "http")!;
const secretsInclude = () => ((conf[INCLUDES] ?? []) as Array<{ file: string; required: boolean }>)[0];
const port = (bind: unknown) => Number(String(bind).split(":").pop());
const SERVICE_USERS = { bridge: "pulse-bridge", deliver: "pulse-deliver" };
const SHARE_GROUP = "pulse-bridge"; // src/workers/bridge/main.ts (not exported)

describe("emqx.conf", () => {
  test("reads as HOCON, with no substitution EMQX cannot resolve", () => {
    expect(Object.keys(conf)).toEqual(expect.arrayContaining(["node", "listeners", "mqtt", "authentication", "authorization"]));
    // EMQX's HOCON resolves ${...} only against keys of the configuration, never the
    // environment: each must name a key that an included file defines (here pulse_secrets.*).
    const vars = walk(conf).filter(([, v]) => v && typeof v === "object" && "$var" in v).map(([, v]) => (v as HVar).$var);
    expect(vars.length).toBeGreaterThan(0);
    for (const v of vars) expect(v).toMatch(/^pulse_secrets\.[a-z_]+$/);
    expect(conf.pulse_secrets).toBeUndefined(); // defined only in the generated, git-ignored file
    expect(secretsInclude()).toEqual({ file: "/opt/emqx/etc/secrets.hocon", required: true });
  });

  test("quotes EMQX's request placeholders so HOCON leaves them alone", () => {
    const placeholders = walk(conf).filter(([, v]) => typeof v === "string" && v.includes("${"));
    expect(placeholders.length).toBeGreaterThan(0);
    for (const [, v] of placeholders) expect(v).toMatch(/^\$\{[a-z_]+\}$/);
    // and the source has no unquoted ${ other than the secrets
    const unquoted = confText.split("\n").filter((l) => !/^\s*#/.test(l) && /(^|[^"])\$\{(?!pulse_secrets\.)/.test(l.replace(/"[^"]*"/g, '""')));
    expect(unquoted).toEqual([]);
  });

  test("keeps node, cluster and dashboard basics without literal secrets", () => {
    expect(get("node.name")).toBe("emqx@127.0.0.1");
    expect(get("node.data_dir")).toBeDefined();
    expect(get("node.cookie")).toBeUndefined(); // EMQX_NODE__COOKIE
    expect(get("cluster.discovery_strategy")).toBe("manual");
    expect(port(get("dashboard.listeners.http.bind"))).toBe(18083);
    expect(get("dashboard.default_password")).toBeUndefined(); // EMQX_DASHBOARD__DEFAULT_PASSWORD
    expect(get("prometheus.enable_basic_auth")).toBe(false);
    // Anything named like a secret is a request placeholder (the device's password, passed on
    // to the hook) or a reference to the generated secrets file, never a value.
    let named = 0;
    for (const [path, v] of walk(conf)) {
      if (!/(password|secret|cookie|-auth)$/i.test(path)) continue;
      named++;
      if (typeof v === "string") expect(v).toMatch(/^\$\{[a-z_]+\}$/);
      else expect(v).toEqual({ $var: expect.stringMatching(/^pulse_secrets\./), optional: false });
    }
    expect(named).toBeGreaterThanOrEqual(3);
  });

  test("listens on 1883 inside, 8883 with mutual TLS, 8083 WebSocket at /mqtt, no wss", () => {
    expect(port(get("listeners.tcp.default.bind"))).toBe(1883);
    const ssl = get("listeners.ssl.default");
    expect(port(ssl.bind)).toBe(8883);
    expect(ssl.ssl_options.verify).toBe("verify_peer");
    expect(ssl.ssl_options.fail_if_no_peer_cert).toBe(true);
    expect(ssl.ssl_options.cacertfile).toBe("/opt/emqx/etc/certs/ca.crt");
    expect(ssl.ssl_options.certfile).toBe("/opt/emqx/etc/certs/server.crt");
    expect(ssl.ssl_options.keyfile).toBe("/opt/emqx/etc/certs/server.key");
    expect(port(get("listeners.ws.default.bind"))).toBe(8083);
    expect(get("listeners.ws.default.websocket.mqtt_path")).toBe("/mqtt");
    expect(get("listeners.wss.default.enable")).toBe(false);
  });

  test("lets payloads Pulse would quarantine reach it", () => {
    const size = /^(\d+)KB$/.exec(String(get("mqtt.max_packet_size")));
    expect(size).not.toBeNull();
    const defaultPayload = Number(SETTINGS.maxPayloadBytes.default);
    // Room for the topic and the fixed header, and for payloads a little over the limit.
    expect(Number(size![1]) * 1024).toBeGreaterThanOrEqual(2 * defaultPayload);
    expect(get("mqtt.shared_subscription")).toBe(true);
    expect(get("mqtt.retain_available")).toBe(true);
    expect(get("retainer.enable")).toBe(true);
    expect(get("mqtt.max_inflight")).toBeGreaterThanOrEqual(32);
  });
});

describe("broker hooks", () => {
  test("authentication asks Pulse's hook first, then the built-in database", () => {
    expect(authn.map((a) => a.backend)).toEqual(["http", "built_in_database"]);
    expect(httpAuthn.mechanism).toBe("password_based");
    expect(String(httpAuthn.method).toLowerCase()).toBe(authRoute.method);
    expect(httpAuthn.url).toBe(`http://serve:8080${authRoute.path}`);
    const db = authn[1]!;
    expect(db.user_id_type).toBe("username");
    expect(db.bootstrap_file).toBe("/opt/emqx/etc/users.csv");
    expect(db.bootstrap_type).toBe("plain");
  });

  test("authorization asks Pulse's hook first, then acl.conf; nothing matched is denied", () => {
    const sources = get("authorization.sources") as HObject[];
    expect(sources.map((s) => s.type)).toEqual(["http", "file"]);
    expect(String(httpAuthz.method).toLowerCase()).toBe(aclRoute.method);
    expect(httpAuthz.url).toBe(`http://serve:8080${aclRoute.path}`);
    expect(sources[1]!.path).toBe("/opt/emqx/etc/acl.conf");
    expect(get("authorization.no_match")).toBe("deny");
    expect(["ignore", "disconnect"]).toContain(get("authorization.deny_action"));
    expect(get("authorization.cache.enable")).toBe(true);
  });

  test.each([
    ["auth", () => httpAuthn, () => authRoute],
    ["acl", () => httpAuthz, () => aclRoute],
  ] as const)("the %s request body has the keys of the hook's schema, each EMQX's placeholder of that name", (_n, hook, route) => {
    const body = hook().body as HObject;
    const schemaKeys = Object.keys((route().body as unknown as { shape: Record<string, unknown> }).shape);
    expect(Object.keys(body).sort()).toEqual(schemaKeys.sort());
    for (const [k, v] of Object.entries(body)) expect(v).toBe(`\${${k}}`);
    // A rendered request passes the hook's own validation.
    const rendered = Object.fromEntries(Object.keys(body).map((k) => [k, k === "topic" ? "tenant/acme/device/pump-17/telemetry" : k === "action" ? "publish" : "acme/pump-17"]));
    expect(route().body!.safeParse(rendered).success).toBe(true);
  });

  test.each([
    ["authentication", () => httpAuthn],
    ["authorization", () => httpAuthz],
  ] as const)("the %s hook sends the secret in the header Pulse checks", async (_n, hook) => {
    const headers = hook().headers as HObject;
    expect(headers["content-type"]).toBe("application/json");
    const secretHeaders = Object.entries(headers).filter(([, v]) => v && typeof v === "object" && "$var" in v);
    expect(secretHeaders).toHaveLength(1);
    const [name, value] = secretHeaders[0]!;
    expect(value).toEqual({ $var: "pulse_secrets.mqtt_hook_secret", optional: false });
    // Pulse's internal access check, fed what EMQX would send (the secret filled in).
    const secret = "s".repeat(32);
    const ctx = (sent: Record<string, string>) =>
      ({ req: { method: "POST", path: "/api/v1/internal/mqtt-auth", header: (n: string) => Object.entries(sent).find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1] } }) as never;
    const deps = { mqttHookSecret: secret } as never;
    expect(await authenticate(ctx({ [name]: secret }), deps, "internal")).toBeNull();
    await expect(authenticate(ctx({ [name]: "wrong".padEnd(32, "x") }), deps, "internal")).rejects.toThrow();
    await expect(authenticate(ctx({ "X-Some-Other": secret }), deps, "internal")).rejects.toThrow();
  });

  test("the hooks leave the service users to the built-in database and acl.conf", async () => {
    for (const username of Object.values(SERVICE_USERS)) {
      // deviceIdentity() rejects these usernames before any database access.
      const deps = {} as never;
      expect(await authRoute.handler({ deps, body: { username, password: "x", clientid: username } } as never)).toEqual({ result: "ignore" });
      expect(await aclRoute.handler({ deps, body: { username, topic: UPLINK_TOPIC_FILTERS[0], action: "subscribe" } } as never)).toEqual({ result: "ignore" });
    }
    // A device's own topic is the hook's to allow; acl.conf never allows it.
    expect(await aclRoute.handler({ deps: {} as never, body: { username: "acme/pump-17", topic: "tenant/acme/device/pump-17/telemetry", action: "publish" } } as never)).toEqual({ result: "allow" });
  });
});

describe("acl.conf", () => {
  const noMatch = get("authorization.no_match") as "allow" | "deny";
  const may = (u: string, a: Action, t: string) => decide(aclRules, noMatch, u, a, t) === "allow";

  test("ends with {deny, all}", () => {
    const last = tuple(aclTerms[aclTerms.length - 1]);
    expect(last?.map(atom)).toEqual(["deny", "all"]);
    expect(aclRules.length).toBeGreaterThan(1);
  });

  test("lets the bridge subscribe to every filter it uses, alone or shared", () => {
    expect(UPLINK_TOPIC_FILTERS).toHaveLength(Object.keys(MESSAGE_TYPES).length);
    for (const f of UPLINK_TOPIC_FILTERS) {
      expect(may(SERVICE_USERS.bridge, "subscribe", f)).toBe(true);
      expect(may(SERVICE_USERS.bridge, "subscribe", `$share/${SHARE_GROUP}/${f}`)).toBe(true);
    }
  });

  test("lets the bridge do nothing else", () => {
    for (const f of ["#", "tenant/#", "tenant/+/device/+/#", "tenant/+/device/+/commands", "tenant/+/device/+/shadow/desired", "$SYS/#", "tenant/acme/out/x"]) {
      expect(may(SERVICE_USERS.bridge, "subscribe", f)).toBe(false);
    }
    expect(may(SERVICE_USERS.bridge, "publish", "tenant/acme/device/pump-17/telemetry")).toBe(false);
    expect(may(SERVICE_USERS.bridge, "publish", "tenant/acme/out/x")).toBe(false);
  });

  test("lets deliver publish where message routes republish, and nowhere a device sends", () => {
    const vars = { tenant: "acme", device: "pump-17" };
    for (const template of ["tenant/{tenant}/routed/{device}", "tenant/{tenant}/device/{device}/alerts", "tenant/{tenant}/dashboard/live"]) {
      expect(MqttRepublishConfig.safeParse({ topic: template }).success).toBe(true);
      expect(may(SERVICE_USERS.deliver, "publish", renderTopic(template, vars))).toBe(true);
    }
    for (const t of Object.values(MESSAGE_TYPES).map((m) => `tenant/{tenant}/device/{device}/${m.suffix}`)) {
      // Pulse refuses the route, and the broker would refuse the publish.
      expect(MqttRepublishConfig.safeParse({ topic: t }).success).toBe(false);
      const rendered = renderTopic(t, vars);
      expect(parseTopic(rendered)).not.toBeNull();
      expect(may(SERVICE_USERS.deliver, "publish", rendered)).toBe(false);
    }
    for (const t of ["other/acme/x", "$SYS/brokers", "acme/pump-17"]) expect(may(SERVICE_USERS.deliver, "publish", t)).toBe(false);
    expect(may(SERVICE_USERS.deliver, "subscribe", "tenant/#")).toBe(false);
    expect(may(SERVICE_USERS.deliver, "subscribe", UPLINK_TOPIC_FILTERS[0]!)).toBe(false);
  });

  test("allows nothing to anyone else", () => {
    for (const u of ["acme/pump-17", "admin", "", "pulse-bridge2"]) {
      expect(may(u, "publish", "tenant/acme/device/pump-17/telemetry")).toBe(false);
      expect(may(u, "subscribe", "tenant/acme/device/pump-17/telemetry")).toBe(false);
      expect(may(u, "subscribe", "#")).toBe(false);
    }
  });
});

describe("with the rest of the appliance", () => {
  const APPLIANCE = new URL("..", import.meta.url).pathname;
  const REPO = new URL("../..", import.meta.url).pathname;

  test("the files emqx.conf names are the ones compose mounts, and the node name matches", async () => {
    const compose = Bun.YAML.parse(await Bun.file(`${APPLIANCE}compose.yaml`).text()) as any;
    const emqx = compose.services.emqx;
    const mounted = new Map<string, string>(
      (emqx.volumes as string[]).map((v) => {
        const [src, dst] = v.split(":");
        return [dst!, src!];
      }),
    );
    const referenced = [
      secretsInclude()!.file,
      get("listeners.ssl.default.ssl_options.cacertfile"),
      get("listeners.ssl.default.ssl_options.certfile"),
      get("listeners.ssl.default.ssl_options.keyfile"),
      authn[1]!.bootstrap_file,
      (get("authorization.sources") as HObject[])[1]!.path,
    ] as string[];
    for (const path of referenced) expect(mounted.has(path)).toBe(true);
    expect(mounted.get("/opt/emqx/etc/emqx.conf")).toBe("./emqx/emqx.conf");
    expect(mounted.get("/opt/emqx/etc/acl.conf")).toBe("./emqx/acl.conf");
    // The device CA's private key stays out of the broker.
    expect([...mounted.values()].some((src) => src.endsWith("ca.key"))).toBe(false);
    // An environment override wins over emqx.conf: the two must agree.
    expect(emqx.environment.EMQX_NODE__NAME).toBe(get("node.name"));
    expect(String(emqx.environment.EMQX_NODE__COOKIE)).toContain("${EMQX_NODE_COOKIE");
    expect(String(emqx.environment.EMQX_DASHBOARD__DEFAULT_PASSWORD)).toContain("${EMQX_DASHBOARD_PASSWORD");
  });

  test("scripts/appliance-secrets writes the secrets and users emqx.conf expects", async () => {
    const dir = `${Bun.env.TMPDIR ?? "/tmp"}/pulse-emqx-test-${process.pid}`;
    await Bun.$`rm -rf ${dir} && mkdir -p ${dir} && cp ${APPLIANCE}.env.example ${dir}/`.quiet();
    try {
      const run = Bun.spawnSync(["sh", `${REPO}scripts/appliance-secrets`, dir], { stdout: "pipe", stderr: "pipe" });
      expect(run.exitCode).toBe(0);
      const env = Object.fromEntries(
        (await Bun.file(`${dir}/.env`).text())
          .split("\n")
          .filter((l) => /^[A-Z_]+=/.test(l))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      // Resolve emqx.conf's substitutions against the generated file, as EMQX does.
      const secrets = parseHocon(await Bun.file(`${dir}/emqx/secrets.hocon`).text());
      const lookup = (path: string) => path.split(".").reduce<any>((o, k) => o?.[k], secrets);
      for (const hook of [httpAuthn, httpAuthz]) {
        const value = lookup(((hook.headers as HObject)["X-Internal-Auth"] as HVar).$var);
        expect(value).toBe(env.PULSE_MQTT_HOOK_SECRET);
        expect(SETTINGS.mqttHookSecret.schema.safeParse(value).success).toBe(true);
      }
      // The built-in database's bootstrap: the service users acl.conf names, with .env's passwords.
      const [header, ...rows] = (await Bun.file(`${dir}/emqx/users.csv`).text()).trim().split("\n");
      expect(header).toBe("user_id,password,is_superuser");
      const users = Object.fromEntries(rows.map((r) => r.split(",")).map(([u, p, s]) => [u, { p, s }]));
      expect(users[SERVICE_USERS.bridge]).toEqual({ p: env.PULSE_MQTT_BRIDGE_PASSWORD, s: "false" });
      expect(users[SERVICE_USERS.deliver]).toEqual({ p: env.PULSE_MQTT_DELIVER_PASSWORD, s: "false" });
    } finally {
      await Bun.$`rm -rf ${dir}`.quiet();
    }
  });
});

describe("the readers", () => {
  // The readers must refuse what they do not understand, or the tests above prove nothing.
  test("HOCON: nesting, dotted keys, includes, and errors", () => {
    const c = parseHocon(`include required("/x.hocon")\na.b { c = 1, d = "q" }\na.b.e = [x, "y"]\n# c\nf = \${s.t}`);
    expect(c).toEqual({ [INCLUDES]: [{ file: "/x.hocon", required: true }], a: { b: { c: 1, d: "q", e: ["x", "y"] } }, f: { $var: "s.t", optional: false } });
    expect(() => parseHocon("a = b c")).toThrow();
    expect(() => parseHocon("a { b = 1")).toThrow();
    expect(() => parseHocon("url = http://x")).toThrow(); // EMQX reads // as a comment: URLs are quoted
  });

  test("Erlang terms and rule matching", () => {
    const rules = parseTerms(`%% c\n{allow, {username, "u"}, subscribe, ["a/+/b", {eq, "c/#"}]}.\n{deny, all}.`).map(toRule);
    expect(decide(rules, "deny", "u", "subscribe", "a/x/b")).toBe("allow");
    expect(decide(rules, "deny", "u", "subscribe", "c/x")).toBe("deny");
    expect(decide(rules, "deny", "u", "subscribe", "c/#")).toBe("allow");
    expect(decide(rules, "deny", "u", "publish", "a/x/b")).toBe("deny");
    expect(topicMatch("$SYS/x", "#")).toBe(false);
    expect(topicMatch("a", "a/#")).toBe(true);
    expect(() => parseTerms(`{allow, all}`)).toThrow();
    expect(() => toRule(parseTerms(`{allow, {ipaddr, "1.2.3.4"}, publish, ["t"]}.`)[0]!)).toThrow();
  });
});
