import { describe, expect, test } from "bun:test";
import { GroupMembers, GroupPatch, NewGroup } from "../../../http/api/bodies/devices";
import { describeFilter, GROUP_FORM, groupFieldErrors, groupPatchBody, newGroupBody, splitIds, toGroupForm } from "./group-form";

const SITE = "plant-1";
const paths = (r: { error?: { issues: { path: PropertyKey[] }[] } }) => (r.error?.issues ?? []).map((i) => i.path.join("."));

describe("group form", () => {
  test("a static group lists its devices, however they were separated", () => {
    expect(splitIds("a, b\nc;a  d")).toEqual(["a", "b", "c", "d"]);
    const body = newGroupBody({ ...GROUP_FORM, name: "Pumps", deviceIds: "pump-1 pump-2" });
    expect(body).toEqual({ kind: "static", name: "Pumps", deviceIds: ["pump-1", "pump-2"] });
    expect(NewGroup.safeParse(body).success).toBe(true);
    expect(newGroupBody({ ...GROUP_FORM, name: "Empty" })).toEqual({ kind: "static", name: "Empty" });
  });

  test("a dynamic group carries only the chosen filter fields, which DeviceFilter accepts", () => {
    const v = { ...GROUP_FORM, kind: "dynamic" as const, name: "Cold rooms", description: " Walk-in ", connectivity: ["ONLINE", "STALE"], siteId: SITE, tag: "cold-room, north" };
    const body = newGroupBody(v);
    expect(body).toEqual({ kind: "dynamic", name: "Cold rooms", description: "Walk-in", filter: { connectivity: ["ONLINE", "STALE"], siteId: [SITE], tag: ["cold-room", "north"] } });
    const r = NewGroup.safeParse(body);
    expect(r.success).toBe(true);
    expect(newGroupBody({ ...GROUP_FORM, kind: "dynamic", name: "All" })).toEqual({ kind: "dynamic", name: "All", filter: {} });
  });

  test("bad input is refused field by field", () => {
    expect(paths(NewGroup.safeParse(newGroupBody({ ...GROUP_FORM, name: "  ", deviceIds: "ok bad/id" })))).toEqual(["name", "deviceIds.1"]);
    expect(paths(NewGroup.safeParse(newGroupBody({ ...GROUP_FORM, kind: "dynamic", name: "x", siteId: "bad site" })))).toEqual(["filter.siteId.0"]);
    expect(paths(GroupMembers.safeParse({ deviceIds: splitIds("") }))).toEqual(["deviceIds"]);
    // Where the form shows them (server paths arrive the same way, "body." removed).
    expect(groupFieldErrors({ "filter.siteId.0": "bad", "deviceIds.1": "bad id", name: "empty", "filter.tag": "x" })).toEqual({ siteId: "bad", deviceIds: "bad id", name: "empty", tag: "x" });
  });

  test("editing round-trips a stored filter and clears a description", () => {
    const stored = { kind: "dynamic" as const, name: "Cold", description: "x", filter: { connectivity: ["STALE"], siteId: [SITE, "b"], tag: ["t"], search: "pump", includeDecommissioned: true } };
    const form = toGroupForm(stored);
    expect(form).toMatchObject({ connectivity: ["STALE"], siteId: `${SITE},b`, tag: "t", search: "pump", includeDecommissioned: true });
    const body = groupPatchBody({ ...form, description: "" });
    expect(body).toEqual({ name: "Cold", description: null, filter: { connectivity: ["STALE"], siteId: [SITE, "b"], tag: ["t"], search: "pump", includeDecommissioned: true } });
    expect(GroupPatch.safeParse(body).success).toBe(true);
    // A static group's edit has no filter (the API refuses one).
    expect(groupPatchBody(toGroupForm({ kind: "static", name: "S", description: null, filter: null }))).toEqual({ name: "S", description: null });
  });

  test("a filter reads as a sentence, with names for ids", () => {
    expect(describeFilter({ connectivity: ["STALE", "OFFLINE"], siteId: [SITE], tag: ["a", "b"] }, { sites: new Map([[SITE, "Berlin"]]) })).toBe("connectivity stale or offline · site Berlin · tags a and b");
    expect(describeFilter({})).toBe("every device");
    expect(describeFilter(null)).toBe("");
  });
});
