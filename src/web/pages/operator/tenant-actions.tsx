/** Suspend / resume and delete of one tenant, each confirmed first; shared by the tenants list and a tenant's page. */
import { useState } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api, errorMessage } from "../../lib/api";
import { Button, ConfirmButton } from "../../ui/controls";
import { toast } from "../../ui/toast";
import type { Tenant } from "./tenant-model";

/** After a tenant changes: the lists, its page, the tenant pickers of other operator pages, the audit log. */
export const invalidateTenants = (qc: QueryClient) =>
  Promise.all([["tenants"], ["tenant"], ["operator", "tenants"], ["audit"]].map((queryKey) => qc.invalidateQueries({ queryKey })));

export function TenantActions({ tenant, onDeleted, edit }: { tenant: Tenant; onDeleted?: () => void; edit?: () => void }) {
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  if (tenant.status === "DELETED") return <span className="muted">deleted</span>;
  const url = `/api/v1/operator/tenants/${encodeURIComponent(tenant.tenantId)}`;
  const run = async (what: () => Promise<unknown>, done: string, after?: () => void) => {
    setBusy(true);
    try {
      await what();
      await invalidateTenants(qc);
      toast(done);
      after?.();
    } catch (e) {
      toast(errorMessage(e), "bad");
    } finally {
      setBusy(false);
    }
  };
  const id = tenant.tenantId;
  return (
    <div className="row admin-row-actions" role="group" aria-label={`Actions for tenant ${id}`}>
      {edit ? <Button onClick={edit}>Edit</Button> : null}
      {tenant.status === "ACTIVE" ? (
        <ConfirmButton busy={busy} confirm="Suspend? Users and devices are locked out." onConfirm={() => void run(() => api.patch(url, { status: "SUSPENDED" }), `Tenant ${id} suspended`)}>
          Suspend
        </ConfirmButton>
      ) : (
        <ConfirmButton variant="secondary" busy={busy} confirm="Resume this tenant?" onConfirm={() => void run(() => api.patch(url, { status: "ACTIVE" }), `Tenant ${id} resumed`)}>
          Resume
        </ConfirmButton>
      )}
      <ConfirmButton busy={busy} confirm="Delete? It stops working at once." onConfirm={() => void run(() => api.del(url), `Tenant ${id} deleted`, onDeleted)}>
        Delete
      </ConfirmButton>
    </div>
  );
}
