/**
 * Tenants as the console shows them (operators' tenant pages and the tenant's own organization
 * card): wire shapes, and the profile form's values turned into request bodies.
 */

export type TenantStatus = "ACTIVE" | "SUSPENDED" | "DELETED";

export interface Tenant {
  tenantId: string;
  name: string;
  status: TenantStatus;
  contactEmail: string | null;
  legalName: string | null;
  industry: string | null;
  country: string | null;
  dataRegion: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  stats: { devices: number; sites: number; users: number };
}

export interface TenantStats {
  devicesByStatus: Record<string, number>;
  devicesByConnectivity: Record<string, number>;
  sites: number;
  users: number;
  telemetryRows24h: number;
  quarantineEvents24h: number;
  lastTelemetryAt: string | null;
}

export interface PlatformSummary {
  tenantsByStatus: Record<string, number>;
  devices: number;
  devicesByConnectivity: Record<string, number>;
}

/** The profile form: every field a string, as the inputs hold them. */
export interface ProfileValues {
  tenantId: string;
  name: string;
  contactEmail: string;
  legalName: string;
  industry: string;
  country: string;
  dataRegion: string;
}

const OPTIONAL = ["contactEmail", "legalName", "industry", "country", "dataRegion"] as const;

export const emptyProfile = (): ProfileValues => ({ tenantId: "", name: "", contactEmail: "", legalName: "", industry: "", country: "", dataRegion: "" });

export const profileOf = (t: Tenant): ProfileValues => ({
  tenantId: t.tenantId,
  name: t.name,
  contactEmail: t.contactEmail ?? "",
  legalName: t.legalName ?? "",
  industry: t.industry ?? "",
  country: t.country ?? "",
  dataRegion: t.dataRegion ?? "",
});

/**
 * - `create` (POST): blank optional fields are left out;
 * - `edit` (operator PATCH) and `organization` (tenant PUT): blank clears the field (null), since
 *   a left-out field keeps its value. The organization has no dataRegion; only create sends tenantId.
 */
export function profileBody(v: ProfileValues, mode: "create" | "edit" | "organization"): Record<string, unknown> {
  const out: Record<string, unknown> = { name: v.name };
  if (mode === "create") out.tenantId = v.tenantId;
  for (const k of OPTIONAL) {
    if (k === "dataRegion" && mode === "organization") continue;
    const x = v[k].trim();
    if (x) out[k] = k === "country" ? x.toUpperCase() : x;
    else if (mode !== "create") out[k] = null;
  }
  return out;
}

/** Sums a `{ key: count }` record, for "n devices" style totals. */
export const total = (r: Record<string, number> | undefined) => Object.values(r ?? {}).reduce((a, b) => a + b, 0);
