import { describe, expect, test } from "bun:test";
import { detailsPreview, fromLocalInput, operatorAuditQuery, rangeBounds, splitList, tenantAuditQuery, toLocalInput } from "./audit-query";

const NOW = Date.parse("2026-11-27T12:00:00.000Z");
const none = { range: "", from: "", to: "" };

describe("audit filters → API query", () => {
  test("relative ranges start that long before now and have no end", () => {
    expect(rangeBounds({ ...none, range: "1h" }, NOW)).toEqual({ from: "2026-11-27T11:00:00.000Z" });
    expect(rangeBounds({ ...none, range: "7d" }, NOW)).toEqual({ from: "2026-11-20T12:00:00.000Z" });
    expect(rangeBounds(none, NOW)).toEqual({});
  });

  test("a custom range passes its ISO bounds through; stale bounds of another range are ignored", () => {
    expect(rangeBounds({ range: "custom", from: "2026-11-01T00:00:00.000Z", to: "" }, NOW)).toEqual({ from: "2026-11-01T00:00:00.000Z", to: undefined });
    expect(rangeBounds({ range: "24h", from: "2020-01-01T00:00:00.000Z", to: "2020-01-02T00:00:00.000Z" }, NOW)).toEqual({ from: "2026-11-26T12:00:00.000Z" });
  });

  test("the tenant query: actions split on commas or spaces, blanks left out, offset kept sane", () => {
    expect(tenantAuditQuery({ action: " user.created, user.deleted  device.created", entityType: " user ", actor: "u-1", range: "", from: "", to: "", offset: "100" }, NOW)).toEqual({
      limit: 50,
      offset: 100,
      action: ["user.created", "user.deleted", "device.created"],
      entityType: "user",
      actorId: "u-1",
    });
    expect(tenantAuditQuery({ action: "", entityType: "  ", actor: "", range: "", from: "", to: "", offset: "-3" }, NOW)).toEqual({ limit: 50, offset: 0, action: undefined, entityType: undefined, actorId: undefined });
    expect(tenantAuditQuery({ action: "", entityType: "", actor: "", range: "", from: "", to: "", offset: "junk" }, NOW).offset).toBe(0);
  });

  test("the operator query names the tenant and the actor", () => {
    expect(operatorAuditQuery({ actor: " op-1 ", tenant: "acme", range: "1h", from: "", to: "", offset: "0" }, NOW)).toEqual({
      limit: 50,
      offset: 0,
      actorId: "op-1",
      tenantId: "acme",
      from: "2026-11-27T11:00:00.000Z",
    });
  });

  test("splitList leaves an empty filter out", () => {
    expect(splitList(" , ")).toBeUndefined();
    expect(splitList("a")).toEqual(["a"]);
  });
});

describe("datetime-local inputs", () => {
  test("round-trip through the browser's zone to the minute", () => {
    const iso = "2026-03-29T01:30:00.000Z";
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(toLocalInput(iso)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
  });

  test("empty or invalid values become empty, not an Invalid Date", () => {
    expect(toLocalInput("")).toBe("");
    expect(toLocalInput("not a time")).toBe("");
    expect(fromLocalInput("")).toBe("");
    expect(fromLocalInput("2026-13-45T99:99")).toBe("");
  });
});

describe("detailsPreview", () => {
  test("key: value pairs, JSON for non-strings, cut with an ellipsis", () => {
    expect(detailsPreview({ email: "a@b.c", roles: ["customer"] })).toBe('email: a@b.c, roles: ["customer"]');
    expect(detailsPreview({})).toBe("");
    const long = detailsPreview({ text: "x".repeat(500) }, 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith("…")).toBe(true);
  });
});
