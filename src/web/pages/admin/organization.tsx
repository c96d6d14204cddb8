/** The tenant's organization profile (GET/PUT /api/v1/customer/organization) as a card; tenant admins edit it. */
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ProfileFields } from "../../../http/api/bodies/tenants";
import { api } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { dateTime } from "../../lib/format";
import { Button } from "../../ui/controls";
import { Card, KeyValue } from "../../ui/layout";
import { StatusBadge } from "../../ui/badges";
import { QueryView } from "../../ui/table";
import { toast } from "../../ui/toast";
import { TenantProfileForm } from "../operator/tenant-form";
import { profileOf, type Tenant } from "../operator/tenant-model";

export function OrganizationCard() {
  const { me } = useAuth();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const org = useQuery({ queryKey: ["organization"], queryFn: () => api.get<Tenant>("/api/v1/customer/organization") });
  const edit = canWrite(me) && org.data && !editing ? <Button onClick={() => setEditing(true)}>Edit profile</Button> : null;
  return (
    <Card title="Organization" actions={edit}>
      <QueryView query={org}>
        {(t) =>
          editing ? (
            <TenantProfileForm
              mode="organization"
              schema={ProfileFields}
              initial={profileOf(t)}
              onCancel={() => setEditing(false)}
              onSubmit={async (body) => {
                qc.setQueryData(["organization"], await api.put<Tenant>("/api/v1/customer/organization", body));
                await qc.invalidateQueries({ queryKey: ["audit"] });
                setEditing(false);
                toast("Organization profile saved");
              }}
            />
          ) : (
            <KeyValue
              items={[
                ["Name", t.name],
                ["Tenant ID", <span className="mono">{t.tenantId}</span>],
                ["Status", <StatusBadge status={t.status} />],
                ["Contact email", t.contactEmail],
                ["Legal name", t.legalName],
                ["Industry", t.industry],
                ["Country", t.country],
                ["Data region", t.dataRegion],
                ["Devices · sites · users", `${t.stats.devices} · ${t.stats.sites} · ${t.stats.users}`],
                ["Created", dateTime(t.createdAt)],
              ]}
            />
          )
        }
      </QueryView>
    </Card>
  );
}
