/**
 * Pieces both user pages share (the tenant's Users & roles and the operators' Users): the role
 * picker, the table columns, row actions (edit, reset password, disable/enable, delete) and the
 * dialog that shows a generated password exactly once.
 */
import { useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import type { Role } from "../../../identity/schema";
import { ResetBody } from "../../../http/api/bodies/users";
import { api, errorMessage } from "../../lib/api";
import { useForm } from "../../lib/form";
import { ago, dateTime } from "../../lib/format";
import { Button, Checkbox, ConfirmButton, CopyBlock, TextField } from "../../ui/controls";
import { Modal } from "../../ui/layout";
import { StatusBadge, Tag } from "../../ui/badges";
import { toast } from "../../ui/toast";
import type { Column } from "../../ui/table";
import { ROLE_HELP, rowActions, toggleRole, userLabel, type ResetResult, type User } from "./user-model";

/** After any user change: lists, counts on tenants and the organization, and the audit logs move. */
export function useInvalidateUsers() {
  const qc = useQueryClient();
  return () => Promise.all(["users", "tenants", "tenant", "organization", "audit"].map((k) => qc.invalidateQueries({ queryKey: [k] })));
}

export function RolesPicker({ allowed, value, onChange, error, locked = [] }: { allowed: readonly Role[]; value: Role[]; onChange: (r: Role[]) => void; error?: string; locked?: Role[] }) {
  return (
    <fieldset className={`admin-roles field ${error ? "field-invalid" : ""}`} aria-invalid={!!error || undefined}>
      <legend>Roles</legend>
      {allowed.map((r) => (
        <div key={r} className="admin-role">
          <Checkbox label={<strong>{r}</strong>} checked={value.includes(r)} disabled={locked.includes(r)} onChange={(on) => onChange(toggleRole(value, r, on))} />
          <span className="field-hint">{locked.includes(r) ? "You cannot remove your own admin role." : ROLE_HELP[r]}</span>
        </div>
      ))}
      {error ? <div className="field-error" role="alert">{error}</div> : null}
    </fieldset>
  );
}

export function userColumns(opts: { tenant?: boolean; actions?: (u: User) => ReactNode; me?: string | null }): Column<User>[] {
  const cols: Column<User>[] = [
    { key: "email", header: "Email", cell: (u) => <span className="mono">{u.email}</span> },
    { key: "name", header: "Name", cell: (u) => <>{u.displayName ?? <span className="muted">—</span>}{u.userId === opts.me ? <span className="muted"> (you)</span> : null}</> },
    { key: "roles", header: "Roles", cell: (u) => u.roles.map((r) => <Tag key={r}>{r}</Tag>), className: "admin-tags" },
  ];
  if (opts.tenant) cols.push({ key: "tenant", header: "Tenant", cell: (u) => (u.tenantId ? <span className="mono">{u.tenantId}</span> : <span className="muted">operator</span>), className: "admin-nowrap" });
  cols.push(
    { key: "status", header: "Status", cell: (u) => <StatusBadge status={u.status} /> },
    { key: "login", header: "Last sign-in", cell: (u) => <span title={dateTime(u.lastLoginAt)}>{ago(u.lastLoginAt)}</span>, className: "admin-nowrap" },
  );
  if (opts.actions) cols.push({ key: "actions", header: <span className="sr-only">Actions</span>, cell: opts.actions, className: "admin-actions" });
  return cols;
}

/** Edit, reset password, disable/enable and delete for one row; `base` is the users collection path. */
export function UserRowActions({ user, base, me, onEdit, onReset }: { user: User; base: string; me: string | null | undefined; onEdit: () => void; onReset: () => void }) {
  const invalidate = useInvalidateUsers();
  const [busy, setBusy] = useState(false);
  const can = rowActions(user, me);
  const run = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await what();
      await invalidate();
      toast(done);
    } catch (e) {
      toast(errorMessage(e), "bad");
    } finally {
      setBusy(false);
    }
  };
  const url = `${base}/${user.userId}`;
  const setStatus = (status: User["status"]) => run(() => api.patch(url, { status }), `${user.email} ${status === "DISABLED" ? "disabled; their sessions ended" : "enabled"}`);
  return (
    <div className="row admin-row-actions" aria-label={`Actions for ${user.email}`} role="group">
      <Button variant="ghost" onClick={onEdit}>Edit</Button>
      <Button variant="ghost" onClick={onReset}>Reset password</Button>
      {can.toggleStatus ? (
        user.status === "ACTIVE" ? (
          <ConfirmButton variant="ghost" busy={busy} confirm="Disable this user?" onConfirm={() => void setStatus("DISABLED")}>Disable</ConfirmButton>
        ) : (
          <Button variant="ghost" busy={busy} onClick={() => void setStatus("ACTIVE")}>Enable</Button>
        )
      ) : null}
      {can.delete ? (
        <ConfirmButton busy={busy} confirm="Delete this user?" onConfirm={() => void run(() => api.del(url), `${user.email} deleted`)}>Delete</ConfirmButton>
      ) : null}
    </div>
  );
}

