/**
 * Users & roles (/users): the tenant's users (tenant admins create, change roles, disable,
 * reset passwords, delete), what each role may do, and the organization profile.
 */
import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { TENANT_ROLES } from "../../../identity/schema";
import { CreateTenantUserBody, UpdateTenantUserBody } from "../../../http/api/bodies/users";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { blanksToUndefined, useForm } from "../../lib/form";
import { useUrlState } from "../../lib/url-state";
import { Button, SearchInput, SelectField, TextField } from "../../ui/controls";
import { Card, Modal, PageHeader } from "../../ui/layout";
import { DataTable, Pagination } from "../../ui/table";
import { toast } from "../../ui/toast";
import { OrganizationCard } from "./organization";
import { TENANT_ROLE_MATRIX, type CreatedUser, type User } from "./user-model";
import { EditUserModal, PasswordOnce, ResetPasswordModal, RolesPicker, useInvalidateUsers, UserRowActions, userColumns } from "./user-parts";

const BASE = "/api/v1/customer/users";
const LIMIT = 50;
type Shown = { email: string; password: string; note?: string } | null;

export default function UsersPage() {
  const { me } = useAuth();
  const admin = canWrite(me);
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<Shown>(null);
  return (
    <>
      <PageHeader
        title="Users & roles"
        subtitle="Who can sign in to this organization, and what they may do."
        actions={admin ? <Button variant="primary" onClick={() => setCreating(true)}>New user</Button> : null}
      />
      <div className="stack">
        {admin ? <UserList onShow={setShown} /> : (
          <Card title="Users">
            <p className="muted">Only tenant admins see and manage users. Ask one of your tenant admins to add a colleague or change your roles.</p>
          </Card>
        )}
        <div className="grid-2">
          <RolesCard />
          <OrganizationCard />
        </div>
      </div>
      <Modal open={creating} title="New user" onClose={() => setCreating(false)}>
        {creating ? <CreateUserForm onClose={() => setCreating(false)} onCreated={(u) => u.generatedPassword && setShown({ email: u.email, password: u.generatedPassword })} /> : null}
      </Modal>
      <PasswordOnce shown={shown} onClose={() => setShown(null)} />
    </>
  );
}

function UserList({ onShow }: { onShow: (s: Shown) => void }) {
  const { me } = useAuth();
  const [f, setF] = useUrlState({ q: "", role: "", offset: "0" });
  const [editing, setEditing] = useState<User | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const offset = Number(f.offset) || 0;
  const query = { search: f.q.trim() || undefined, role: f.role || undefined, limit: LIMIT, offset };
  const list = useQuery({ queryKey: ["users", "tenant", query], queryFn: () => api.get<Page<User>>(BASE, query), placeholderData: keepPreviousData });
  const filtered = !!(query.search || query.role);
  const columns = userColumns({ me: me?.subject, actions: (u) => <UserRowActions user={u} base={BASE} me={me?.subject} onEdit={() => setEditing(u)} onReset={() => setResetting(u)} /> });
  return (
    <Card title="Users">
      <div className="toolbar">
        <SearchInput label="Search users" placeholder="Search email or name" value={f.q} onChange={(q) => setF({ q, offset: null })} />
        <SelectField label="Role" value={f.role} onChange={(role) => setF({ role, offset: null })} options={[{ value: "", label: "Any role" }, ...TENANT_ROLES]} />
      </div>
      <DataTable
        query={list}
        rows={list.data?.items}
        columns={columns}
        rowKey={(u) => u.userId}
        caption="Users of this organization"
        empty={filtered ? "No user matches these filters. Clear the search or pick another role." : "No users yet. Use “New user” to invite a colleague."}
      />
      {list.data ? <Pagination total={list.data.total} limit={LIMIT} offset={offset} onChange={(o) => setF({ offset: String(o) }, true)} /> : null}
      <EditUserModal user={editing} base={BASE} allowed={TENANT_ROLES} schema={UpdateTenantUserBody} me={me?.subject} onClose={() => setEditing(null)} />
      <ResetPasswordModal user={resetting} base={BASE} onClose={() => setResetting(null)} onGenerated={onShow} />
    </Card>
  );
}

function CreateUserForm({ onClose, onCreated }: { onClose: () => void; onCreated: (u: CreatedUser) => void }) {
  const invalidate = useInvalidateUsers();
  const form = useForm(
    { email: "", displayName: "", roles: ["customer"] as User["roles"], password: "" },
    CreateTenantUserBody,
    async (body) => {
      const u = await api.post<CreatedUser>(BASE, body);
      await invalidate();
      toast(`${u.email} created`);
      onClose();
      onCreated(u);
    },
    blanksToUndefined,
  );
  const { values: v, errors: e, set } = form;
  return (
    <form onSubmit={(ev) => void form.submit(ev)} noValidate>
      <TextField label="Email" type="email" autoComplete="off" autoFocus value={v.email} onChange={(x) => set("email", x)} error={e.email} />
      <TextField label="Display name" value={v.displayName} onChange={(x) => set("displayName", x)} error={e.displayName} />
      <RolesPicker allowed={TENANT_ROLES} value={v.roles} onChange={(r) => set("roles", r)} error={e.roles} />
      <TextField label="Password" type="password" autoComplete="new-password" value={v.password} onChange={(x) => set("password", x)} error={e.password} hint="Leave empty to have Pulse generate one; it is shown once." />
      {form.formError && !Object.keys(e).length ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onClose}>Cancel</Button>
        <Button type="submit" variant="primary" busy={form.busy}>Create user</Button>
      </div>
    </form>
  );
}

function RolesCard() {
  const yes = <span className="admin-yes" aria-label="yes">✓</span>;
  const no = <span className="admin-no" aria-label="no">—</span>;
  return (
    <Card title="What each role may do">
      <div className="table-wrap">
        <table className="table">
          <caption className="sr-only">Permissions of the customer and tenant-admin roles</caption>
          <thead>
            <tr>
              <th scope="col">Permission</th>
              <th scope="col" className="admin-center">customer</th>
              <th scope="col" className="admin-center">tenant-admin</th>
            </tr>
          </thead>
          <tbody>
            {TENANT_ROLE_MATRIX.map((r) => (
              <tr key={r.what}>
                <td>{r.what}</td>
                <td className="admin-center">{r.customer ? yes : no}</td>
                <td className="admin-center">{r.admin ? yes : no}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted admin-note">A user may hold both roles. Admins cannot disable, delete or demote themselves.</p>
    </Card>
  );
}
