/**
 * A tenant's own users, managed by its tenant admins, and the tenant's profile. Users rows are
 * tenant rows (RLS); their sign-in sessions are platform rows, ended as the worker role once
 * the tenant's change has committed.
 */
import { z } from "zod";
import { asWorker } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import * as users from "../../../identity/users";
import { route } from "../../api/route";
import { Deleted, page, PageQuery } from "../../api/schemas";
import * as tenants from "../../../tenants/queries";
import { emailTaken, guardSelf, ResetResult, User, UserParams, userNotFound, WithPassword } from "../operator/users";
import { TenantWithStats } from "../operator/tenants";
import { CreateTenantUserBody, ResetBody, TenantRole, UpdateTenantUserBody } from "../../api/bodies/users";
import { ProfileFields } from "../../api/bodies/tenants";

export const customerUserRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/users",
    summary: "List the tenant's users (tenant admins only)",
    tag: "users",
    access: "tenant-write",
    query: PageQuery.extend({ role: TenantRole.optional(), search: z.string().trim().min(1).max(200).optional() }),
    response: page(User),
    handler: async ({ tenant, query }) => ({ ...(await tenant((tx) => users.listUsers(tx, query))), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/users",
    summary: "Create a user in the tenant (customer or tenant-admin); without a password one is generated and returned once",
    tag: "users",
    access: "tenant-write",
    body: CreateTenantUserBody,
    example: { email: "viewer@acme.example", displayName: "Viewer", roles: ["customer"] },
    response: WithPassword,
    status: 201,
    handler: async ({ tenant, tenantId, body, audit }) =>
      tenant(async (tx) => {
        const { user, generatedPassword } = await users.createLocalUser(tx, { ...body, tenantId });
        await audit(tx, { action: "user.created", entityType: "user", entityId: user.userId, details: { email: user.email, roles: user.roles } });
        return { ...user, generatedPassword };
      }).catch(emailTaken(body.email)),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/users/:userId",
    summary: "Get a user of the tenant",
    tag: "users",
    access: "tenant-write",
    params: UserParams,
    response: User,
    handler: async ({ tenant, params }) => (await tenant((tx) => users.userById(tx, params.userId))) ?? Promise.reject(userNotFound(params.userId)),
  }),
  route({
    method: "patch",
    path: "/api/v1/customer/users/:userId",
    summary: "Change a user's name, roles or status (disabling ends their sessions)",
    tag: "users",
    access: "tenant-write",
    params: UserParams,
    body: UpdateTenantUserBody,
    example: { roles: ["customer", "tenant-admin"] },
    response: User,
    handler: async ({ tenant, params, body, principal, audit, deps }) => {
      const user = await tenant(async (tx) => {
        if (!(await users.userById(tx, params.userId))) throw userNotFound(params.userId);
        guardSelf(principal, params.userId, "tenant-admin", body);
        const updated = (await users.updateUser(tx, params.userId, body))!;
        await audit(tx, { action: "user.updated", entityType: "user", entityId: params.userId, details: { fields: Object.keys(body), ...(body.roles ? { roles: body.roles } : {}), ...(body.status ? { status: body.status } : {}) } });
        return updated;
      });
      if (body.status === "DISABLED") await asWorker(deps.sql, (tx) => users.revokeSessions(tx, params.userId));
      return user;
    },
  }),
  route({
    method: "post",
    path: "/api/v1/customer/users/:userId/reset-password",
    summary: "Set a user's password (generated and returned once when none is given); ends their sessions",
    tag: "users",
    access: "tenant-write",
    params: UserParams,
    body: ResetBody,
    example: {},
    response: ResetResult,
    handler: async ({ tenant, params, body, audit, deps }) => {
      const r = await tenant(async (tx) => {
        const reset = await users.resetPassword(tx, params.userId, body?.password);
        if (!reset) throw userNotFound(params.userId);
        await audit(tx, { action: "user.password_reset", entityType: "user", entityId: params.userId, details: { generated: reset.generatedPassword !== undefined } });
        return reset;
      });
      const sessionsRevoked = await asWorker(deps.sql, (tx) => users.revokeSessions(tx, params.userId));
      return { userId: r.user.userId, email: r.user.email, generatedPassword: r.generatedPassword, sessionsRevoked };
    },
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/users/:userId",
    summary: "Delete a user of the tenant (their sessions end with them)",
    tag: "users",
    access: "tenant-write",
    params: UserParams,
    response: Deleted,
    handler: async ({ tenant, params, principal, audit }) =>
      tenant(async (tx) => {
        const user = await users.userById(tx, params.userId);
        if (!user) throw userNotFound(params.userId);
        guardSelf(principal, params.userId, "tenant-admin", { delete: true });
        await users.deleteUser(tx, params.userId);
        await audit(tx, { action: "user.deleted", entityType: "user", entityId: params.userId, details: { email: user.email } });
        return { deleted: true as const };
      }),
  }),
  route({
    method: "get",
    path: "/api/v1/customer/organization",
    summary: "The caller's tenant: its profile and how many devices, sites and users it has",
    tag: "organization",
    access: "tenant-read",
    response: TenantWithStats,
    handler: async ({ tenant, tenantId }) => (await tenant((tx) => tenants.getTenant(tx, tenantId))) ?? Promise.reject(new PulseError("NOT_FOUND", `tenant ${tenantId} not found`)),
  }),
  route({
    method: "put",
    path: "/api/v1/customer/organization",
    summary: "Change the tenant's profile (fields left out keep their value)",
    tag: "organization",
    access: "tenant-write",
    body: ProfileFields,
    example: { name: "Acme Corp", contactEmail: "ops@acme.example", legalName: "Acme Corporation B.V.", country: "NL" },
    response: TenantWithStats,
    handler: async ({ tenant, tenantId, body, audit }) =>
      tenant(async (tx) => {
        const updated = await tenants.updateTenant(tx, tenantId, body);
        await audit(tx, { action: "organization.updated", entityType: "tenant", entityId: tenantId, details: { fields: Object.keys(body) } });
        return updated!;
      }),
  }),
];