/** The one time a generated password is visible; closing the dialog forgets it. */
export function PasswordOnce({ shown, onClose }: { shown: { email: string; password: string; note?: string } | null; onClose: () => void }) {
  // Mounted only while open, so no hidden dialog named "Password…" lingers in the page.
  if (!shown) return null;
  return (
    <Modal open title="Password shown once" onClose={onClose}>
      <div className="stack">
        <p>
          The password for <strong>{shown.email}</strong>. Copy it now and hand it over securely: Pulse does not store it readably and will not show it again.
        </p>
        <CopyBlock text={shown.password} label="Generated password" />
        {shown.note ? <p className="muted">{shown.note}</p> : null}
        <div className="form-actions">
          <Button variant="primary" onClick={onClose}>Done</Button>
        </div>
      </div>
    </Modal>
  );
}

/** Name and roles of a user; `schema` is the PATCH body of the route at `base`. */
export function EditUserModal<S extends z.ZodType>({ user, base, allowed, schema, me, onClose }: { user: User | null; base: string; allowed: readonly Role[]; schema: S; me: string | null | undefined; onClose: () => void }) {
  if (!user) return null;
  return (
    <Modal open title={`Edit ${user.email}`} onClose={onClose}>
      <EditUserForm key={user.userId} user={user} base={base} allowed={allowed} schema={schema} me={me} onClose={onClose} />
    </Modal>
  );
}

function EditUserForm<S extends z.ZodType>({ user, base, allowed, schema, me, onClose }: { user: User; base: string; allowed: readonly Role[]; schema: S; me: string | null | undefined; onClose: () => void }) {
  const invalidate = useInvalidateUsers();
  const form = useForm(
    { displayName: user.displayName ?? "", roles: user.roles },
    schema,
    async (body) => {
      await api.patch(`${base}/${user.userId}`, body);
      await invalidate();
      toast(`${user.email} updated`);
      onClose();
    },
    (v) => ({ ...v, displayName: v.displayName.trim() === "" ? null : v.displayName }),
  );
  return (
    <form onSubmit={(e) => void form.submit(e)} noValidate>
      <TextField label="Display name" value={form.values.displayName} onChange={(v) => form.set("displayName", v)} error={form.errors.displayName} hint="Leave empty to clear." />
      <RolesPicker allowed={allowed} value={form.values.roles} onChange={(r) => form.set("roles", r)} error={form.errors.roles} locked={rowActions(user, me).lockedRoles} />
      {form.formError && !Object.keys(form.errors).length ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onClose}>Cancel</Button>
        <Button type="submit" variant="primary" busy={form.busy}>Save</Button>
      </div>
    </form>
  );
}

/** Sets a password (or has one generated, then shown once); either way the user's sessions end. */
export function ResetPasswordModal({ user, base, onClose, onGenerated }: { user: User | null; base: string; onClose: () => void; onGenerated: (shown: { email: string; password: string; note?: string }) => void }) {
  if (!user) return null;
  return (
    <Modal open title={`Reset password of ${user.email}`} onClose={onClose}>
      <ResetForm key={user.userId} user={user} base={base} onClose={onClose} onGenerated={onGenerated} />
    </Modal>
  );
}

function ResetForm({ user, base, onClose, onGenerated }: { user: User; base: string; onClose: () => void; onGenerated: (shown: { email: string; password: string; note?: string }) => void }) {
  const invalidate = useInvalidateUsers();
  const [own, setOwn] = useState(false);
  const form = useForm(
    { password: "" },
    ResetBody,
    async (body) => {
      const r = await api.post<ResetResult>(`${base}/${user.userId}/reset-password`, body ?? {});
      await invalidate();
      const ended = `${r.sessionsRevoked} sign-in session${r.sessionsRevoked === 1 ? "" : "s"} ended.`;
      onClose();
      if (r.generatedPassword) onGenerated({ email: r.email, password: r.generatedPassword, note: ended });
      else toast(`Password of ${r.email} set. ${ended}`);
    },
    (v) => (own ? { password: v.password } : {}),
  );
  return (
    <form onSubmit={(e) => void form.submit(e)} noValidate>
      <p>{userLabel(user)} is signed out everywhere and signs in with the new password.</p>
      <Checkbox label="Set the password myself (otherwise Pulse generates one)" checked={own} onChange={setOwn} />
      {own ? <TextField label="New password" type="password" autoComplete="new-password" value={form.values.password} onChange={(v) => form.set("password", v)} error={form.errors.password} /> : null}
      {form.formError && !Object.keys(form.errors).length ? <div className="form-error" role="alert">{form.formError}</div> : null}
      <div className="form-actions">
        <Button variant="ghost" onClick={onClose}>Cancel</Button>
        <Button type="submit" variant="primary" busy={form.busy}>Reset password</Button>
      </div>
    </form>
  );
}
