import { describe, expect, test } from "bun:test";
import { DEFAULT_LIMITS, parseEnvelope, withoutToken } from "./envelope";

const NOW = Date.parse("2026-11-27T12:00:00Z");
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
const parse = (v: unknown, tenant = "acme") => parseEnvelope(bytes(v), tenant, NOW);
const reasonOf = (v: unknown) => {
  const r = parse(v);
  return r.ok ? "ok" : r.rejection.reason;
};

describe("envelope v1", () => {
  test("a full envelope is accepted as sent", () => {
    const r = parse({
      version: "1", ts: "2026-11-27T11:59:58.123Z", site_id: "site-1", seq: 42, tenant_id: "acme",
      metrics: { temp_c: 21.5, door_open: true, mode: "cool" }, provision_token: "pt_x", lat: 52.1, lng: 4.3,
    });
    expect(r).toEqual({
      ok: true,
      envelope: {
        ts: new Date("2026-11-27T11:59:58.123Z"), siteId: "site-1", seq: 42,
        metrics: { temp_c: 21.5, door_open: true, mode: "cool" }, token: "pt_x", lat: 52.1, lng: 4.3,
      },
    });
  });

  test("a bare heartbeat is accepted; ts without a zone is UTC; latitude/longitude are synonyms", () => {
    expect(parse({})).toEqual({ ok: true, envelope: { ts: null, siteId: null, seq: null, metrics: {}, token: null, lat: null, lng: null } });
    const r = parse({ ts: "2026-11-27T11:00:00", latitude: 1, longitude: 2 });
    expect(r.ok && r.envelope.ts?.toISOString()).toBe("2026-11-27T11:00:00.000Z");
    expect(r.ok && [r.envelope.lat, r.envelope.lng]).toEqual([1, 2]);
  });

  test("every way of being wrong has its own reason", () => {
    expect(reasonOf("{not json")).toBe("INVALID_JSON");
    expect(parseEnvelope(new Uint8Array([0x7b, 0xff, 0x7d]), "acme", NOW).ok).toBe(false); // invalid UTF-8
    expect(reasonOf([1, 2])).toBe("INVALID_ENVELOPE");
    expect(reasonOf("42")).toBe("INVALID_ENVELOPE");
    expect(reasonOf({ version: "2" })).toBe("UNSUPPORTED_ENVELOPE_VERSION");
    expect(reasonOf({ tenant_id: "globex" })).toBe("TENANT_MISMATCH_TOPIC_VS_PAYLOAD");
    expect(reasonOf({ ts: 1764244800 })).toBe("INVALID_TIMESTAMP");
    expect(reasonOf({ ts: "yesterday" })).toBe("INVALID_TIMESTAMP");
    expect(reasonOf({ ts: "2026-11-27T12:10:00Z" })).toBe("TS_IN_FUTURE");
    expect(reasonOf({ ts: "2099-01-01T00:00:00Z" })).toBe("TS_IN_FUTURE");
    expect(reasonOf({ ts: "2020-01-01T00:00:00Z" })).toBe("TS_TOO_OLD");
    expect(reasonOf({ site_id: "a/b" })).toBe("INVALID_ENVELOPE");
    expect(reasonOf({ seq: -1 })).toBe("INVALID_ENVELOPE");
    expect(reasonOf({ seq: 1.5 })).toBe("INVALID_ENVELOPE");
    expect(reasonOf({ provision_token: 7 })).toBe("INVALID_ENVELOPE");
    expect(reasonOf({ metrics: [1] })).toBe("INVALID_ENVELOPE");
    expect(reasonOf({ metrics: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`m${i}`, i])) })).toBe("TOO_MANY_METRICS");
    expect(reasonOf({ metrics: { ["k".repeat(129)]: 1 } })).toBe("METRIC_KEY_TOO_LONG");
    expect(reasonOf({ metrics: { "a\nb": 1 } })).toBe("METRIC_KEY_INVALID");
    expect(reasonOf({ metrics: { "": 1 } })).toBe("METRIC_KEY_INVALID");
    expect(reasonOf({ metrics: { nested: { a: 1 } } })).toBe("METRIC_VALUE_INVALID");
    expect(reasonOf({ metrics: { list: [1] } })).toBe("METRIC_VALUE_INVALID");
    expect(reasonOf({ metrics: { n: null } })).toBe("METRIC_VALUE_INVALID");
    expect(reasonOf('{"metrics":{"huge":1e400}}')).toBe("METRIC_VALUE_INVALID"); // parses to Infinity
    expect(reasonOf({ metrics: { s: "x".repeat(1025) } })).toBe("METRIC_VALUE_INVALID");
    expect(reasonOf({ lat: 91, lng: 0 })).toBe("INVALID_ENVELOPE");
    expect(reasonOf({ lat: 1 })).toBe("INVALID_ENVELOPE");
  });

  test("a metric named like a field of the result is just a metric", () => {
    expect(parse({ metrics: { reason: "x", detail: 1 } })).toMatchObject({ ok: true, envelope: { metrics: { reason: "x", detail: 1 } } });
  });

  test("size is checked before anything is parsed", () => {
    const big = bytes({ metrics: { s: "x".repeat(DEFAULT_LIMITS.maxBytes) } });
    expect(parseEnvelope(big, "acme", NOW)).toEqual({
      ok: false,
      rejection: { reason: "PAYLOAD_TOO_LARGE", detail: `${big.length} bytes, at most ${DEFAULT_LIMITS.maxBytes}` },
    });
  });
});

test("quarantined payloads keep everything but the provision token", () => {
  const withToken = bytes({ site_id: "s", provision_token: "pt_secret", metrics: { a: 1 } });
  const kept = new TextDecoder().decode(withoutToken(withToken));
  expect(JSON.parse(kept)).toEqual({ site_id: "s", provision_token: "[redacted]", metrics: { a: 1 } });
  const plain = bytes('{"a": 1,  "b":2}');
  expect(withoutToken(plain)).toBe(plain);
  const broken = bytes('{"provision_token": "pt_x", "metrics": {'); // cut off: blanked textually
  expect(new TextDecoder().decode(withoutToken(broken))).toBe('{"provision_token": "[redacted]", "metrics": {');
});
