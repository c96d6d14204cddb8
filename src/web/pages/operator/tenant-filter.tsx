/**
 * The tenant filter every cross-tenant operator list shares: a select of the platform's
 * tenants (deleted ones marked), "All tenants" by default. One cached request for all pages.
 */
import { useQuery } from "@tanstack/react-query";
import { api, type Page } from "../../lib/api";
import { SelectField } from "../../ui/controls";

interface TenantOption {
  tenantId: string;
  name: string;
  status: string;
}

export function useTenantOptions() {
  return useQuery({
    queryKey: ["operator", "tenants", "options"],
    queryFn: () => api.get<Page<TenantOption>>("/api/v1/operator/tenants", { limit: 1000, includeDeleted: true }),
    staleTime: 60_000,
  });
}

export function TenantFilter({ value, onChange, label = "Tenant", emptyLabel = "All tenants" }: { value: string; onChange: (v: string) => void; label?: string; emptyLabel?: string }) {
  const tenants = useTenantOptions();
  const items = tenants.data?.items ?? [];
  const options = [
    { value: "", label: tenants.isError ? `${emptyLabel} (tenant list unavailable)` : emptyLabel },
    ...items.map((t) => ({ value: t.tenantId, label: `${t.name} (${t.tenantId})${t.status === "ACTIVE" ? "" : ` · ${t.status.toLowerCase()}`}` })),
    // A tenant from a shared link that the list does not hold (yet) stays selectable.
    ...(value && !items.some((t) => t.tenantId === value) ? [{ value, label: value }] : []),
  ];
  return <SelectField label={label} value={value} onChange={onChange} options={options} />;
}
