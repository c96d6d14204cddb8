/**
 * Request bodies of the tenant routes (operator tenants, customer organization), pure zod so the
 * console validates its forms with the API's own rules. No server imports: this file enters the browser.
 */
import { z } from "zod";
import { TenantId } from "../schemas";

export const TENANT_STATUSES = ["ACTIVE", "SUSPENDED", "DELETED"] as const;

/** What a tenant's profile holds; tenant admins edit the same fields (without dataRegion) on /customer/organization. */
export const ProfileFields = z.object({
  name: z.string().trim().min(1).max(200),
  contactEmail: z.email({ error: "expected an email address" }).max(320).nullable().optional(),
  legalName: z.string().max(300).nullable().optional(),
  industry: z.string().max(100).nullable().optional(),
  country: z.string().regex(/^[A-Z]{2}$/, { error: "expected an ISO 3166-1 alpha-2 country code such as NL" }).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export const TenantFields = ProfileFields.extend({ dataRegion: z.string().max(64).nullable().optional() });

/** POST /api/v1/operator/tenants */
export const CreateTenantBody = TenantFields.extend({ tenantId: TenantId });
/** PATCH /api/v1/operator/tenants/:tenantId: profile changes, suspend (SUSPENDED) or reactivate (ACTIVE). */
export const UpdateTenantBody = TenantFields.partial().extend({ status: z.enum(["ACTIVE", "SUSPENDED"]).optional() });
