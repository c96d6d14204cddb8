/**
 * Device ingest over HTTP: one message per request, or up to `maxBatchItems` in a batch with a
 * result per item. 202 means the bus has stored the message.
 */
import type { Hono } from "hono";
import { acceptMessage, type EdgeDeps, type EdgeResult } from "../../telemetry/edge";
import { problem } from "../problem";
import type { AppEnv } from "../app";

const MAX_BATCH_ITEMS = 100;
const encoder = new TextEncoder();

async function readBody(req: Request, limit: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) return null;
  const body = new Uint8Array(await req.arrayBuffer());
  return body.length > limit ? null : body;
}

const tooLarge = (limit: number) => ({ status: 413, code: "PAYLOAD_TOO_LARGE", detail: `the body is larger than ${limit} bytes` }) as const;

export function registerIngest(app: Hono<AppEnv>, edge: EdgeDeps): void {
  app.post("/ingest/v1/tenant/:tenant/device/:device/:type", async (c) => {
    const body = await readBody(c.req.raw, edge.envelope.maxBytes);
    if (!body) return problem(c, tooLarge(edge.envelope.maxBytes));
    const r = await acceptMessage(edge, {
      tenant: c.req.param("tenant"),
      device: c.req.param("device"),
      type: c.req.param("type"),
      payload: body,
      token: c.req.header("x-provision-token") ?? null,
    });
    c.get("countIngest")(r);
    if (!r.ok) return problem(c, { status: r.status, code: r.code, detail: r.detail, retryAfter: r.retryAfter });
    return c.json({ status: "accepted", messageId: r.messageId }, 202);
  });

  app.post("/ingest/v1/batch", async (c) => {
    const limit = edge.envelope.maxBytes * MAX_BATCH_ITEMS;
    const body = await readBody(c.req.raw, limit);
    if (!body) return problem(c, tooLarge(limit));
    let items: unknown;
    try {
      items = (JSON.parse(new TextDecoder().decode(body)) as { messages?: unknown }).messages;
    } catch {
      return problem(c, { status: 400, code: "INVALID_JSON", detail: "the body is not JSON" });
    }
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH_ITEMS) {
      return problem(c, { status: 400, code: "INVALID_BATCH", detail: `messages must be an array of 1 to ${MAX_BATCH_ITEMS} items` });
    }
    const results = await Promise.all(items.map((item) => acceptItem(edge, item)));
    for (const r of results) c.get("countIngest")(r);
    const accepted = results.filter((r) => r.ok).length;
    const status = accepted > 0 ? 202 : results.some((r) => !r.ok && r.status === 503) ? 503 : 400;
    return c.json(
      {
        accepted,
        rejected: results.length - accepted,
        results: results.map((r, index) =>
          r.ok ? { index, status: "accepted", messageId: r.messageId } : { index, status: "rejected", code: r.code, detail: r.detail },
        ),
      },
      status,
    );
  });
}

/** A batch item carries its own identity and token beside the envelope fields. */
function acceptItem(edge: EdgeDeps, item: unknown): Promise<EdgeResult> {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    return Promise.resolve({ ok: false, status: 400, code: "INVALID_ENVELOPE", detail: "each message must be an object" });
  }
  const { tenant_id, device_id, msg_type, provision_token, ...envelope } = item as Record<string, unknown>;
  return acceptMessage(edge, {
    tenant: typeof tenant_id === "string" ? tenant_id : "",
    device: typeof device_id === "string" ? device_id : "",
    type: typeof msg_type === "string" ? msg_type : "telemetry",
    payload: encoder.encode(JSON.stringify(envelope)),
    token: typeof provision_token === "string" ? provision_token : null,
  });
}
