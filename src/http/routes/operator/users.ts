/**
 * Users of every tenant, and operators, managed by operators. Local users sign in with a
 * password; when none is given one is generated and returned once. Disabling a user or
 * resetting their password ends their sign-in sessions.
 */
import { z } from "zod";
import { asWorker } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import type { Principal } from "../../../identity/principal";
import { ROLES, rolesMismatch, type Role } from "../../../identity/schema";
import * as users from "../../../identity/users";
import { route, type ApiDeps } from "../../api/route";
import { Deleted, page, PageQuery, TenantId, Timestamp, Uuid } from "../../api/schemas";
import { CreateUserBody, ResetBody, UpdateUserBody } from "../../api/bodies/users";
import { getTenant } from "../../../tenants/queries";

export const User = z.object({
  userId: Uuid,
  tenantId: TenantId.nullable(),
  email: z.string(),
  displayName: z.string().nullable(),
  roles: z.array(z.enum(ROLES)),
  status: z.enum(["ACTIVE", "DISABLED"]),
  lastLoginAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
/** Present only when Pulse generated the password: shown this once, never again. */
export const WithPassword = User.extend({ generatedPassword: z.string().optional() });
export const ResetResult = z.object({ userId: Uuid, email: z.string(), generatedPassword: z.string().optional(), sessionsRevoked: z.number().int() });

export const UserParams = z.object({ userId: Uuid });
export const userNotFound = (userId: string) => new PulseError("NOT_FOUND", `user ${userId} not found`);

/** The only conflict creating a user can meet (as the transaction ends, database errors become PulseErrors). */
export const emailTaken = (email: string) => (err: unknown): never => {
  throw err instanceof PulseError && err.code === "CONFLICT" ? new PulseError("CONFLICT", `a user with email ${email} already exists`) : err;
};

/** An admin may not lock themselves out: no disabling, deleting or demoting their own account. */
export function guardSelf(principal: Principal | null, userId: string, adminRole: Role, change: { roles?: Role[]; status?: string; delete?: boolean }): void {
  if (principal?.subject !== userId) return;
  if (change.delete) throw new PulseError("CONFLICT", "you cannot delete your own user");
  if (change.status === "DISABLED") throw new PulseError("CONFLICT", "you cannot disable your own user");
  if (change.roles && !change.roles.includes(adminRole)) throw new PulseError("CONFLICT", `you cannot remove your own ${adminRole} role`);
}

const badRoles = (message: string) => new PulseError("BAD_REQUEST", `invalid body: body.roles: ${message}`, { errors: [{ path: "body.roles", message }] });

/** The tenant a user belongs to, so the operator audit row names it (null: an operator, or no such user). */
const tenantOfUser = async (deps: ApiDeps, userId: string) => (await asWorker(deps.sql, (tx) => users.userById(tx, userId)))?.tenantId ?? null;

export const operatorUserRoutes = [
  route({
    method: "get",
    path: "/api/v1/operator/users",
    summary: "List users of every tenant and the operators",
    tag: "operator",
    access: "operator-read",
    query: PageQuery.extend({ tenantId: TenantId.optional(), role: z.enum(ROLES).optional(), search: z.string().trim().min(1).max(200).optional() }),
    response: page(User),
    handler: async ({ operator, query }) => ({ ...(await operator("user.list", query.tenantId ?? null, (tx) => users.listUsers(tx, query))), limit: query.limit, offset: query.offset }),
  }),
  route({
    method: "post",
    path: "/api/v1/operator/users",
    summary: "Create a local user: of a tenant (customer, tenant-admin) or an operator (no tenantId; operator, operator-admin)",
    tag: "operator",
    access: "operator-write",
    body: CreateUserBody,
    example: { email: "jane@acme.example", displayName: "Jane", roles: ["tenant-admin"], tenantId: "acme" },
    response: WithPassword,
    status: 201,
    handler: async ({ operator, body }) =>
      operator("user.create", body.tenantId ?? null, async (tx) => {
        if (body.tenantId) {
          const tenant = await getTenant(tx, body.tenantId);
          if (!tenant || tenant.status === "DELETED") {
            const message = `tenant ${body.tenantId} does not exist`;
            throw new PulseError("BAD_REQUEST", `invalid body: body.tenantId: ${message}`, { errors: [{ path: "body.tenantId", message }] });
          }
        }
        const { user, generatedPassword } = await users.createLocalUser(tx, { ...body, tenantId: body.tenantId ?? null });
        return { ...user, generatedPassword };
      }).catch(emailTaken(body.email)),
  }),
  route({
    method: "get",
    path: "/api/v1/operator/users/:userId",
    summary: "Get a user",
    tag: "operator",
    access: "operator-read",
    params: UserParams,
    response: User,
    handler: async ({ operator, params, deps }) =>
      (await operator("user.read", await tenantOfUser(deps, params.userId), (tx) => users.userById(tx, params.userId))) ?? Promise.reject(userNotFound(params.userId)),
  }),
  route({
    method: "patch",
    path: "/api/v1/operator/users/:userId",
    summary: "Change a user's name, roles or status (disabling ends their sessions)",
    tag: "operator",
    access: "operator-write",
    params: UserParams,
    body: UpdateUserBody,
    example: { status: "DISABLED" },
    response: User,
    handler: async ({ operator, params, body, principal, deps }) =>
      operator("user.update", await tenantOfUser(deps, params.userId), async (tx) => {
        const current = await users.userById(tx, params.userId);
        if (!current) throw userNotFound(params.userId);
        const mismatch = body.roles && rolesMismatch(body.roles, current.tenantId);
        if (mismatch) throw badRoles(mismatch);
        guardSelf(principal, params.userId, "operator-admin", body);
        const user = (await users.updateUser(tx, params.userId, body))!;
        if (body.status === "DISABLED") await users.revokeSessions(tx, params.userId);
        return user;
      }),
  }),
  route({
    method: "post",
    path: "/api/v1/operator/users/:userId/reset-password",
    summary: "Set a user's password (generated and returned once when none is given); ends their sessions",
    tag: "operator",
    access: "operator-write",
    params: UserParams,
    body: ResetBody,
    example: {},
    response: ResetResult,
    handler: async ({ operator, params, body, deps }) =>
      operator("user.reset_password", await tenantOfUser(deps, params.userId), async (tx) => {
        const r = await users.resetPassword(tx, params.userId, body?.password);
        if (!r) throw userNotFound(params.userId);
        return { userId: r.user.userId, email: r.user.email, generatedPassword: r.generatedPassword, sessionsRevoked: await users.revokeSessions(tx, params.userId) };
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/operator/users/:userId",
    summary: "Delete a user (their sessions end with them)",
    tag: "operator",
    access: "operator-write",
    params: UserParams,
    response: Deleted,
    handler: async ({ operator, params, principal, deps }) => {
      guardSelf(principal, params.userId, "operator-admin", { delete: true });
      const gone = await operator("user.delete", await tenantOfUser(deps, params.userId), (tx) => users.deleteUser(tx, params.userId));
      if (!gone) throw userNotFound(params.userId);
      return { deleted: true as const };
    },
  }),
];
