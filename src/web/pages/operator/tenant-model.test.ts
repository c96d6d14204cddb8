import { describe, expect, test } from "bun:test";
import { CreateTenantBody, ProfileFields, UpdateTenantBody } from "../../../http/api/bodies/tenants";
import { emptyProfile, profileBody, profileOf, total, type Tenant } from "./tenant-model";

const TENANT: Tenant = {
  tenantId: "acme",
  name: "Acme",
  status: "ACTIVE",
  contactEmail: "ops@acme.example",
  legalName: null,
  industry: null,
  country: "NL",
  dataRegion: "eu-west",
  metadata: {},
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
  deletedAt: null,
  stats: { devices: 1, sites: 2, users: 3 },
};

describe("profile form → request body", () => {
  test("create leaves blank fields out, sends the tenant id and upper-cases the country", () => {
    const body = profileBody({ ...emptyProfile(), tenantId: "acme-web", name: "Acme Web", country: "nl " }, "create");
    expect(body).toEqual({ tenantId: "acme-web", name: "Acme Web", country: "NL" });
    expect(CreateTenantBody.parse(body)).toEqual({ tenantId: "acme-web", name: "Acme Web", country: "NL" });
  });

  test("edit clears blanked fields with null and never sends the tenant id", () => {
    const body = profileBody({ ...profileOf(TENANT), contactEmail: "", dataRegion: "" }, "edit");
    expect(body).toEqual({ name: "Acme", contactEmail: null, legalName: null, industry: null, country: "NL", dataRegion: null });
    expect(UpdateTenantBody.parse(body)).toEqual(body);
  });

  test("the organization (tenant admins) has no data region", () => {
    const body = profileBody(profileOf(TENANT), "organization");
    expect(body).not.toHaveProperty("dataRegion");
    expect(ProfileFields.parse(body)).toEqual({ name: "Acme", contactEmail: "ops@acme.example", legalName: null, industry: null, country: "NL" });
  });

  test("bad input fails on the field it belongs to, with the API's words", () => {
    const r = CreateTenantBody.safeParse(profileBody({ ...emptyProfile(), tenantId: "Bad Id", name: " ", contactEmail: "x", country: "Netherlands" }, "create"));
    expect(r.success).toBe(false);
    expect(Object.fromEntries(r.error!.issues.map((i) => [i.path.join("."), i.message]))).toEqual({
      tenantId: "expected a tenant id: lowercase letters, digits, '_' or '-', up to 63",
      name: "Too small: expected string to have >=1 characters",
      contactEmail: "expected an email address",
      country: "expected an ISO 3166-1 alpha-2 country code such as NL",
    });
  });
});

test("total sums counts, nothing is zero", () => {
  expect(total({ ACTIVE: 2, INACTIVE: 3 })).toBe(5);
  expect(total(undefined)).toBe(0);
});
