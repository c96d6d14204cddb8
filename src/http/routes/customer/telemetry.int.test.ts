import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiHarness, type ApiHarness } from "../../../testing/api";
import { describePg } from "../../../testing/db";
import { addDevice } from "../../../testing/fixtures";

const BASE = "/api/v1/customer/devices";
const HOUR = 3_600_000;
// Whole hours, so 15-minute buckets line up with the seeded seconds.
const base = new Date(Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR);
const at = (ms: number) => new Date(base.getTime() + ms).toISOString();

type Msg = { time: string; msgType: string; seq: number; metrics: Record<string, unknown> };

describePg("telemetry API", () => {
  let h: ApiHarness;
  let viewer: string;

  beforeAll(async () => {
    h = await apiHarness({ seed: ["acme", "globex"] });
    await addDevice(h.db.sql, { tenant: "acme", device: "dev-t", siteId: "site-1" });
    await addDevice(h.db.sql, { tenant: "globex", device: "g-only" });
    viewer = await h.token({ tenant: "acme", roles: ["customer"] });

    const sql = h.db.sql;
    await sql`select pulse_ensure_partitions('telemetry', ${at(-3 * 24 * HOUR)}::timestamptz, now())`;
    const row = (t: string, seq: number, metrics: object, type = "telemetry", tenant = "acme", device = "dev-t") =>
      sql`insert into telemetry (time, tenant_id, device_id, msg_type, seq, metrics, msg_id)
          values (${t}::timestamptz, ${tenant}, ${device}, ${type}, ${seq}, ${sql.json(metrics as never)}, gen_random_uuid())`;
    // 2500 messages a second apart: temp_c cycles 0.5 … 9.5, door alternates.
    await sql`
      insert into telemetry (time, tenant_id, device_id, msg_type, seq, metrics, msg_id)
      select ${base}::timestamptz + i * interval '1 second', 'acme', 'dev-t', 'telemetry', i,
             jsonb_build_object('temp_c', (i % 10) + 0.5, 'door', i % 2 = 0, 'mode', 'auto'), gen_random_uuid()
      from generate_series(0, 2499) i`;
    await row(at(10_500), 2600, { temp_c: "n/a" });
    // Within one millisecond, and two at the very same microsecond: pages must not lose them.
    await sql`
      insert into telemetry (time, tenant_id, device_id, msg_type, seq, metrics, msg_id)
      select ${at(2 * HOUR)}::timestamptz + us * interval '1 microsecond', 'acme', 'dev-t', 'telemetry', 3000 + n, '{"temp_c": 1}', gen_random_uuid()
      from (values (0, 1), (1, 2), (2, 2), (3, 3)) v(n, us)`;
    for (let i = 0; i < 5; i++) await row(at(3 * HOUR + i * 1000), 4000 + i, { rssi: -70 }, "heartbeat");
    await row(at(3.5 * HOUR), 5000, { note: "=1+2", quote: 'a,"b"', neg: -5, "=cmd": "x" });
    await row(at(-2 * 24 * HOUR), 6000, { temp_c: 100 });
    await row(at(1000), 1, { secret: 42 }, "telemetry", "globex", "gw-1");
    // Written straight into the table, past ingest: derive the per-minute aggregates too.
    await sql`select pulse_rebuild_telemetry_minutes(${at(-3 * 24 * HOUR)}::timestamptz, now())`;

    await sql`insert into device_sensors (tenant_id, device_id, metric_key, unit, display_name, source)
              values ('acme', 'dev-t', 'temp_c', '°C', 'Temperature', 'optional'), ('acme', 'dev-t', 'pressure', 'hPa', null, 'required')`;
    await sql`insert into device_state (tenant_id, device_id, status, last_seen_at, last_telemetry_at, latest_metrics)
              values ('acme', 'dev-t', 'ONLINE', ${at(3.5 * HOUR)}, ${at(3.5 * HOUR)},
                      ${sql.json({ temp_c: { v: 1, t: at(2 * HOUR) }, mode: { v: "auto", t: at(2499_000) } })})`;
  });
  afterAll(() => h?.[Symbol.asyncDispose]());

  const get = (path: string) => h.call("GET", `${BASE}/${path}`, { token: viewer });

  test("latest values per metric, with sensor unit and name, and the last messages", async () => {
    const r = await get("dev-t/telemetry/latest?count=3");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ deviceId: "dev-t", lastSeenAt: at(3.5 * HOUR) });
    expect(r.body.metrics).toEqual([
      { metricKey: "mode", value: "auto", time: at(2499_000), unit: null, displayName: null },
      { metricKey: "temp_c", value: 1, time: at(2 * HOUR), unit: "°C", displayName: "Temperature" },
    ]);
    expect(r.body.messages.map((m: Msg) => m.seq)).toEqual([5000, 4004, 4003]);

    const plain = await get("probe-1/telemetry/latest");
    expect(plain.body).toEqual({ deviceId: "probe-1", lastSeenAt: null, metrics: [] });
  });

  test("raw pages follow the cursor without duplicates or gaps, in both orders", async () => {
    for (const order of ["desc", "asc"]) {
      const seen: Msg[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await get(`dev-t/telemetry?limit=700&order=${order}${cursor ? `&cursor=${cursor}` : ""}`);
        expect(r.status).toBe(200);
        seen.push(...r.body.items);
        cursor = r.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(4);
      const seqs = seen.map((m) => m.seq);
      expect(new Set(seqs).size).toBe(2506); // 2500 + "n/a" + 4 close together + 1; not heartbeats, not 2 days ago
      expect(seqs).not.toContain(6000);
      const times = seen.map((m) => m.time);
      expect(times).toEqual(order === "desc" ? [...times].sort().reverse() : [...times].sort());
    }
    const first = await get("dev-t/telemetry?limit=2");
    expect(first.body.items.map((m: Msg) => m.seq)).toEqual([5000, 3003]);
    expect(first.body.items[0]).toEqual({ time: at(3.5 * HOUR), msgType: "telemetry", seq: 5000, metrics: { note: "=1+2", quote: 'a,"b"', neg: -5, "=cmd": "x" } });
  });

  test("raw filters: metric keys, message type, time range", async () => {
    const hb = await get("dev-t/telemetry?msgType=heartbeat");
    expect(hb.body.items.map((m: Msg) => m.seq)).toEqual([4004, 4003, 4002, 4001, 4000]);
    expect(hb.body.nextCursor).toBeNull();

    const only = await get(`dev-t/telemetry?metric=door&metric=neg&from=${at(2497_000)}&to=${at(4 * HOUR)}`);
    expect(only.body.items).toEqual([
      expect.objectContaining({ seq: 5000, metrics: { neg: -5 } }),
      expect.objectContaining({ seq: 2499, metrics: { door: false } }),
      expect.objectContaining({ seq: 2498, metrics: { door: true } }),
      expect.objectContaining({ seq: 2497, metrics: { door: false } }),
    ]);
    const old = await get(`dev-t/telemetry?from=${at(-3 * 24 * HOUR)}&to=${at(-24 * HOUR)}`);
    expect(old.body.items.map((m: Msg) => m.metrics)).toEqual([{ temp_c: 100 }]);

    const other = await get("gw-1/telemetry");
    expect(other.body.items.length).toBe(1);
    expect(JSON.stringify(other.body)).not.toContain("secret");
  });

  test("history buckets hold the exact min, max, avg and count; booleans count as 0/1, strings not at all", async () => {
    const r = await get(`dev-t/telemetry/history?metric=temp_c&from=${at(0)}&to=${at(HOUR)}&bucket=15m`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      metric: "temp_c",
      bucket: "15m",
      from: at(0),
      to: at(HOUR),
      points: [
        { time: at(0), min: 0.5, max: 9.5, avg: 5, count: 900 },
        { time: at(15 * 60_000), min: 0.5, max: 9.5, avg: 5, count: 900 },
        { time: at(30 * 60_000), min: 0.5, max: 9.5, avg: 5, count: 700 },
      ],
    });
    const door = await get(`dev-t/telemetry/history?metric=door&from=${at(0)}&to=${at(HOUR)}&bucket=1h`);
    expect(door.body.points).toEqual([{ time: at(0), min: 0, max: 1, avg: 0.5, count: 2500 }]);

    const day = await get("dev-t/telemetry/history?metric=temp_c");
    expect(day.body.bucket).toBe("15m");
    expect(day.body.points.map((p: { count: number }) => p.count)).toEqual([900, 900, 700, 4]);
    const week = await get("dev-t/telemetry/history?metric=temp_c&range=7d");
    expect(week.body.bucket).toBe("1h");
    expect(week.body.points[0]).toMatchObject({ min: 100, max: 100, count: 1 });
    expect((await get("dev-t/telemetry/history?metric=mode")).body.points).toEqual([]);
  });

  test("metric keys: sensors and latest state together", async () => {
    const r = await get("dev-t/telemetry/metrics");
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([
      { metricKey: "mode", unit: null, displayName: null, source: "telemetry", lastValue: "auto", lastTime: at(2499_000) },
      { metricKey: "pressure", unit: "hPa", displayName: null, source: "required", lastValue: null, lastTime: null },
      { metricKey: "temp_c", unit: "°C", displayName: "Temperature", source: "optional", lastValue: 1, lastTime: at(2 * HOUR) },
    ]);
  });

  test("CSV export: headers, quoting, formula guard, one column per metric", async () => {
    const r = await get(`dev-t/telemetry/export?from=${at(2498_000)}&to=${at(4 * HOUR)}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(r.headers.get("content-disposition")).toBe('attachment; filename="dev-t-telemetry.csv"');
    expect(r.text.split("\r\n")).toEqual([
      "time,msg_type,seq,'=cmd,door,mode,neg,note,quote,temp_c",
      `${at(2498_000)},telemetry,2498,,true,auto,,,,8.5`,
      `${at(2499_000)},telemetry,2499,,false,auto,,,,9.5`,
      ...[0, 1, 2, 3].map(() => expect.stringMatching(new RegExp(`^${at(2 * HOUR)},telemetry,300[0-3],,,,,,,1$`))),
      `${at(3.5 * HOUR)},telemetry,5000,x,,,-5,'=1+2,"a,""b""",`,
      "",
    ]);

    const all = await get("dev-t/telemetry/export?metric=temp_c&order=desc");
    const lines = all.text.trimEnd().split("\r\n");
    expect(lines[0]).toBe("time,msg_type,seq,temp_c");
    expect(lines.length).toBe(1 + 2505); // every message with temp_c in the last 24 h, across cursor batches
    expect(lines[1]).toMatch(/,3003,1$/);

    const capped = await get("dev-t/telemetry/export?limit=10");
    expect(capped.text.trimEnd().split("\r\n").length).toBe(11);
  });

  test("an export the client stops reading ends its transaction", async () => {
    await addDevice(h.db.sql, { tenant: "acme", device: "bulk" });
    await h.db.sql`
      insert into telemetry (time, tenant_id, device_id, msg_type, seq, metrics, msg_id)
      select ${base}::timestamptz + i * interval '100 milliseconds', 'acme', 'bulk', 'telemetry', i, jsonb_build_object('v', i), gen_random_uuid()
      from generate_series(1, 10000) i`;
    const res = await h.app.request(`${BASE}/bulk/telemetry/export`, { headers: { authorization: `Bearer ${viewer}` } });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toStartWith("time,msg_type,seq,v\r\n");
    await Bun.sleep(200); // the export fills its queue and waits for the client
    await reader.cancel();
    // A suspended cursor shows as active, an abandoned transaction as idle in transaction.
    const open = async () => (await h.db.sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`)[0]!.n;
    for (let i = 0; i < 50 && (await open()) > 0; i++) await Bun.sleep(20);
    expect(await open()).toBe(0);
    expect((await get("bulk/telemetry/export?limit=5")).text.trimEnd().split("\r\n").length).toBe(6);
  });

  test("another tenant's device is not found, on every telemetry route", async () => {
    for (const path of ["latest", "", "history?metric=temp_c", "metrics", "export"]) {
      const r = await get(`g-only/telemetry${path ? `/${path}` : ""}`);
      expect(r.status).toBe(404);
      expect(r.body.code).toBe("NOT_FOUND");
    }
  });

  test("bad ranges, buckets and cursors answer 400 with field paths", async () => {
    const cases: [string, string][] = [
      ["dev-t/telemetry?cursor=not-a-cursor", "query.cursor"],
      [`dev-t/telemetry?cursor=${Buffer.from('{"t":"1","m":"x"}').toString("base64url")}`, "query.cursor"],
      ["dev-t/telemetry?limit=0", "query.limit"],
      ["dev-t/telemetry?limit=10001", "query.limit"],
      ["dev-t/telemetry?from=yesterday", "query.from"],
      [`dev-t/telemetry?from=${at(HOUR)}&to=${at(0)}`, "query.from"],
      [`dev-t/telemetry?from=${at(-40 * 24 * HOUR)}&to=${at(0)}`, "query.from"],
      ["dev-t/telemetry/history", "query.metric"],
      ["dev-t/telemetry/history?metric=temp_c&range=7d&bucket=1m", "query.bucket"],
      ["dev-t/telemetry/history?metric=temp_c&range=2h", "query.range"],
      [`dev-t/telemetry/history?metric=temp_c&range=1h&from=${at(0)}`, "query.range"],
      ["dev-t/telemetry/history?metric=temp_c&bucket=2m", "query.bucket"],
      ["dev-t/telemetry/latest?count=11", "query.count"],
      ["dev-t/telemetry/export?limit=100001", "query.limit"],
    ];
    for (const [path, field] of cases) {
      const r = await get(path);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
  });
});
