/** The SSRF guard and the pinned-address HTTP client, against real loopback servers. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo, LookupFunction } from "node:net";
import tls from "node:tls";
import { startReceiver, type Receiver } from "../testing/receiver";
import { blockedReason, egressPolicy, egressRequest, resolveHost, resolveTarget } from "./egress";

const LOOPBACK = egressPolicy(["127.0.0.0/8"], { timeoutMs: 2_000 });
const STRICT = egressPolicy([], { timeoutMs: 2_000 });

describe("blockedReason", () => {
  test.each([
    ["0.1.2.3", "a 'this network' address"],
    ["10.1.2.3", "a private address"],
    ["100.64.0.1", "a shared (carrier-grade NAT) address"],
    ["100.127.255.255", "a shared (carrier-grade NAT) address"],
    ["127.0.0.1", "a loopback address"],
    ["127.255.0.9", "a loopback address"],
    ["169.254.169.254", "the cloud metadata service address"],
    ["169.254.1.1", "a link-local address"],
    ["172.16.0.1", "a private address"],
    ["172.31.255.255", "a private address"],
    ["192.0.0.8", "an IETF protocol assignment address"],
    ["192.168.1.1", "a private address"],
    ["198.18.0.1", "a benchmarking address"],
    ["198.19.255.255", "a benchmarking address"],
    ["224.0.0.1", "a multicast address"],
    ["239.255.255.250", "a multicast address"],
    ["240.0.0.1", "a reserved address"],
    ["255.255.255.255", "a reserved address"],
    ["::", "the unspecified address"],
    ["::1", "a loopback address"],
    ["fc00::1", "a unique local (private) address"],
    ["fd12:3456::1", "a unique local (private) address"],
    ["fe80::1", "a link-local address"],
    ["fe80::1%eth0", "a link-local address"],
    ["ff02::1", "a multicast address"],
    ["::ffff:127.0.0.1", "a loopback address (IPv4-mapped 127.0.0.1)"],
    ["::ffff:7f00:1", "a loopback address (IPv4-mapped 127.0.0.1)"],
    ["::ffff:169.254.169.254", "the cloud metadata service address (IPv4-mapped 169.254.169.254)"],
    ["64:ff9b::a01:203", "a private address (NAT64 10.1.2.3)"],
    ["64:ff9b::192.168.0.1", "a private address (NAT64 192.168.0.1)"],
    ["::10.0.0.1", "a private address (IPv4-compatible 10.0.0.1)"],
    ["2002:7f00:1::", "a loopback address (6to4 127.0.0.1)"],
    ["not-an-ip", "not an IP address"],
  ])("%s is %s", (ip, reason) => expect(blockedReason(ip)).toBe(reason));

  test.each([
    "8.8.8.8", "1.1.1.1", "93.184.215.14", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0", "192.0.1.1",
    "192.169.0.1", "198.17.255.255", "198.20.0.0", "223.255.255.255", "2606:4700:4700::1111", "2001:4860:4860::8888",
    "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::",
  ])("%s may be reached", (ip) => expect(blockedReason(ip)).toBeNull());
});

describe("egressPolicy", () => {
  test("accepts CIDRs, single addresses and host names, with defaults", () => {
    expect(egressPolicy(["10.0.0.0/8", "::1/128", "192.168.1.10", "hooks.internal", "mail.example.com."])).toEqual({
      allow: ["10.0.0.0/8", "::1/128", "192.168.1.10", "hooks.internal", "mail.example.com."],
      timeoutMs: 10_000,
      maxResponseBytes: 65_536,
    });
  });

  test.each(["10.0.0.0/33", "::1/129", "10.0.0.0/8/1", "1.2.3.4/x", "not a host", "", "http://10.0.0.1"])("refuses %p", (entry) => {
    expect(() => egressPolicy([entry])).toThrow(
      expect.objectContaining({ code: "USAGE", message: `egress allow-list entry ${JSON.stringify(entry)} is neither a CIDR (10.0.0.0/8, ::1/128) nor a host name` }),
    );
  });

  test("refuses a timeout or size that is not a positive whole number", () => {
    expect(() => egressPolicy([], { timeoutMs: 0 })).toThrow("egress timeoutMs must be a whole number above 0");
    expect(() => egressPolicy([], { maxResponseBytes: 1.5 })).toThrow("egress maxResponseBytes must be a whole number above 0");
  });
});

describe("refused destinations never see a connection", () => {
  let rec: Receiver;
  beforeAll(async () => void (rec = await startReceiver()));
  afterAll(() => rec.close());

  test.each([
    ["http://localhost:PORT/hook", "refused: localhost resolves to 127.0.0.1, a loopback address", "127.0.0.1"],
    ["http://LOCALHOST.:PORT/hook", "refused: localhost resolves to 127.0.0.1, a loopback address", "127.0.0.1"],
    ["http://127.0.0.1:PORT/hook", "refused: 127.0.0.1 is a loopback address", "127.0.0.1"],
    ["http://2130706433:PORT/hook", "refused: 127.0.0.1 is a loopback address", "127.0.0.1"],
    ["http://0x7f.1:PORT/hook", "refused: 127.0.0.1 is a loopback address", "127.0.0.1"],
    ["http://0177.0.0.1:PORT/hook", "refused: 127.0.0.1 is a loopback address", "127.0.0.1"],
    ["http://[::1]:PORT/hook", "refused: ::1 is a loopback address", "::1"],
    ["http://[::ffff:127.0.0.1]:PORT/", "refused: ::ffff:7f00:1 is a loopback address (IPv4-mapped 127.0.0.1)", "::ffff:7f00:1"],
    ["http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is the cloud metadata service address", "169.254.169.254"],
    ["https://10.0.0.5/", "refused: 10.0.0.5 is a private address", "10.0.0.5"],
  ])("%s", async (template, message, address) => {
    const url = template.replace("PORT", String(rec.port));
    await expect(egressRequest(url, { body: "{}" }, STRICT)).rejects.toMatchObject({ code: "FORBIDDEN", message, details: { reason: "ssrf", address } });
    await expect(resolveTarget(url, STRICT)).rejects.toMatchObject({ code: "FORBIDDEN", message });
    expect(rec.connections).toBe(0);
  });

  test("an allow-list for another network does not help", async () => {
    await expect(egressRequest(`http://localhost:${rec.port}/`, {}, egressPolicy(["10.0.0.0/8", "other.internal"]))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(resolveHost("localhost", egressPolicy(["10.0.0.0/8"]))).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(rec.connections).toBe(0);
    expect(rec.requests).toEqual([]);
  });

  test.each([
    ["ftp://example.com/x", "only http and https URLs may be called, not ftp"],
    ["file:///etc/passwd", "only http and https URLs may be called, not file"],
    ["gopher://localhost:70/", "only http and https URLs may be called, not gopher"],
    ["not a url", "not a valid URL: not a url"],
  ])("%s is a bad request", async (url, message) => {
    await expect(egressRequest(url, {}, LOOPBACK)).rejects.toMatchObject({ code: "BAD_REQUEST", message });
  });
});

describe("allowed destinations", () => {
  let rec: Receiver;
  beforeAll(async () => void (rec = await startReceiver()));
  afterAll(() => rec.close());

  test("a private name on the allow-list is reached at the checked address, with its own Host header", async () => {
    expect(await resolveTarget(`http://localhost:${rec.port}/x`, LOOPBACK)).toEqual({ url: new URL(`http://localhost:${rec.port}/x`), address: "127.0.0.1", family: 4 });
    const res = await egressRequest(`http://localhost:${rec.port}/hook?a=1`, { method: "PUT", headers: { "x-test": "yes" }, body: '{"n":1}' }, LOOPBACK);
    expect(res).toMatchObject({ status: 200, body: '{"status":"200"}', truncated: false, headers: { "content-type": "application/json" } });
    const [req] = await rec.waitFor(1);
    expect(req).toMatchObject({ method: "PUT", path: "/hook?a=1", body: '{"n":1}', json: { n: 1 } });
    expect(req!.headers).toMatchObject({ host: `localhost:${rec.port}`, "x-test": "yes", "content-length": "7" });
  });

  test("Bun's node:http connects where `lookup` says, not where DNS would (what pinning relies on)", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const lookup: LookupFunction = (_h, o, cb) => (o.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4));
      const req = httpRequest({ hostname: "pulse-test.invalid", port: rec.port, path: "/pinned", agent: false, lookup }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(rec.requests.at(-1)).toMatchObject({ path: "/pinned", headers: { host: `pulse-test.invalid:${rec.port}` } });
  });

  test("an allowed host name, and an allowed CIDR matching an IPv4-mapped address", async () => {
    expect(await resolveHost("localhost", egressPolicy(["LocalHost"]))).toEqual({ address: "127.0.0.1", family: 4 });
    expect((await resolveTarget("http://[::ffff:127.0.0.1]/", LOOPBACK)).address).toBe("::ffff:7f00:1");
    expect(await resolveHost("2130706433", LOOPBACK)).toEqual({ address: "127.0.0.1", family: 4 });
  });

  test("redirects are returned, not followed", async () => {
    await using other = await startReceiver();
    rec.respondWith(302, { headers: { location: `${other.url}/stolen` }, body: "" });
    const res = await egressRequest(`${rec.url}/`, {}, LOOPBACK);
    expect(res).toMatchObject({ status: 302, body: "", headers: { location: `${other.url}/stolen` } });
    expect(other.connections).toBe(0);
  });

  test("the response body is read up to the cap and no further", async () => {
    const small = egressPolicy(["127.0.0.0/8"], { maxResponseBytes: 1_000 });
    rec.respondWith(200, { body: "x".repeat(200_000) });
    expect(await egressRequest(`${rec.url}/`, {}, small)).toMatchObject({ status: 200, body: "x".repeat(1_000), truncated: true });
    rec.respondWith(200, { body: "y".repeat(1_000) });
    expect(await egressRequest(`${rec.url}/`, {}, small)).toMatchObject({ body: "y".repeat(1_000), truncated: false });
  });

  test("no answer within the timeout is UNAVAILABLE", async () => {
    rec.respondWith(200, { delayMs: 3_000 });
    const started = Date.now();
    await expect(egressRequest(`http://localhost:${rec.port}/`, {}, egressPolicy(["127.0.0.0/8"], { timeoutMs: 300 }))).rejects.toMatchObject({
      code: "UNAVAILABLE",
      message: "localhost did not answer within 300 ms",
    });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  test("a body that stops arriving is cut off by the same timeout", async () => {
    const stall = createServer((_req, res) => res.writeHead(200).write("partial"));
    await new Promise<void>((r) => stall.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(stall.address() as AddressInfo).port}/`;
      await expect(egressRequest(url, {}, egressPolicy(["127.0.0.1"], { timeoutMs: 300 }))).rejects.toMatchObject({ code: "UNAVAILABLE" });
    } finally {
      stall.closeAllConnections();
      stall.close();
    }
  });

  test("a refused connection is UNAVAILABLE", async () => {
    await rec.down();
    try {
      await expect(egressRequest(`http://localhost:${rec.port}/`, {}, LOOPBACK)).rejects.toMatchObject({ code: "UNAVAILABLE", message: "cannot reach localhost: ECONNREFUSED" });
    } finally {
      await rec.up();
    }
  });
});

// A certificate for DNS:localhost only, valid 2020-2120, made for this test (never trusted elsewhere).
const CERT = `-----BEGIN CERTIFICATE-----
MIIBgDCCASagAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlsb2NhbGhv
c3QwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
CWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABK69mTb+HVKV7vDZ
MY7oogCIP64sGDx636M0u/5Sc4GroSp+246/sXpQ0c0UO2AAGixkK4TlD+W7LUqd
rO0iwhyjZzBlMAwGA1UdEwEB/wQCMAAwFAYDVR0RBA0wC4IJbG9jYWxob3N0MAsG
A1UdDwQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcDATAdBgNVHQ4EFgQUGaT87FNO
fpOzhqrkAyDpDhkAnlswCgYIKoZIzj0EAwIDSAAwRQIhAI0GMWGap4uMKYOzQ9gW
wgBECcxVNQhmc2+YqqetUW8GAiA5AdmAMdcn5BN9e1ufTpFNP/dAU3CIihMJpqhq
RLFK0g==
-----END CERTIFICATE-----`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgCXERk/+OUMy/FUad
sw1dz13008jPQD4GElQmbfwxUfShRANCAASuvZk2/h1Sle7w2TGO6KIAiD+uLBg8
et+jNLv+UnOBq6EqftuOv7F6UNHNFDtgABosZCuE5Q/luy1KnaztIsIc
-----END PRIVATE KEY-----`;

describe("https to a pinned address still verifies the certificate for the host name", () => {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: { cert: CERT, key: KEY }, fetch: (req) => new Response(`host=${req.headers.get("host")}`) });
  const defaults = tls.getCACertificates("default");
  afterAll(() => {
    tls.setDefaultCACertificates(defaults);
    server.stop(true);
  });

  test("an untrusted certificate is refused", async () => {
    await expect(egressRequest(`https://localhost:${server.port}/`, {}, LOOPBACK)).rejects.toMatchObject({ code: "UNAVAILABLE" });
  });

  test("trusted for localhost: reached by name, refused by address (the name is what is verified)", async () => {
    tls.setDefaultCACertificates([...defaults, CERT]);
    expect(await egressRequest(`https://localhost:${server.port}/`, {}, LOOPBACK)).toMatchObject({ status: 200, body: `host=localhost:${server.port}` });
    await expect(egressRequest(`https://127.0.0.1:${server.port}/`, {}, LOOPBACK)).rejects.toMatchObject({
      code: "UNAVAILABLE",
      message: "cannot reach 127.0.0.1: ERR_TLS_CERT_ALTNAME_INVALID",
    });
  });
});
