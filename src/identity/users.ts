/** Local and OIDC users: the SQL behind sign-in, the `pulse user` commands and the user APIs. */
import type { Db } from "../platform/db";
import type { Role } from "./principal";

export interface UserRow {
  userId: string;
  tenantId: string | null;
  email: string;
  displayName: string | null;
  roles: Role[];
  status: "ACTIVE" | "DISABLED";
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = "user_id, tenant_id, email, display_name, roles, status, last_login_at, created_at, updated_at";

export async function insertUser(
  db: Db,
  u: { tenantId: string | null; email: string; displayName?: string | null; roles: Role[]; passwordHash?: string | null },
): Promise<UserRow> {
  const [row] = await db<UserRow[]>`
    insert into users (tenant_id, email, display_name, roles, password_hash)
    values (${u.tenantId}, ${u.email}, ${u.displayName ?? null}, ${u.roles}, ${u.passwordHash ?? null})
    returning ${db.unsafe(COLUMNS)}`;
  return row!;
}

export async function userForLogin(db: Db, email: string): Promise<(UserRow & { passwordHash: string | null }) | undefined> {
  const [row] = await db<(UserRow & { passwordHash: string | null })[]>`
    select ${db.unsafe(COLUMNS)}, password_hash from users where lower(email) = lower(${email})`;
  return row;
}

export async function userById(db: Db, userId: string): Promise<UserRow | undefined> {
  const [row] = await db<UserRow[]>`select ${db.unsafe(COLUMNS)} from users where user_id = ${userId}`;
  return row;
}

export async function listUsers(db: Db, f: { tenantId?: string | null; limit: number; offset: number }): Promise<{ items: UserRow[]; total: number }> {
  const rows = await db<(UserRow & { total: number })[]>`
    select ${db.unsafe(COLUMNS)}, count(*) over ()::int as total from users
    where ${f.tenantId === undefined ? db`true` : f.tenantId === null ? db`tenant_id is null` : db`tenant_id = ${f.tenantId}`}
    order by lower(email) limit ${f.limit} offset ${f.offset}`;
  return { items: rows.map(({ total: _t, ...u }) => u), total: rows[0]?.total ?? 0 };
}

export async function setPassword(db: Db, email: string, passwordHash: string): Promise<UserRow | undefined> {
  const [row] = await db<UserRow[]>`
    update users set password_hash = ${passwordHash} where lower(email) = lower(${email}) returning ${db.unsafe(COLUMNS)}`;
  return row;
}

export async function touchLogin(db: Db, userId: string): Promise<void> {
  await db`update users set last_login_at = now() where user_id = ${userId}`;
}
