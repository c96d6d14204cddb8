/**
 * Device credentials: list a device's provision tokens and activation codes, rotate or revoke
 * tokens, and issue activation codes. Secrets appear once, in the response that creates them;
 * lists show prefixes only, and audit rows name credentials by id.
 */
import { z } from "zod";
import { issueActivationCode, issueToken, listCredentials, revokeAllTokens, revokeCredential, type CredentialRow } from "../../../devices/credentials";
import { deviceStatus } from "../../../devices/registry";
import type { Tx } from "../../../platform/db";
import { PulseError } from "../../../platform/errors";
import { route } from "../../api/route";
import { page, PageQuery, Timestamp, Uuid } from "../../api/schemas";
import { RotateToken } from "../../api/bodies/device-parts";
import { DeviceParams, deviceNotFound } from "./devices";

const Credential = z.object({
  credentialId: Uuid,
  kind: z.enum(["provision_token", "activation_code"]),
  tokenPrefix: z.string().describe("The first characters of the secret, to tell credentials apart"),
  label: z.string().nullable(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  usedAt: Timestamp.nullable().describe("When an activation code was exchanged"),
  expiresAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});

const view = (c: CredentialRow) => ({
  credentialId: c.credentialId,
  kind: c.kind,
  tokenPrefix: c.tokenPrefix,
  label: c.label,
  createdAt: c.createdAt,
  lastUsedAt: c.lastUsedAt,
  usedAt: c.usedAt,
  expiresAt: c.expiresAt,
  revokedAt: c.revokedAt,
});

const EffectiveWithin = z.number().int().describe("Devices' credential caches may accept a revoked token for up to this many seconds");

/** The device must exist (in this tenant) and may not be decommissioned for new secrets. */
async function liveDevice(tx: Tx, deviceId: string): Promise<void> {
  const status = await deviceStatus(tx, deviceId, { lock: true });
  if (!status) throw deviceNotFound(deviceId);
  if (status === "DECOMMISSIONED") throw new PulseError("CONFLICT", `device ${deviceId} is decommissioned; it gets no new credentials`);
}

export const deviceCredentialRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/devices/:deviceId/tokens",
    summary: "List a device's provision tokens and activation codes, newest first (never the secrets)",
    tag: "devices",
    access: "tenant-read",
    params: DeviceParams,
    query: PageQuery,
    response: page(Credential),
    handler: async ({ tenant, tenantId, params, query }) =>
      tenant(async (tx) => {
        if (!(await deviceStatus(tx, params.deviceId))) throw deviceNotFound(params.deviceId);
        const all = await listCredentials(tx, tenantId, params.deviceId);
        return { items: all.slice(query.offset, query.offset + query.limit).map(view), total: all.length, limit: query.limit, offset: query.offset };
      }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/devices/:deviceId/tokens/rotate",
    summary: "Revoke every live provision token of a device and issue a new one, shown only in this response",
    tag: "devices",
    access: "tenant-write",
    params: DeviceParams,
    body: RotateToken.optional(),
    example: { label: "rotated after repair" },
    response: z.object({ provisionToken: z.string(), credential: Credential, revokedTokens: z.number().int(), effectiveWithinSeconds: EffectiveWithin }),
    status: 201,
    handler: async ({ tenant, tenantId, params, body, principal, deps, audit }) =>
      tenant(async (tx) => {
        const { deviceId } = params;
        await liveDevice(tx, deviceId);
        const revokedTokens = await revokeAllTokens(tx, tenantId, deviceId);
        const { token, credential } = await issueToken(tx, { tenantId, deviceId, label: body?.label ?? null, createdBy: principal?.subject ?? null });
        await audit(tx, { action: "device.token_rotated", entityType: "device", entityId: deviceId, details: { credentialId: credential.credentialId, revokedTokens } });
        return { provisionToken: token, credential: view(credential), revokedTokens, effectiveWithinSeconds: deps.credentialTtlSeconds };
      }),
  }),
  route({
    method: "delete",
    path: "/api/v1/customer/devices/:deviceId/tokens/:credentialId",
    summary: "Revoke one provision token or activation code",
    tag: "devices",
    access: "tenant-write",
    params: DeviceParams.extend({ credentialId: Uuid }),
    response: z.object({ credential: Credential, effectiveWithinSeconds: EffectiveWithin }),
    handler: async ({ tenant, tenantId, params, deps, audit }) =>
      tenant(async (tx) => {
        const { deviceId, credentialId } = params;
        if (!(await deviceStatus(tx, deviceId, { lock: true }))) throw deviceNotFound(deviceId);
        const credential = await revokeCredential(tx, tenantId, deviceId, credentialId);
        if (!credential) throw new PulseError("NOT_FOUND", `credential ${credentialId} of device ${deviceId} not found`);
        await audit(tx, { action: "device.token_revoked", entityType: "device", entityId: deviceId, details: { credentialId, kind: credential.kind } });
        return { credential: view(credential), effectiveWithinSeconds: deps.credentialTtlSeconds };
      }),
  }),
  route({
    method: "post",
    path: "/api/v1/customer/devices/:deviceId/activation-code",
    summary: "Issue a one-time activation code the device trades for its provision token; earlier unused codes stop working",
    tag: "devices",
    access: "tenant-write",
    params: DeviceParams,
    response: z.object({ activationCode: z.string().describe("Shown only in this response"), credentialId: Uuid, expiresAt: Timestamp, activateUrl: z.string() }),
    status: 201,
    handler: async ({ tenant, tenantId, params, principal, audit }) =>
      tenant(async (tx) => {
        const { deviceId } = params;
        await liveDevice(tx, deviceId);
        const { code, credential } = await issueActivationCode(tx, { tenantId, deviceId, createdBy: principal?.subject ?? null });
        await audit(tx, { action: "device.activation_code_created", entityType: "device", entityId: deviceId, details: { credentialId: credential.credentialId, expiresAt: credential.expiresAt } });
        return { activationCode: code, credentialId: credential.credentialId, expiresAt: credential.expiresAt!, activateUrl: "/api/v1/provision/activate" };
      }),
  }),
];
