/**
 * Live updates for the web console over Server-Sent Events: the state of the devices being
 * viewed (or of every device, with fleet counts), and alert changes. The process's LiveHub
 * polls the database once per tenant however many browsers watch. The console reads the
 * stream with fetch(), so the bearer token travels in the Authorization header as usual.
 */
import { z } from "zod";
import { PulseError } from "../../../platform/errors";
import { route } from "../../api/route";
import { DeviceId, listParam } from "../../api/schemas";
import { BoolQuery } from "./notification-channels";

const MAX_DEVICES = 50;

/**
 * When the caller's token expires, so the stream can end then. The pipeline has verified this
 * very token (signature, issuer, audience, expiry) before the handler runs; the principal does
 * not carry `exp`, so it is read from the verified token's claims here.
 */
function tokenExpiry(authorization: string | undefined): Date {
  const payload = /^Bearer\s+[^.]+\.([^.]+)\./i.exec(authorization ?? "")?.[1];
  const exp = payload ? (JSON.parse(Buffer.from(payload, "base64url").toString()) as { exp?: unknown }).exp : undefined;
  if (typeof exp !== "number") throw new PulseError("UNAUTHORIZED", "the access token has no expiry");
  return new Date(exp * 1000);
}

export const liveRoutes = [
  route({
    method: "get",
    path: "/api/v1/customer/live",
    summary:
      "Server-Sent Events: hello, then device (state of a listed device, or of any with fleet=true), alert (id: the alert event id), " +
      "fleet (counts; on connect and when changed), resync (too much changed: refetch lists), and a keepalive comment every 5 s. " +
      "The stream ends when the access token expires: reconnect with a fresh one",
    tag: "live",
    access: "tenant-read",
    query: z.object({
      devices: listParam(DeviceId)
        .refine((ids) => !ids || ids.length <= MAX_DEVICES, { error: `at most ${MAX_DEVICES} device ids` })
        .describe(`Devices whose state changes to stream, up to ${MAX_DEVICES} (comma-separated or repeated)`),
      fleet: BoolQuery.default(false).describe("Fleet counts, and state changes of every device"),
    }),
    produces: "text/event-stream",
    handler: async ({ deps, tenantId, query, c }) => {
      if (!deps.live) throw new PulseError("NOT_BUILT", "live updates are not enabled in this process");
      const expiresAt = tokenExpiry(c.req.header("authorization"));
      const devices = [...new Set(query.devices ?? [])];
      const body = await deps.live.open({ tenantId, devices, fleet: query.fleet, expiresAt, signal: c.req.raw.signal });
      return new Response(body, {
        headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
      });
    },
  }),
];
