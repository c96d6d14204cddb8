/**
 * The MQTT broker's HTTP authentication and authorisation hooks (EMQX `http` authenticator
 * and authorizer). A device connects with username `{tenant}/{device}` and its provision
 * token as password, and may publish and subscribe only under `tenant/{tenant}/device/{device}/`.
 * Usernames of another shape are service accounts: answered `ignore`, so the broker's own
 * user database (and its deny-by-default `no_match`) decides.
 */
import { z } from "zod";
import { deviceCredentialValid } from "../../../devices/credentials";
import { DEVICE_ID, TENANT_ID } from "../../../platform/ids";
import { route } from "../../api/route";

const Result = z.object({ result: z.enum(["allow", "deny", "ignore"]), is_superuser: z.boolean().optional() });

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

export const mqttHookRoutes = [
  route({
    method: "post",
    path: "/api/v1/internal/mqtt-auth",
    summary: "Broker connect hook: is this device credential valid?",
    tag: "internal",
    access: "internal",
    body: z.object({ username: z.string().max(300).optional(), password: z.string().max(300).optional(), clientid: z.string().max(300).optional() }).loose(),
    example: { username: "acme/pump-17", password: "pt_…", clientid: "pump-17" },
    response: Result,
    handler: async ({ deps, body }) => {
      const id = deviceIdentity(body.username);
      if (!id) return { result: "ignore" as const };
      if (!body.password) return { result: "deny" as const };
      const ok = await deviceCredentialValid(deps.sql, { ...id, token: body.password });
      return { result: ok ? ("allow" as const) : ("deny" as const), is_superuser: false };
    },
  }),
  route({
    method: "post",
    path: "/api/v1/internal/mqtt-acl",
    summary: "Broker publish/subscribe hook: may this device use this topic?",
    tag: "internal",
    access: "internal",
    body: z.object({ username: z.string().max(300).optional(), topic: z.string().max(1024), action: z.string().max(20).optional() }).loose(),
    example: { username: "acme/pump-17", topic: "tenant/acme/device/pump-17/telemetry", action: "publish" },
    response: Result,
    handler: async ({ body }) => {
      const id = deviceIdentity(body.username);
      if (!id) return { result: "ignore" as const };
      return { result: topicAllowed(body.topic, id) ? ("allow" as const) : ("deny" as const) };
    },
  }),
];
