import { describe, expect, test } from "bun:test";
import {
  alertsQuery,
  bars,
  busColumns,
  deviceRef,
  devicesQuery,
  groupRoles,
  humanize,
  localToIso,
  metricRows,
  normalizeReason,
  PAGE_SIZE,
  parseDeviceRef,
  quarantineQuery,
  rulesQuery,
  scopeText,
  type RoleInstance,
} from "./model";

const inst = (role: string, id: string, up: boolean, lastSeenAt: string): RoleInstance => ({ role, instanceId: id, host: "h", pid: 1, version: "1.0.0", startedAt: "2026-01-01T00:00:00Z", lastSeenAt, up });

describe("groupRoles", () => {
  test("groups by role in the architecture's order, unknown roles after by name, down instances first", () => {
    const groups = groupRoles([
      inst("zeta", "z1", true, "2026-01-01T00:00:05Z"),
      inst("ingest", "i1", true, "2026-01-01T00:00:01Z"),
      inst("serve", "s1", true, "2026-01-01T00:00:01Z"),
      inst("ingest", "i2", false, "2026-01-01T00:00:00Z"),
      inst("ingest", "i3", true, "2026-01-01T00:00:09Z"),
      inst("alpha", "a1", false, "2026-01-01T00:00:00Z"),
    ]);
    expect(groups.map((g) => [g.role, g.up, g.down, g.instances.map((i) => i.instanceId)])).toEqual([
      ["serve", 1, 0, ["s1"]],
      ["ingest", 2, 1, ["i2", "i3", "i1"]],
      ["alpha", 0, 1, ["a1"]],
      ["zeta", 1, 0, ["z1"]],
    ]);
  });
  test("no instances, no groups", () => expect(groupRoles([])).toEqual([]));
});

describe("busColumns", () => {
  test("counts beyond pending, in first-seen order, including ones a failed stream reports as null", () => {
    expect(
      busColumns([
        { stream: "TELEMETRY", pending: null, inFlight: null, error: "timeout" },
        { stream: "ROUTES", pending: 3, inFlight: 1, redelivered: 2, error: null, note: "x" },
      ]),
    ).toEqual(["inFlight", "redelivered"]);
  });
  test("humanize reads camelCase and snake_case", () => {
    expect([humanize("inFlight"), humanize("ack_pending")]).toEqual(["in flight", "ack pending"]);
  });
});

describe("bars", () => {
  test("sums per key, largest first, widths against the largest, ties by name, top n", () => {
    const rows = [
      { k: "RATE_LIMITED", n: 10 },
      { k: "INVALID_JSON", n: 5 },
      { k: "RATE_LIMITED", n: 30 },
      { k: "A_TIE", n: 5 },
      { k: "TINY", n: 0.1 },
    ];
    expect(bars(rows, (r) => r.k, (r) => r.n)).toEqual([
      { key: "RATE_LIMITED", count: 40, width: 100 },
      { key: "A_TIE", count: 5, width: 13 },
      { key: "INVALID_JSON", count: 5, width: 13 },
      { key: "TINY", count: 0.1, width: 1 },
    ]);
    expect(bars(rows, (r) => r.k, (r) => r.n, 1).map((b) => b.key)).toEqual(["RATE_LIMITED"]);
  });
  test("all zero draws no bar", () => expect(bars([{ k: "a", n: 0 }], (r) => r.k, (r) => r.n)).toEqual([{ key: "a", count: 0, width: 0 }]));
});

