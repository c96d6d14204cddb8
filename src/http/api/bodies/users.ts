/**
 * Request bodies of the user routes (customer and operator), pure zod so the console validates
 * its forms with the very rules the API applies. No server imports: this file enters the browser.
 */
import { z } from "zod";
import { MIN_PASSWORD_LENGTH, ROLES, rolesMismatch, TENANT_ROLES, type Role } from "../../../identity/schema";
import { TenantId } from "../schemas";

export const Email = z.string().trim().max(320).regex(/^[^@\s]+@[^@\s]+$/, { error: "expected an email address" });
export const Password = z.string().min(MIN_PASSWORD_LENGTH, { error: `a password has at least ${MIN_PASSWORD_LENGTH} characters` }).max(1024);
export const DisplayName = z.string().trim().min(1).max(200);
export const rolesOf = <T extends z.ZodType<Role>>(role: T) => z.array(role).min(1).max(ROLES.length).transform((r) => [...new Set(r)]);

export const TenantRole = z.enum(TENANT_ROLES, { error: `expected ${TENANT_ROLES.join(" or ")}` });
export const AnyRole = z.enum(ROLES);
export const UserStatus = z.enum(["ACTIVE", "DISABLED"]);

/** POST …/reset-password: the new password, or none to have one generated. */
export const ResetBody = z.object({ password: Password.optional() }).optional();

/** POST /api/v1/customer/users: a user of the caller's tenant. */
export const CreateTenantUserBody = z.object({ email: Email, displayName: DisplayName.optional(), roles: rolesOf(TenantRole), password: Password.optional() });
/** PATCH /api/v1/customer/users/:userId */
export const UpdateTenantUserBody = z.object({ displayName: DisplayName.nullable().optional(), roles: rolesOf(TenantRole).optional(), status: UserStatus.optional() });

/** POST /api/v1/operator/users: a tenant user (customer, tenant-admin) or, without tenantId, an operator. */
export const CreateUserBody = z
  .object({ email: Email, displayName: DisplayName.optional(), roles: rolesOf(AnyRole), tenantId: TenantId.nullable().optional(), password: Password.optional() })
  .superRefine((b, ctx) => {
    const mismatch = rolesMismatch(b.roles, b.tenantId ?? null);
    if (mismatch) ctx.addIssue({ code: "custom", path: ["roles"], message: mismatch });
  });
/** PATCH /api/v1/operator/users/:userId (whether the roles fit the user's tenant is checked against the stored user). */
export const UpdateUserBody = z.object({ displayName: DisplayName.nullable().optional(), roles: rolesOf(AnyRole).optional(), status: UserStatus.optional() });
