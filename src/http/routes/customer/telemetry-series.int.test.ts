import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { addDevice } from "../../../testing/fixtures";

const BASE = "/api/v1/customer/devices";
const HOUR = 3_600_000;
const base = new Date(Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR);
const at = (ms: number) => new Date(base.getTime() + ms);
const iso = (ms: number) => at(ms).toISOString();
const BULK = 100_000;

describePg("telemetry series API", () => {
  let h: ApiHarness;
  let viewer: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    await addDevice(h.db.sql, { tenant: "acme", device: "dev-s" });
    await addDevice(h.db.sql, { tenant: "acme", device: "bulk" });
    await addDevice(h.db.sql, { tenant: "globex", device: "dev-s" });
    await addDevice(h.db.sql, { tenant: "globex", device: "g-only" });
    viewer = await h.token({ tenant: "acme", roles: ["customer"] });

    const sql = h.db.sql;
    await sql`select pulse_ensure_partitions('telemetry', ${at(-2 * 24 * HOUR)}, now())`;
    const row = (ms: number, metrics: object, o: { type?: string; tenant?: string; device?: string } = {}) =>
      sql`insert into telemetry (time, tenant_id, device_id, msg_type, seq, metrics, msg_id)
          values (${at(ms)}, ${o.tenant ?? "acme"}, ${o.device ?? "dev-s"}, ${o.type ?? "telemetry"}, null, ${sql.json(metrics as never)}, gen_random_uuid())`;
    await row(3000, { temp_c: 21.5, door: true, mode: "auto" });
    await row(1000, { temp_c: -4, door: false });
    await row(2000, { door: true, nested: { a: 1 } });
    await row(2500, { other: 1 }); // none of the requested keys: not a point
    await row(4000, { temp_c: null, door: 1 });
    await row(5000, { temp_c: 7 }, { type: "heartbeat" });
    await row(-2 * 24 * HOUR, { temp_c: 100 });
    await sql`insert into telemetry (time, tenant_id, device_id, msg_type, seq, metrics, msg_id)
              values (${at(4000)}::timestamptz + interval '251 microseconds', 'acme', 'dev-s', 'telemetry', null, '{"temp_c": 8}', gen_random_uuid())`;
    await row(3000, { temp_c: 999, secret: 1 }, { tenant: "globex" });
    // One message a second, newest just before base + 2 h: exactly the default limit.
    await sql`
      insert into telemetry (time, tenant_id, device_id, msg_type, seq, metrics, msg_id)
      select ${at(2 * HOUR)}::timestamptz - (${BULK} - i) * interval '1 second', 'acme', 'bulk', 'telemetry', i,
             jsonb_build_object('v', i, 'up', i % 2 = 0), gen_random_uuid()
      from generate_series(0, ${BULK - 1}) i`;
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const get = (path: string) => h.call("GET", `${BASE}/${path}`, { token: viewer });
  const range = `from=${iso(0)}&to=${iso(HOUR)}`;

  test("columns oldest first: numbers as they are, booleans 0/1, strings, objects, nulls and missing keys null", async () => {
    const r = await get(`dev-s/telemetry/series?metric=temp_c,door&metric=mode&metric=nested&metric=absent&${range}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      from: iso(0),
      to: iso(HOUR),
      metrics: ["temp_c", "door", "mode", "nested", "absent"],
      time: [at(1000).getTime(), at(2000).getTime(), at(3000).getTime(), at(4000).getTime(), at(4000).getTime() + 0.251],
      values: {
        temp_c: [-4, null, 21.5, null, 8],
        door: [0, 1, 1, 1, null],
        mode: [null, null, null, null, null],
        nested: [null, null, null, null, null],
        absent: [null, null, null, null, null],
      },
      truncated: false,
    });
    expect(r.headers.get("content-type")).toContain("application/json");
  });

  test("message type, time range and repeated keys", async () => {
    const hb = await get(`dev-s/telemetry/series?metric=temp_c&msgType=heartbeat&${range}`);
    expect(hb.body).toMatchObject({ time: [at(5000).getTime()], values: { temp_c: [7] } });
    const dup = await get(`dev-s/telemetry/series?metric=temp_c,temp_c&from=${iso(2500)}&to=${iso(3500)}`);
    expect(dup.body).toMatchObject({ metrics: ["temp_c"], time: [at(3000).getTime()], values: { temp_c: [21.5] } });
    const none = await get(`dev-s/telemetry/series?metric=temp_c&from=${iso(HOUR)}&to=${iso(2 * HOUR)}`);
    expect(none.body).toEqual({ from: iso(HOUR), to: iso(2 * HOUR), metrics: ["temp_c"], time: [], values: { temp_c: [] }, truncated: false });
    const old = await get(`dev-s/telemetry/series?metric=temp_c&from=${iso(-3 * 24 * HOUR)}&to=${iso(-24 * HOUR)}`);
    expect(old.body.values).toEqual({ temp_c: [100] });
  });

  test("the default range is the last 24 hours", async () => {
    const r = await get("dev-s/telemetry/series?metric=temp_c");
    expect(r.status).toBe(200);
    expect(Date.parse(r.body.to) - Date.parse(r.body.from)).toBe(24 * HOUR);
    expect(r.body.values.temp_c).toEqual([-4, 21.5, null, 8]);
  });

  test("over the limit: the newest messages, still oldest first, flagged truncated", async () => {
    const r = await get(`dev-s/telemetry/series?metric=door&limit=2&${range}`);
    expect(r.body).toMatchObject({ time: [at(3000).getTime(), at(4000).getTime()], values: { door: [1, 1] }, truncated: true });
    const exact = await get(`dev-s/telemetry/series?metric=door&limit=4&${range}`);
    expect(exact.body.truncated).toBe(false);
    expect(exact.body.values.door).toEqual([0, 1, 1, 1]);
  });

  test("100,000 messages in one response at the default limit; one more truncates", async () => {
    const window = `from=${iso(-2 * 24 * HOUR + 1)}&to=${iso(2 * HOUR)}`;
    const r = await get(`bulk/telemetry/series?metric=v,up&${window}`);
    expect(r.status).toBe(200);
    const { time, values, truncated } = r.body as { time: number[]; values: Record<string, number[]>; truncated: boolean };
    expect(truncated).toBe(false);
    expect(time.length).toBe(BULK);
    expect(values.v!.length).toBe(BULK);
    expect([time[0], time.at(-1)]).toEqual([at(2 * HOUR).getTime() - BULK * 1000, at(2 * HOUR).getTime() - 1000]);
    expect(values.v!.every((v, i) => v === i)).toBe(true);
    expect(values.up!.slice(0, 4)).toEqual([1, 0, 1, 0]);
    expect(time.every((t, i) => i === 0 || t > time[i - 1]!)).toBe(true);

    const cut = await get(`bulk/telemetry/series?metric=v&limit=${BULK - 1}&${window}`);
    expect(cut.body.truncated).toBe(true);
    expect([cut.body.values.v[0], cut.body.values.v.at(-1), cut.body.values.v.length]).toEqual([1, BULK - 1, BULK - 1]);
  });

  test("another tenant's device is not found; a same-named device shows only this tenant's messages", async () => {
    const other = await get(`g-only/telemetry/series?metric=temp_c&${range}`);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe("NOT_FOUND");
    const mine = await get(`dev-s/telemetry/series?metric=temp_c,secret&${range}`);
    expect(mine.body.values.temp_c).not.toContain(999);
    expect(mine.body.values.secret).toEqual([null, null, null, null]);
  });

  test("bad parameters answer 400 with the field, and change nothing", async () => {
    const nine = Array.from({ length: 9 }, (_, i) => `m${i}`).join(",");
    const cases: [string, string][] = [
      ["dev-s/telemetry/series", "query.metric"],
      ["dev-s/telemetry/series?metric=", "query.metric"],
      [`dev-s/telemetry/series?metric=${nine}`, "query.metric"],
      ["dev-s/telemetry/series?metric=a%07b", "query.metric.0"],
      ["dev-s/telemetry/series?metric=t&limit=0", "query.limit"],
      ["dev-s/telemetry/series?metric=t&limit=200001", "query.limit"],
      ["dev-s/telemetry/series?metric=t&limit=ten", "query.limit"],
      ["dev-s/telemetry/series?metric=t&from=yesterday", "query.from"],
      [`dev-s/telemetry/series?metric=t&from=${iso(HOUR)}&to=${iso(0)}`, "query.from"],
      [`dev-s/telemetry/series?metric=t&from=${iso(-40 * 24 * HOUR)}&to=${iso(0)}`, "query.from"],
      ["dev-s/telemetry/series?metric=t&msgType=Bad-Type", "query.msgType"],
    ];
    const before = await h.db.sql`select count(*)::int as n from telemetry`;
    for (const [path, field] of cases) {
      const r = await get(path);
      expect({ path, status: r.status, type: r.headers.get("content-type") }).toEqual({ path, status: 400, type: "application/problem+json" });
      expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await h.db.sql`select count(*)::int as n from telemetry`).toEqual(before);
  });
});