describe("list queries from URL state", () => {
  test("devices: blanks dropped by withQuery, decommissioned only without a status, bad offsets are 0", () => {
    expect(devicesQuery({ tenant: "acme", q: "  pump ", status: "", connectivity: "OFFLINE", decommissioned: "1", offset: "100" })).toEqual({
      tenantId: "acme", search: "pump", status: "", connectivity: "OFFLINE", includeDecommissioned: "true", limit: PAGE_SIZE, offset: 100,
    });
    expect(devicesQuery({ tenant: "", q: "", status: "ACTIVE", connectivity: "", decommissioned: "1", offset: "-5" })).toMatchObject({ status: "ACTIVE", includeDecommissioned: undefined, offset: 0 });
    expect(devicesQuery({ tenant: "", q: "", status: "", connectivity: "", decommissioned: "", offset: "x" }).offset).toBe(0);
  });
  test("alerts: live means open or acknowledged, all means no status filter", () => {
    expect(alertsQuery({ tenant: "t1", status: "live", severity: "4", type: "THRESHOLD", offset: "0" })).toEqual({ tenantId: "t1", status: "OPEN,ACKNOWLEDGED", minSeverity: "4", type: "THRESHOLD", limit: PAGE_SIZE, offset: 0 });
    expect(alertsQuery({ tenant: "", status: "all", severity: "", type: "", offset: "50" })).toMatchObject({ status: undefined, offset: 50 });
    expect(alertsQuery({ tenant: "", status: "CLOSED", severity: "", type: "", offset: "0" }).status).toBe("CLOSED");
  });
  test("rules", () => {
    expect(rulesQuery({ tenant: "t1", enabled: "false", ruleType: "window", offset: "0" })).toEqual({ tenantId: "t1", enabled: "false", type: "window", limit: PAGE_SIZE, offset: 0 });
  });
});

describe("quarantineQuery", () => {
  const now = Date.parse("2026-03-01T12:00:00Z");
  const base = { tenant: "", reason: "", range: "24h", from: "", to: "", offset: "0" };
  test("a preset range ends now", () => {
    expect(quarantineQuery(base, now)).toEqual({ query: { tenantId: "", reason: "", from: "2026-02-28T12:00:00.000Z", to: undefined, limit: PAGE_SIZE, offset: 0 }, errors: null });
    expect(quarantineQuery({ ...base, range: "all" }, now).query).toMatchObject({ from: undefined, to: undefined });
  });
  test("reasons typed loosely become codes; ones that cannot be are field errors", () => {
    expect(quarantineQuery({ ...base, reason: " rate limited" }, now).query).toMatchObject({ reason: "RATE_LIMITED" });
    expect(normalizeReason("invalid-json")).toBe("INVALID_JSON");
    expect(quarantineQuery({ ...base, reason: "1bad" }, now)).toEqual({ query: null, errors: { reason: "expected a reason code such as RATE_LIMITED" } });
  });
  test("a custom range takes local wall times, and must run forward", () => {
    const r = quarantineQuery({ ...base, range: "custom", from: "2026-02-01T08:00", to: "2026-02-02T08:00" }, now);
    expect(r.query).toMatchObject({ from: new Date("2026-02-01T08:00").toISOString(), to: new Date("2026-02-02T08:00").toISOString() });
    expect(quarantineQuery({ ...base, range: "custom", from: "2026-02-02T08:00", to: "2026-02-01T08:00" }, now).errors).toEqual({ to: "must be after the start" });
    expect(quarantineQuery({ ...base, range: "custom", from: "yesterday" }, now).errors).toEqual({ from: "expected a date and time" });
    expect(quarantineQuery({ ...base, range: "custom" }, now).query).toMatchObject({ from: undefined, to: undefined });
  });
  test("localToIso: blank is absent, garbage is null", () => {
    expect(localToIso("")).toBeUndefined();
    expect(localToIso("nope")).toBeNull();
  });
});

describe("device refs, metrics and scopes", () => {
  test("a device key round-trips through one URL parameter, device ids with ':' included", () => {
    expect(parseDeviceRef(deviceRef("acme", "gw:01-a"))).toEqual({ tenantId: "acme", deviceId: "gw:01-a" });
    expect([parseDeviceRef(""), parseDeviceRef("acme/"), parseDeviceRef("/dev")]).toEqual([null, null, null]);
  });
  test("latest metrics read both the stored {v,t} and the live {value,time} shapes, sorted by key", () => {
    expect(metricRows({ temp: { v: 21.5, t: "2026-01-01T00:00:00Z" }, door: { value: true, time: "2026-01-01T00:00:01Z" }, raw: 3 })).toEqual([
      { key: "door", value: true, time: "2026-01-01T00:00:01Z" },
      { key: "raw", value: 3, time: null },
      { key: "temp", value: 21.5, time: "2026-01-01T00:00:00Z" },
    ]);
  });
  test("scopeText counts each list, singular or plural", () => {
    expect(scopeText({})).toBe("every device");
    expect(scopeText({ siteIds: ["a", "b"], tags: ["x"], deviceIds: [], groupIds: ["g"] })).toBe("2 sites, 1 tag, 1 group");
  });
});
