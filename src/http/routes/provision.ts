/** Device-facing provisioning: a device trades its one-time activation code for its provision token. */
import { z } from "zod";
import { activate } from "../../devices/credentials";
import { route } from "../api/route";
import { DeviceId, TenantId } from "../api/schemas";

export const provisionRoutes = [
  route({
    method: "post",
    path: "/api/v1/provision/activate",
    summary: "Exchange a one-time activation code for the device's provision token",
    tag: "provisioning",
    access: "public",
    body: z.object({ tenantId: TenantId, deviceId: DeviceId, activationCode: z.string().min(10).max(100) }),
    example: { tenantId: "acme", deviceId: "pump-17", activationCode: "ac_8mB3xq0VnS1kD9hTz" },
    response: z.object({ provisionToken: z.string(), mqtt: z.object({ username: z.string(), topicPrefix: z.string() }) }),
    status: 201,
    handler: async ({ deps, body }) => {
      const { token } = await activate(deps.sql, { tenantId: body.tenantId, deviceId: body.deviceId, code: body.activationCode });
      return { provisionToken: token, mqtt: { username: `${body.tenantId}/${body.deviceId}`, topicPrefix: `tenant/${body.tenantId}/device/${body.deviceId}/` } };
    },
  }),
];
