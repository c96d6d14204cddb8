/**
 * The MQTT broker's HTTP authentication and authorisation hooks (EMQX `http` authenticator
 * and authorizer). A device connects with username `{tenant}/{device}` and its provision
 * token as password, and may publish and subscribe only under `tenant/{tenant}/device/{device}/`.
 * Usernames of another shape are service accounts: answered `ignore`, so the broker's own
 * user database (and its deny-by-default `no_match`) decides.
 */
import { z } from "zod";
import { deviceCredentialValid, deviceIdentity, topicAllowed } from "../../../devices/credentials";
import { route } from "../../api/route";

const Result = z.object({ result: z.enum(["allow", "deny", "ignore"]), is_superuser: z.boolean().optional() });

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
