import { describe, expect, test } from "bun:test";
import { CreateTenantUserBody, CreateUserBody, ResetBody, UpdateTenantUserBody } from "../../../http/api/bodies/users";
import { rolesFor, rowActions, toggleRole, userLabel } from "./user-model";

const ME = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";

describe("row actions mirror the API's self-protection", () => {
  test("an admin's own row offers no disable or delete and keeps the admin role locked", () => {
    expect(rowActions({ userId: ME, tenantId: "acme", roles: ["tenant-admin", "customer"] }, ME)).toEqual({ self: true, toggleStatus: false, delete: false, lockedRoles: ["tenant-admin"] });
    expect(rowActions({ userId: ME, tenantId: null, roles: ["operator-admin"] }, ME)).toEqual({ self: true, toggleStatus: false, delete: false, lockedRoles: ["operator-admin"] });
  });

  test("anyone else's row offers everything", () => {
    expect(rowActions({ userId: OTHER, tenantId: "acme", roles: ["tenant-admin"] }, ME)).toEqual({ self: false, toggleStatus: true, delete: true, lockedRoles: [] });
    expect(rowActions({ userId: OTHER, tenantId: "acme", roles: ["customer"] }, null).self).toBe(false);
  });
});

test("roles: tenant users hold tenant roles, operators operator roles; toggling never duplicates", () => {
  expect(rolesFor("acme")).toEqual(["customer", "tenant-admin"]);
  expect(rolesFor(null)).toEqual(["operator", "operator-admin"]);
  expect(toggleRole(["customer"], "customer", true)).toEqual(["customer"]);
  expect(toggleRole(["customer"], "tenant-admin", true)).toEqual(["customer", "tenant-admin"]);
  expect(toggleRole(["customer", "tenant-admin"], "customer", false)).toEqual(["tenant-admin"]);
  expect(userLabel({ email: "a@b.c", displayName: null })).toBe("a@b.c");
  expect(userLabel({ email: "a@b.c", displayName: "Ann" })).toBe("Ann <a@b.c>");
});

describe("the forms validate with the API's body schemas", () => {
  const issues = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => (r.error?.issues ?? []).map((i) => [i.path.join("."), i.message]);

  test("a new tenant user: bad email, no role, short password each on their own field", () => {
    const r = CreateTenantUserBody.safeParse({ email: "nope", roles: [], password: "short" });
    expect(issues(r)).toEqual([
      ["email", "expected an email address"],
      ["roles", "Too small: expected array to have >=1 items"],
      ["password", "a password has at least 10 characters"],
    ]);
    expect(CreateTenantUserBody.safeParse({ email: "a@b.c", roles: ["operator"] }).success).toBe(false);
    expect(CreateTenantUserBody.parse({ email: " a@b.c ", roles: ["customer", "customer"] })).toEqual({ email: "a@b.c", roles: ["customer"] });
  });

  test("an operator-created user: roles must fit having a tenant or not", () => {
    expect(issues(CreateUserBody.safeParse({ email: "a@b.c", roles: ["tenant-admin"], tenantId: null }))).toEqual([
      ["roles", "a user without a tenant is an operator and may hold only operator or operator-admin, not tenant-admin"],
    ]);
    expect(issues(CreateUserBody.safeParse({ email: "a@b.c", roles: ["customer"], tenantId: "" }))[0]?.[0]).toBe("tenantId");
    expect(CreateUserBody.safeParse({ email: "a@b.c", roles: ["operator"], tenantId: null }).success).toBe(true);
  });

  test("edits clear the name with null; a reset without a password asks for a generated one", () => {
    expect(UpdateTenantUserBody.parse({ displayName: null, roles: ["customer"] })).toEqual({ displayName: null, roles: ["customer"] });
    expect(ResetBody.parse({})).toEqual({});
    expect(issues(ResetBody.safeParse({ password: "x" }))).toEqual([["password", "a password has at least 10 characters"]]);
  });
});
