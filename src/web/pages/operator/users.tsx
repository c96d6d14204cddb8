/**
 * Users (/operator/users): every tenant's users and the operators, filtered by tenant, role and
 * text (in the URL); operator admins create tenant users or operators, change roles, reset
 * passwords, disable and delete.
 */
import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ROLES, TENANT_ROLES, type Role } from "../../../identity/schema";
import { CreateUserBody, UpdateUserBody } from "../../../http/api/bodies/users";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { blanksToUndefined, useForm } from "../../lib/form";
import { useUrlState } from "../../lib/url-state";
import { Button, SearchInput, SelectField, TextField } from "../../ui/controls";
import { Modal, PageHeader } from "../../ui/layout";
import { DataTable, Pagination } from "../../ui/table";
import { toast } from "../../ui/toast";
import { rolesFor, type CreatedUser, type User } from "../admin/user-model";
import { EditUserModal, PasswordOnce, ResetPasswordModal, RolesPicker, useInvalidateUsers, UserRowActions, userColumns } from "../admin/user-parts";
import { TenantFilter, useTenantOptions } from "./tenant-filter";

const BASE = "/api/v1/operator/users";
const LIMIT = 50;
type Shown = { email: string; password: string; note?: string } | null;

export default function OperatorUsersPage() {
  const { me } = useAuth();
  const admin = canWrite(me);
  const [f, setF] = useUrlState({ tenant: "", role: "", q: "", offset: "0" });
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const [shown, setShown] = useState<Shown>(null);
  const offset = Number(f.offset) || 0;
  const query = { tenantId: f.tenant || undefined, role: f.role || undefined, search: f.q.trim() || undefined, limit: LIMIT, offset };
  const list = useQuery({ queryKey: ["users", "operator", query], queryFn: () => api.get<Page<User>>(BASE, query), placeholderData: keepPreviousData });
  const columns = userColumns({
    tenant: true,
    me: me?.subject,
    actions: admin ? (u) => <UserRowActions user={u} base={BASE} me={me?.subject} onEdit={() => setEditing(u)} onReset={() => setResetting(u)} /> : undefined,
  });
  const filtered = !!(f.tenant || f.role || f.q);
  return (
    <>
      <PageHeader
        title="Users"
        subtitle="Users of every tenant, and the platform's operators."
        actions={admin ? <Button variant="primary" onClick={() => setCreating(true)}>New user</Button> : null}
      />
      <div className="toolbar">
        <SearchInput label="Search users" placeholder="Search email or name" value={f.q} onChange={(q) => setF({ q, offset: null })} />
        <TenantFilter value={f.tenant} onChange={(tenant) => setF({ tenant, offset: null })} />
        <SelectField label="Role" value={f.role} options={[{ value: "", label: "Any role" }, ...ROLES]} onChange={(role) => setF({ role, offset: null })} />
      </div>
      <DataTable
        query={list}
        rows={list.data?.items}
        columns={columns}
        rowKey={(u) => u.userId}
        caption="Users"
        empty={filtered ? "No user matches these filters. Clear the search or pick another tenant or role." : "No users yet. Use “New user” to create one."}
      />
      {list.data ? <Pagination total={list.data.total} limit={LIMIT} offset={offset} onChange={(o) => setF({ offset: String(o) }, true)} /> : null}
      <Modal open={creating} title="New user" onClose={() => setCreating(false)}>
        {creating ? <CreateUserForm initialTenant={f.tenant} onClose={() => setCreating(false)} onCreated={(u) => u.generatedPassword && setShown({ email: u.email, password: u.generatedPassword })} /> : null}
      </Modal>
      <EditUserModal user={editing} base={BASE} allowed={rolesFor(editing?.tenantId ?? null)} schema={UpdateUserBody} me={me?.subject} onClose={() => setEditing(null)} />
      <ResetPasswordModal user={resetting} base={BASE} onClose={() => setResetting(null)} onGenerated={setShown} />
      <PasswordOnce shown={shown} onClose={() => setShown(null)} />
    </>
  );
}

type Kind = "tenant" | "operator";

function CreateUserForm({ initialTenant, onClose, onCreated }: { initialTenant: string; onClose: () => void; onCreated: (u: CreatedUser) => void }) {
  const invalidate = useInvalidateUsers();
  const tenants = useTenantOptions();
  const form = useForm(
    { kind: "tenant" as Kind, tenantId: initialTenant, email: "", displayName: "", roles: ["customer"] as Role[], password: "" },
    CreateUserBody,
    async (body) => {
      const u = await api.post<CreatedUser>(BASE, body);
      await invalidate();
      toast(`${u.email} created`);
      onClose();
      onCreated(u);
    },
    // An operator has no tenant; a tenant user with none picked fails on tenantId, not on roles.
    ({ kind, ...v }) => ({ ...blanksToUndefined(v), tenantId: kind === "operator" ? null : v.tenantId }),
  );
  const { values: v, errors: e, set } = form;
  const setKind = (k: string) => {
    set("kind", k as Kind);
    set("roles", k === "operator" ? ["operator"] : ["customer"]);
  };
  const options = [{ value: "", label: "Pick a tenant" }, ...(tenants.data?.items ?? []).filter((t) => t.status !== "DELETED").map((t) => ({ value: t.tenantId, label: `${t.name} (${t.tenantId})` }))];
  return (
    <form onSubmit={(ev) => void form.submit(ev)} noValidate>
      <SelectField label="Kind of user" value={v.kind} onChange={setKind} options={[{ value: "tenant", label: "Tenant user (customer, tenant-admin)" }, { value: "operator", label: "Platform operator" }]} />
      {v.kind === "tenant" ? <SelectField label="Tenant" value={v.tenantId} onChange={(x) => set("tenantId", x)} options={options} error={e.tenantId} /> : null}
      <TextField label="Email" type="email" autoComplete="off" value={v.email} onChange={(x) => set("email", x)} error={e.email} />
      <TextField label="Display name" value={v.displayName} onChange={(x) => set("displayName", x)} error={e.displayName} />
      <RolesPicker allowed={v.kind === "operator" ? rolesFor(null) : TENANT_ROLES} value={v.roles} onChange={(r) => set("roles", r)} error={e.tenantId ? undefined : e.roles} />
      <TextField label="Password" type="password" autoComplete="new-password" value={v.password} onChange={(x) => set("password", x)} error={e.password} hint="Leave empty to have Pulse generate one; it is shown once." />
      {form.formError && !Object.keys(e).length ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onClose}>Cancel</Button>
        <Button type="submit" variant="primary" busy={form.busy}>Create user</Button>
      </div>
    </form>
  );
}
