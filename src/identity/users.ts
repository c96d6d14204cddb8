/** Local and OIDC users: the SQL behind sign-in, the `pulse user` commands and the user APIs. */
import { randomBytes } from "node:crypto";
import { paged, type Db } from "../platform/db";
import { hashPassword } from "./passwords";
import type { Role } from "./schema";

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

export async function listUsers(
  db: Db,
  f: { tenantId?: string | null; role?: Role; search?: string; limit: number; offset: number },
): Promise<{ items: UserRow[]; total: number }> {
  const rows = await db<(UserRow & { total: number })[]>`
    select ${db.unsafe(COLUMNS)}, count(*) over ()::int as total from users
    where ${f.tenantId === undefined ? db`true` : f.tenantId === null ? db`tenant_id is null` : db`tenant_id = ${f.tenantId}`}
      and ${f.role ? db`${f.role} = any(roles)` : db`true`}
      and ${f.search ? db`(email ilike ${`%${f.search}%`} or display_name ilike ${`%${f.search}%`})` : db`true`}
    order by lower(email) limit ${f.limit} offset ${f.offset}`;
  return paged(rows);
}

export async function setPassword(db: Db, email: string, passwordHash: string): Promise<UserRow | undefined> {
  const [row] = await db<UserRow[]>`
    update users set password_hash = ${passwordHash} where lower(email) = lower(${email}) returning ${db.unsafe(COLUMNS)}`;
  return row;
}

export async function touchLogin(db: Db, userId: string): Promise<void> {
  await db`update users set last_login_at = now() where user_id = ${userId}`;
}

async function setPasswordById(db: Db, userId: string, passwordHash: string): Promise<UserRow | undefined> {
  const [row] = await db<UserRow[]>`
    update users set password_hash = ${passwordHash} where user_id = ${userId} returning ${db.unsafe(COLUMNS)}`;
  return row;
}

export async function updateUser(
  db: Db,
  userId: string,
  u: { displayName?: string | null; roles?: Role[]; status?: "ACTIVE" | "DISABLED" },
): Promise<UserRow | undefined> {
  const set = Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length === 0) return userById(db, userId);
  const [row] = await db<UserRow[]>`update users set ${db(set)} where user_id = ${userId} returning ${db.unsafe(COLUMNS)}`;
  return row;
}

/** Deletes a user; their sign-in sessions go with them (foreign key cascade). */
export async function deleteUser(db: Db, userId: string): Promise<boolean> {
  const rows = await db`delete from users where user_id = ${userId} returning 1`;
  return rows.length > 0;
}

/**
 * Ends every sign-in session of a user: their refresh tokens stop working at once, access
 * tokens at expiry. user_sessions is a platform table: run as the worker or operator role.
 */
export async function revokeSessions(db: Db, userId: string): Promise<number> {
  const rows = await db`update user_sessions set revoked_at = now() where user_id = ${userId} and revoked_at is null returning 1`;
  return rows.length;
}

/** A password shown once to whoever creates or resets a user: 144 random bits, URL-safe. */
const generatePassword = () => randomBytes(18).toString("base64url");

/** Creates a local (password) user; without a password one is generated and returned once. */
export async function createLocalUser(
  db: Db,
  u: { tenantId: string | null; email: string; displayName?: string | null; roles: Role[]; password?: string },
): Promise<{ user: UserRow; generatedPassword?: string }> {
  const generatedPassword = u.password === undefined ? generatePassword() : undefined;
  const user = await insertUser(db, { ...u, passwordHash: await hashPassword(u.password ?? generatedPassword!) });
  return generatedPassword ? { user, generatedPassword } : { user };
}

/** Sets a user's password (generated when none is given, and returned once); undefined when no such user. */
export async function resetPassword(db: Db, userId: string, password?: string): Promise<{ user: UserRow; generatedPassword?: string } | undefined> {
  const generatedPassword = password === undefined ? generatePassword() : undefined;
  const user = await setPasswordById(db, userId, await hashPassword(password ?? generatedPassword!));
  if (!user) return undefined;
  return generatedPassword ? { user, generatedPassword } : { user };
}
