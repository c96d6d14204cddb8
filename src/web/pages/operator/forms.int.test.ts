/**
 * The operator pages' bad input against the real API: what the forms and filters reject before
 * sending, the server rejects too (problem+json, field errors on the same fields), and a
 * rejected write changes nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MetricFields, NewTemplate, TemplateFields } from "../../../http/api/bodies/templates";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { parseJsonObject } from "../device/forms";
import { cleanMetric, cleanTemplate, metricValues, templateValues } from "../device/template-forms";
import { quarantineQuery } from "./model";

const BASE = "/api/v1/operator/templates";

// As lib/form's issuesToErrors and lib/api's ApiError.fieldErrors key them (neither module loads
// outside a browser: the session store needs window).
const clientKeys = (issues: { path: PropertyKey[] }[]) => [...new Set(issues.map((i) => i.path.join(".")))].sort();
const serverKeys = (body: { errors?: { path: string }[] }) => [...new Set((body.errors ?? []).map((e) => e.path.replace(/^(body|query|params)\./, "")))].sort();

describePg("operator pages: bad input", () => {
  let h: ApiHarness;
  let admin: string;
  let reader: string;
  const slugs = async () => (await h.call("GET", BASE, { token: reader })).body.items.map((t: { slug: string }) => t.slug);

  beforeAll(async () => {
    h = await apiHarness();
    admin = await h.token({ roles: ["operator-admin"] });
    reader = await h.token({ roles: ["operator"] });
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  describe("new system template form", () => {
    test("a bad slug and a blank name fail the form's schema and the API on the same fields; nothing is created", async () => {
      const before = await slugs();
      const body = cleanTemplate({ ...templateValues(), slug: "Not A Slug", name: "  " });
      const client = NewTemplate.safeParse(body);
      expect(client.success).toBe(false);
      expect(clientKeys(client.error!.issues)).toEqual(["name", "slug"]);

      const res = await h.call("POST", BASE, { token: admin, body });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.body).toMatchObject({ code: "BAD_REQUEST", status: 400 });
      expect(serverKeys(res.body)).toEqual(["name", "slug"]);
      expect(await slugs()).toEqual(before);
    });

    test("transport defaults that are not a JSON object are caught before sending", () => {
      expect(parseJsonObject("[1, 2]")).toEqual({ ok: false, error: 'expected a JSON object, such as {"key": "value"}' });
      expect(parseJsonObject("{oops").ok).toBe(false);
      expect(parseJsonObject("")).toEqual({ ok: true, value: {} });
    });

    test("a valid form creates the template, and an edit replaces its fields", async () => {
      const body = cleanTemplate({ ...templateValues(), slug: "cold-room-gw", name: "Cold room gateway", category: "gateway", manufacturer: "Acme" }, { ingestion_protocol: "mqtt_direct" });
      expect(NewTemplate.safeParse(body).success).toBe(true);
      const created = await h.call("POST", BASE, { token: admin, body });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ slug: "cold-room-gw", source: "system", manufacturer: "Acme", transportDefaults: { ingestion_protocol: "mqtt_direct" }, metrics: [] });

      const edit = cleanTemplate({ ...templateValues(created.body), name: "Cold room gateway v2", manufacturer: "" }, created.body.transportDefaults);
      expect(TemplateFields.safeParse(edit).success).toBe(true);
      const put = await h.call("PUT", `${BASE}/${created.body.templateId}`, { token: admin, body: edit });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ name: "Cold room gateway v2", manufacturer: null, transportDefaults: { ingestion_protocol: "mqtt_direct" } });
    });

    test("a read-only operator gets 403 and the template stays as it was", async () => {
      const [t] = (await h.call("GET", `${BASE}?search=cold`, { token: reader })).body.items;
      const res = await h.call("PUT", `${BASE}/${t.templateId}`, { token: reader, body: cleanTemplate({ ...templateValues(t), name: "Hijacked" }, t.transportDefaults) });
      expect(res.status).toBe(403);
      expect((await h.call("GET", `${BASE}/${t.templateId}`, { token: reader })).body.name).toBe("Cold room gateway v2");
    });
  });

  test("a metric form with enum values on a float is rejected on enumValues by both; the template keeps its metrics", async () => {
    const [t] = (await h.call("GET", `${BASE}?search=cold`, { token: reader })).body.items;
    const body = cleanMetric({ ...metricValues(), metricKey: "door", displayName: "Door", dataType: "float", enumValues: "open, closed" });
    const client = MetricFields.safeParse(body);
    expect(client.success).toBe(false);
    expect(clientKeys(client.error!.issues)).toEqual(["enumValues"]);

    const res = await h.call("POST", `${BASE}/${t.templateId}/metrics`, { token: admin, body });
    expect(res.status).toBe(400);
    expect(serverKeys(res.body)).toEqual(["enumValues"]);
    expect((await h.call("GET", `${BASE}/${t.templateId}`, { token: reader })).body.metrics).toEqual([]);
  });

  test("a quarantine reason the filter rejects, the API rejects on the same field", async () => {
    const f = { tenant: "", reason: "bad reason!", range: "all", from: "", to: "", offset: "0" };
    expect(quarantineQuery(f, Date.now()).errors).toEqual({ reason: "expected a reason code such as RATE_LIMITED" });
    const res = await h.call("GET", "/api/v1/operator/quarantine?reason=bad%20reason!", { token: reader });
    expect(res.status).toBe(400);
    expect(serverKeys(res.body)).toEqual(["reason"]);

    const ok = quarantineQuery({ ...f, reason: "rate limited", range: "24h" }, Date.now());
    const page = await h.call("GET", `/api/v1/operator/quarantine?${new URLSearchParams(Object.entries(ok.query!).filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => [k, String(v)]))}`, { token: reader });
    expect(page.status).toBe(200);
    expect(page.body).toEqual({ items: [], total: 0, limit: 50, offset: 0 });
  });
});
