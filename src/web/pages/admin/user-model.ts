/**
 * Users as the console shows them, shared by the tenant's Users & roles page and the operators'
 * Users page: the wire shape, what each role may do, and which actions a row offers (an admin
 * cannot disable, delete or demote themselves, as the API refuses it).
 */
import { OPERATOR_ROLES, TENANT_ROLES, type Role } from "../../../identity/schema";

export interface User {
  userId: string;
  tenantId: string | null;
  email: string;
  displayName: string | null;
  roles: Role[];
  status: "ACTIVE" | "DISABLED";
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** POST …/users answers the user, with the password when Pulse generated it (shown once). */
export type CreatedUser = User & { generatedPassword?: string };
export interface ResetResult {
  userId: string;
  email: string;
  generatedPassword?: string;
  sessionsRevoked: number;
}

/** What holding each role allows; shown next to the role pickers and in the roles table. */
export const ROLE_HELP: Record<Role, string> = {
  customer: "Sees the fleet, telemetry, alerts and the configuration; changes nothing.",
  "tenant-admin": "Everything a customer does, plus devices, rules, notifications, users and the organization profile.",
  operator: "Platform operator, read only: tenants, devices and quarantine across tenants.",
  "operator-admin": "Platform operator who may change tenants and users, and read the operator audit log.",
};

/** What customers and tenant admins may do, as the API enforces it (tenant-read vs tenant-write routes). */
export const TENANT_ROLE_MATRIX: readonly { what: string; customer: boolean; admin: boolean }[] = [
  { what: "See devices, sites, groups, templates and telemetry", customer: true, admin: true },
  { what: "See alerts, rules, channels, deliveries and the organization profile", customer: true, admin: true },
  { what: "Backtest alert rules against stored telemetry", customer: true, admin: true },
  { what: "Acknowledge, close and silence alerts", customer: false, admin: true },
  { what: "Create and change devices, sites, rules, notifications and maintenance windows", customer: false, admin: true },
  { what: "Manage users and roles, edit the organization profile", customer: false, admin: true },
  { what: "Read the audit log", customer: false, admin: true },
];

/** The roles a user may hold: tenant roles with a tenant, operator roles without one. */
export const rolesFor = (tenantId: string | null): readonly Role[] => (tenantId ? TENANT_ROLES : OPERATOR_ROLES);

/** The admin role whose loss would lock an admin out of user management. */
export const adminRoleFor = (tenantId: string | null): Role => (tenantId ? "tenant-admin" : "operator-admin");

export function toggleRole(roles: readonly Role[], role: Role, on: boolean): Role[] {
  const next = on ? [...roles, role] : roles.filter((r) => r !== role);
  return [...new Set(next)];
}

export interface RowActions {
  self: boolean;
  /** Disable (or enable when disabled). */
  toggleStatus: boolean;
  delete: boolean;
  /** Roles that may not be unticked in the roles dialog. */
  lockedRoles: Role[];
}

/** Which actions a row offers to the signed-in admin `me` (their subject is their user id). */
export function rowActions(user: Pick<User, "userId" | "tenantId" | "roles">, meSubject: string | null | undefined): RowActions {
  const self = !!meSubject && user.userId === meSubject;
  const admin = adminRoleFor(user.tenantId);
  return { self, toggleStatus: !self, delete: !self, lockedRoles: self && user.roles.includes(admin) ? [admin] : [] };
}

export const userLabel = (u: Pick<User, "email" | "displayName">) => (u.displayName ? `${u.displayName} <${u.email}>` : u.email);
