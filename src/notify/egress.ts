/**
 * Every request Pulse makes to an address a tenant chose (webhooks, Slack, Teams, PagerDuty,
 * SMTP) goes through here, so a tenant cannot point Pulse at the cloud metadata service, the
 * database or anything else on the private network. The host is resolved once, every address
 * it resolves to is checked, and the connection goes to the checked address: a second lookup
 * could answer differently (DNS rebinding).
 */
import { lookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { PulseError } from "../platform/errors";

export interface EgressPolicy {
  /** CIDRs (10.0.0.0/8, ::1/128) or exact host names an operator allows despite being private. */
  allow: readonly string[];
  /** The whole request: connect, send, and read the response. */
  timeoutMs: number;
  /** Read at most this much of a response body. */
  maxResponseBytes: number;
}

export interface EgressResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
}

interface Ip {
  v: 4 | 6;
  n: bigint;
}

interface Range extends Ip {
  bits: number;
  reason: string;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i;

const bare = (host: string) => host.replace(/^\[(.*)\]$/, "$1");
const normalName = (host: string) => bare(host).toLowerCase().replace(/\.$/, "");

function parseIp(text: string): Ip | null {
  const s = bare(text).replace(/%.*$/, "");
  const kind = isIP(s);
  if (kind === 4) return { v: 4, n: s.split(".").reduce((a, p) => (a << 8n) | BigInt(p), 0n) };
  if (kind !== 6) return null;
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two hex groups before the "::" expansion.
  const m = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  const hex = m ? `${m[1]}${((+m[2]! << 8) | +m[3]!).toString(16)}:${((+m[4]! << 8) | +m[5]!).toString(16)}` : s;
  const [head = "", tail] = hex.split("::");
  const groups = (part: string) => (part ? part.split(":") : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return { v: 6, n: all.reduce((a, g) => (a << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
}

function parseCidr(text: string, reason = ""): Range | null {
  const [addr = "", bitsText, extra] = text.split("/");
  const ip = parseIp(addr);
  if (!ip || extra !== undefined) return null;
  const width = ip.v === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : -1;
  return bits >= 0 && bits <= width ? { ...ip, bits, reason } : null;
}

const contains = (r: Range, ip: Ip) => {
  if (r.v !== ip.v) return false;
  const shift = BigInt((r.v === 4 ? 32 : 128) - r.bits);
  return r.n >> shift === ip.n >> shift;
};

const ranges = (list: ReadonlyArray<[string, string]>) => list.map(([c, reason]) => parseCidr(c, reason)!);

// Most specific first: the first match names the reason.
const BLOCKED_V4 = ranges([
  ["169.254.169.254/32", "the cloud metadata service address"],
  ["0.0.0.0/8", "a 'this network' address"],
  ["10.0.0.0/8", "a private address"],
  ["100.64.0.0/10", "a shared (carrier-grade NAT) address"],
  ["127.0.0.0/8", "a loopback address"],
  ["169.254.0.0/16", "a link-local address"],
  ["172.16.0.0/12", "a private address"],
  ["192.0.0.0/24", "an IETF protocol assignment address"],
  ["192.168.0.0/16", "a private address"],
  ["198.18.0.0/15", "a benchmarking address"],
  ["224.0.0.0/4", "a multicast address"],
  ["240.0.0.0/4", "a reserved address"],
]);

const BLOCKED_V6 = ranges([
  ["::/128", "the unspecified address"],
  ["::1/128", "a loopback address"],
  ["64:ff9b:1::/48", "a local-use NAT64 address"],
  ["fc00::/7", "a unique local (private) address"],
  ["fe80::/10", "a link-local address"],
  ["fec0::/10", "a site-local address"],
  ["ff00::/8", "a multicast address"],
]);

/** IPv6 forms that carry an IPv4 address, which is where the packets end up. */
const EMBEDS_V4: ReadonlyArray<{ range: Range; name: string; at: bigint }> = [
  { range: parseCidr("::ffff:0:0/96")!, name: "IPv4-mapped", at: 0n },
  { range: parseCidr("64:ff9b::/96")!, name: "NAT64", at: 0n },
  { range: parseCidr("::/96")!, name: "IPv4-compatible", at: 0n },
  { range: parseCidr("2002::/16")!, name: "6to4", at: 80n },
];

const v4Text = (n: bigint) => [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");

function embeddedV4(ip: Ip): { ip: Ip; name: string } | null {
  if (ip.v !== 6) return null;
  const hit = EMBEDS_V4.find((e) => contains(e.range, ip));
  return hit ? { ip: { v: 4, n: (ip.n >> hit.at) & 0xffffffffn }, name: hit.name } : null;
}

/** Why an address may not be reached, or null when it may. */
export function blockedReason(ip: string): string | null {
  const parsed = parseIp(ip);
  if (!parsed) return "not an IP address";
  const direct = (parsed.v === 4 ? BLOCKED_V4 : BLOCKED_V6).find((r) => contains(r, parsed));
  if (direct) return direct.reason;
  const inner = embeddedV4(parsed);
  const viaV4 = inner && BLOCKED_V4.find((r) => contains(r, inner.ip));
  return viaV4 ? `${viaV4.reason} (${inner.name} ${v4Text(inner.ip.n)})` : null;
}

export function egressPolicy(allow: readonly string[], o: Partial<Omit<EgressPolicy, "allow">> = {}): EgressPolicy {
  for (const entry of allow) {
    if (!parseCidr(entry) && !HOST_NAME.test(entry)) {
      throw new PulseError("USAGE", `egress allow-list entry ${JSON.stringify(entry)} is neither a CIDR (10.0.0.0/8, ::1/128) nor a host name`);
    }
  }
  const policy = { allow: [...allow], timeoutMs: o.timeoutMs ?? 10_000, maxResponseBytes: o.maxResponseBytes ?? 65_536 };
  for (const key of ["timeoutMs", "maxResponseBytes"] as const) {
    if (!Number.isInteger(policy[key]) || policy[key] <= 0) throw new PulseError("USAGE", `egress ${key} must be a whole number above 0`);
  }
  return policy;
}

function isAllowed(policy: EgressPolicy, host: string, address: string): boolean {
  const ip = parseIp(address)!;
  const inner = embeddedV4(ip)?.ip;
  return policy.allow.some((entry) => {
    const r = parseCidr(entry);
    if (!r) return normalName(entry) === host;
    return contains(r, ip) || (inner !== undefined && contains(r, inner));
  });
}

async function lookupAll(host: string, timeoutMs: number): Promise<Array<{ address: string; family: 4 | 6 }>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PulseError("UNAVAILABLE", `cannot resolve ${host}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const found = await Promise.race([lookup(host, { all: true }), timeout]);
    // IPv4 first: one address is tried, and hosts with AAAA records often lack an IPv6 route.
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? (6 as const) : (4 as const) })).sort((a, b) => a.family - b.family);
  } catch (err) {
    if (err instanceof PulseError) throw err;
    throw new PulseError("UNAVAILABLE", `cannot resolve ${host}: ${(err as { code?: string }).code ?? "lookup failed"}`, { host }, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves a host name (or takes an IP literal) and checks every address; for SMTP hosts. */
export async function resolveHost(host: string, policy: EgressPolicy): Promise<{ address: string; family: 4 | 6 }> {
  const name = normalName(host);
  const literal = isIP(bare(host).replace(/%.*$/, "")) !== 0;
  const found = literal ? [{ address: bare(host), family: isIP(bare(host)) === 6 ? (6 as const) : (4 as const) }] : await lookupAll(name, policy.timeoutMs);
  if (found.length === 0) throw new PulseError("UNAVAILABLE", `cannot resolve ${name}: no addresses`, { host: name });
  for (const a of found) {
    const reason = blockedReason(a.address);
    if (reason && !isAllowed(policy, name, a.address)) {
      const what = literal ? `${a.address} is ${reason}` : `${name} resolves to ${a.address}, ${reason}`;
      throw new PulseError("FORBIDDEN", `refused: ${what}`, { reason: "ssrf", address: a.address });
    }
  }
  return found[0]!;
}

/** Resolves the host (all A/AAAA), refuses if ANY address is blocked and not allowed; returns the address to connect to. */
export async function resolveTarget(url: string | URL, policy: EgressPolicy): Promise<{ url: URL; address: string; family: 4 | 6 }> {
  let parsed: URL;
  try {
    // WHATWG parsing turns 2130706433, 0x7f.1 and 0177.0.0.1 into 127.0.0.1 before the check.
    parsed = new URL(url);
  } catch {
    throw new PulseError("BAD_REQUEST", `not a valid URL: ${String(url).slice(0, 200)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new PulseError("BAD_REQUEST", `only http and https URLs may be called, not ${parsed.protocol.replace(/:$/, "")}`);
  }
  return { url: parsed, ...(await resolveHost(parsed.hostname, policy)) };
}

type Target = Awaited<ReturnType<typeof resolveTarget>>;

/**
 * Verified under Bun 1.4.5 (egress.int.test.ts): node:http(s) honour `lookup`, so the socket
 * goes to the checked address while the Host header, SNI (`servername`) and the certificate
 * check still use the host name.
 */
function pinnedOptions(target: Target, init: { method?: string; headers?: Record<string, string> }, body: string) {
  const host = bare(target.url.hostname);
  const lookup: LookupFunction = (_name, opts, cb) => {
    if (opts.all) cb(null, [{ address: target.address, family: target.family }]);
    else cb(null, target.address, target.family);
  };
  return {
    hostname: host,
    port: target.url.port || undefined,
    path: `${target.url.pathname}${target.url.search}`,
    method: init.method ?? "POST",
    headers: { ...init.headers, "content-length": String(Buffer.byteLength(body)) },
    agent: false, // no pooled socket from an earlier request: every request connects where it was checked
    lookup,
    ...(isIP(host) ? {} : { servername: host }),
  };
}

/** POST/PUT to an http(s) URL, connecting to the checked address only (no second DNS lookup), never following redirects. */
export async function egressRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  policy: EgressPolicy,
): Promise<EgressResponse> {
  const target = await resolveTarget(url, policy);
  const host = bare(target.url.hostname);
  const body = init.body ?? "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<EgressResponse>((resolve, reject) => {
    let timedOut: PulseError | undefined;
    const fail = (err: unknown) => reject(timedOut ?? unreachable(host, err));
    const send = target.url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(pinnedOptions(target, init, body), (res) => void readCapped(res, policy.maxResponseBytes).then(resolve, fail));
    timer = setTimeout(() => {
      timedOut = new PulseError("UNAVAILABLE", `${host} did not answer within ${policy.timeoutMs} ms`, { host });
      req.destroy(timedOut);
    }, policy.timeoutMs);
    req.on("error", fail);
    req.end(body);
  }).finally(() => clearTimeout(timer));
}

function unreachable(host: string, err: unknown): PulseError {
  if (err instanceof PulseError) return err;
  const code = (err as { code?: string }).code;
  return new PulseError("UNAVAILABLE", `cannot reach ${host}: ${code ?? (err as Error).message}`, { host }, { cause: err });
}

function readCapped(res: IncomingMessage, max: number): Promise<EgressResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (truncated: boolean) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
      resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("utf8"), truncated });
    };
    res.on("data", (chunk: Buffer) => {
      const room = max - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (chunk.length > room) {
        done(true);
        res.destroy(); // stop reading: the rest of the body is never downloaded
      }
    });
    res.on("end", () => done(false));
    res.on("error", reject);
    res.on("aborted", () => reject(new Error("response aborted")));
  });
}
