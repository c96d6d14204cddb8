import { describe, expect, test } from "bun:test";
import { NewSite, SitePatch } from "../../../http/api/bodies/devices";
import { newSiteBody, SITE_FORM, sitePatchBody, slug, toSiteForm } from "./site-form";

const messages = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  Object.fromEntries((r.error?.issues ?? []).map((i) => [i.path.join("."), i.message]));

describe("site form", () => {
  test("a site id is derived from the name", () => {
    expect(slug("Lyon plant #2")).toBe("lyon-plant-2");
    expect(slug("  Zürich Süd  ")).toBe("zurich-sud");
    expect(slug("---")).toBe("");
    expect(slug("x".repeat(80)).length).toBe(64);
  });

  test("a new site sends only what was filled in, and NewSite accepts it", () => {
    const body = newSiteBody({ ...SITE_FORM, siteId: "plant-1", name: "Plant 1", lat: "52.1", lng: " 4.3 ", timezone: "Europe/Amsterdam" });
    expect(body).toEqual({ siteId: "plant-1", name: "Plant 1", lat: 52.1, lng: 4.3, timezone: "Europe/Amsterdam" });
    expect(NewSite.safeParse(body).success).toBe(true);
  });

  test("bad input gets field errors from the API's schema", () => {
    const r = NewSite.safeParse(newSiteBody({ ...SITE_FORM, siteId: "bad id", name: " ", lat: "north", lng: "4", timezone: "Mars/Base" }));
    expect(Object.keys(messages(r)).sort()).toEqual(["lat", "name", "siteId", "timezone"]);
    const half = NewSite.safeParse(newSiteBody({ ...SITE_FORM, siteId: "a", name: "A", lat: "1" }));
    expect(messages(half)).toEqual({ lat: "lat and lng go together" });
  });

  test("an edit sends every field; cleared address and location become null", () => {
    const form = toSiteForm({ siteId: "p", name: "P", address: "Main St 1", lat: 1, lng: 2, timezone: "UTC" });
    expect(form).toEqual({ siteId: "p", name: "P", address: "Main St 1", lat: "1", lng: "2", timezone: "UTC" });
    const body = sitePatchBody({ ...form, address: " ", lat: "", lng: "" });
    expect(body).toEqual({ name: "P", address: null, lat: null, lng: null, timezone: "UTC" });
    expect(SitePatch.safeParse(body).success).toBe(true);
  });
});
