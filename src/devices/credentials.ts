/**
 * Device credentials. A provision token (`pt_…`, 256 random bits) authenticates a device on
 * MQTT and HTTP; an activation code (`ac_…`, single use, short-lived) lets a device that was
 * registered by an admin fetch its own token. Only SHA-256 digests are stored; a secret is
 * shown once, in the response that creates it.
 */
import { createHash, randomBytes } from "node:crypto";
import { asWorker, type Db, type Sql } from "../platform/db";
import { DEVICE_ID, TENANT_ID } from "../platform/ids";
import { PulseError } from "../platform/errors";

export const ACTIVATION_TTL_MINUTES = 60;

const digest = (secret: string) => createHash("sha256").update(secret).digest();
const newSecret = (prefix: string) => `${prefix}${randomBytes(32).toString("base64url")}`;

export interface CredentialRow {
  credentialId: string;
  deviceId: string;
  kind: "provision_token" | "activation_code";
  tokenPrefix: string;
  label: string | null;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  usedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = "credential_id, device_id, kind, token_prefix, label, created_by, created_at, expires_at, last_used_at, used_at, revoked_at";

export async function listCredentials(db: Db, tenantId: string, deviceId: string): Promise<CredentialRow[]> {
  return db<CredentialRow[]>`
    select ${db.unsafe(COLUMNS)} from device_credentials
    where tenant_id = ${tenantId} and device_id = ${deviceId} order by created_at desc`;
}

/** Issues a provision token; returns the secret (never stored) with its row. */
export async function issueToken(db: Db, o: { tenantId: string; deviceId: string; label?: string | null; createdBy: string | null }): Promise<{ token: string; credential: CredentialRow }> {
  const token = newSecret("pt_");
  const [credential] = await db<CredentialRow[]>`
    insert into device_credentials (tenant_id, device_id, kind, token_hash, token_prefix, label, created_by)
    values (${o.tenantId}, ${o.deviceId}, 'provision_token', ${digest(token)}, ${token.slice(0, 10)}, ${o.label ?? null}, ${o.createdBy})
    returning ${db.unsafe(COLUMNS)}`;
  return { token, credential: credential! };
}

/** Revokes every live provision token of a device; returns how many. */
export async function revokeAllTokens(db: Db, tenantId: string, deviceId: string): Promise<number> {
  const rows = await db`
    update device_credentials set revoked_at = now()
    where tenant_id = ${tenantId} and device_id = ${deviceId} and kind = 'provision_token' and revoked_at is null
    returning 1`;
  return rows.length;
}

export async function revokeCredential(db: Db, tenantId: string, deviceId: string, credentialId: string): Promise<CredentialRow | undefined> {
  const [row] = await db<CredentialRow[]>`
    update device_credentials set revoked_at = coalesce(revoked_at, now())
    where tenant_id = ${tenantId} and device_id = ${deviceId} and credential_id = ${credentialId}
    returning ${db.unsafe(COLUMNS)}`;
  return row;
}

/** A fresh activation code; earlier unused codes of the device stop working. */
export async function issueActivationCode(db: Db, o: { tenantId: string; deviceId: string; createdBy: string | null; ttlMinutes?: number }): Promise<{ code: string; credential: CredentialRow }> {
  await db`
    update device_credentials set revoked_at = now()
    where tenant_id = ${o.tenantId} and device_id = ${o.deviceId} and kind = 'activation_code' and used_at is null and revoked_at is null`;
  const code = newSecret("ac_");
  const [credential] = await db<CredentialRow[]>`
    insert into device_credentials (tenant_id, device_id, kind, token_hash, token_prefix, created_by, expires_at)
    values (${o.tenantId}, ${o.deviceId}, 'activation_code', ${digest(code)}, ${code.slice(0, 10)}, ${o.createdBy},
            now() + make_interval(mins => ${o.ttlMinutes ?? ACTIVATION_TTL_MINUTES}))
    returning ${db.unsafe(COLUMNS)}`;
  return { code, credential: credential! };
}

/**
 * A device exchanges its activation code for a provision token: the code must belong to that
 * device, be unused, unexpired and unrevoked, and the device and tenant active. Every failure
 * reads the same, so the endpoint does not reveal which devices exist.
 */
export async function activate(sql: Sql, o: { tenantId: string; deviceId: string; code: string }): Promise<{ token: string }> {
  return asWorker(sql, async (tx) => {
    const [row] = await tx<{ credentialId: string }[]>`
      update device_credentials c set used_at = now()
      from device_registry d, tenants t
      where c.token_hash = ${digest(o.code)} and c.kind = 'activation_code'
        and c.tenant_id = ${o.tenantId} and c.device_id = ${o.deviceId}
        and c.used_at is null and c.revoked_at is null and c.expires_at > now()
        and d.tenant_id = c.tenant_id and d.device_id = c.device_id and d.status = 'ACTIVE'
        and t.tenant_id = c.tenant_id and t.status = 'ACTIVE'
      returning c.credential_id`;
    if (!row) throw new PulseError("UNAUTHORIZED", "the activation code is invalid, expired or already used");
    const { token } = await issueToken(tx, { tenantId: o.tenantId, deviceId: o.deviceId, label: "activated", createdBy: `activation:${row.credentialId}` });
    return { token };
  });
}

/**
 * Whether `token` is a live provision token of an active device of an active tenant (the
 * broker's connect hook). Records the use.
 */
export async function deviceCredentialValid(sql: Sql, o: { tenantId: string; deviceId: string; token: string }): Promise<boolean> {
  return asWorker(sql, async (tx) => {
    const rows = await tx`
      update device_credentials c set last_used_at = now()
      from device_registry d, tenants t
      where c.token_hash = ${digest(o.token)} and c.kind = 'provision_token' and c.revoked_at is null
        and (c.expires_at is null or c.expires_at > now())
        and c.tenant_id = ${o.tenantId} and c.device_id = ${o.deviceId}
        and d.tenant_id = c.tenant_id and d.device_id = c.device_id and d.status = 'ACTIVE'
        and t.tenant_id = c.tenant_id and t.status = 'ACTIVE'
      returning 1`;
    return rows.length > 0;
  });
}

/** `{tenant}/{device}` (the certificate CN form too), or null for a service account. */
export function deviceIdentity(username: string | undefined): { tenantId: string; deviceId: string } | null {
  const parts = (username ?? "").split("/");
  if (parts.length !== 2) return null;
  const [tenantId, deviceId] = parts as [string, string];
  return TENANT_ID.test(tenantId) && DEVICE_ID.test(deviceId) ? { tenantId, deviceId } : null;
}

/** A topic or filter inside the device's own subtree; wildcards only below it. */
export function topicAllowed(topic: string, id: { tenantId: string; deviceId: string }): boolean {
  const prefix = `tenant/${id.tenantId}/device/${id.deviceId}/`;
  return topic.startsWith(prefix) && topic.length > prefix.length && !topic.startsWith("$");
}
