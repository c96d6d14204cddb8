import { describe, expect, test } from "bun:test";
import { errorAt, fromScope, parseList, plainErrors, scopeText, toScope } from "./scope";

describe("scope drafts", () => {
  test("free-text lists split on commas, trimmed, blanks and repeats dropped", () => {
    expect(parseList(" a, b,,c ,a,")).toEqual(["a", "b", "c"]);
    expect(parseList("  ")).toEqual([]);
  });

  test("only lists that name something reach the API; none means every device", () => {
    expect(toScope({ siteIds: [], groupIds: [], templateIds: [], tags: " , ", deviceIds: "" })).toEqual({});
    expect(toScope({ siteIds: ["s1"], groupIds: [], templateIds: ["t1"], tags: "freezer, demo", deviceIds: "d-1" })).toEqual({
      siteIds: ["s1"],
      templateIds: ["t1"],
      tags: ["freezer", "demo"],
      deviceIds: ["d-1"],
    });
  });

  test("a stored scope round-trips through the draft", () => {
    const scope = { siteIds: ["s1"], groupIds: ["g1", "g2"], tags: ["a", "b"], deviceIds: ["d1"] };
    expect(fromScope(scope)).toEqual({ siteIds: ["s1"], groupIds: ["g1", "g2"], templateIds: [], tags: "a, b", deviceIds: "d1" });
    expect(toScope(fromScope(scope))).toEqual(scope);
    expect(fromScope(null)).toEqual({ siteIds: [], groupIds: [], templateIds: [], tags: "", deviceIds: "" });
  });
});

describe("scopeText", () => {
  test("names what it can, ids otherwise", () => {
    expect(scopeText({})).toBe("every device");
    expect(scopeText({ siteIds: ["s1", "s9"], tags: ["freezer"] }, { sites: [{ id: "s1", name: "Berlin" }] })).toBe("sites Berlin, s9 · tag freezer");
    expect(scopeText({ deviceIds: ["d1"], groupIds: ["g"] }, { groups: [{ id: "g", name: "Cold rooms" }] })).toBe("group Cold rooms · device d1");
  });
});

describe("plainErrors", () => {
  test("rewords zod's stock messages, keeps the rest", () => {
    expect(plainErrors({ a: "Invalid input: expected number, received NaN", b: "Too small: expected string to have >=1 characters", c: "expected a tag" })).toEqual({ a: "enter a number", b: "required", c: "expected a tag" });
  });
});

describe("errorAt", () => {
  test("finds an error on the field or on one of its items", () => {
    const errors = { "scope.tags.1": "expected a tag", name: "required" };
    expect(errorAt(errors, "scope.tags")).toBe("expected a tag");
    expect(errorAt(errors, "name")).toBe("required");
    expect(errorAt(errors, "scope.siteIds")).toBeUndefined();
    expect(errorAt(errors, "scope.tag")).toBeUndefined();
  });
});
