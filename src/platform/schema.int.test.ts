/**
 * What the schema itself guarantees, whatever code writes to it: identifier formats, the
 * device hierarchy, template ownership, credentials stored only as digests, idempotent
 * telemetry and rejection counters.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { asWorker, withTenant, type Tx } from "./db";
import { DEVICE_ID, SITE_ID, TENANT_ID } from "./ids";
import { describePg, testDb, type TestDb } from "../testing/db";
import { LIFELINE_GATEWAY, seedTenant, TEMP_PROBE, tokenHash } from "../testing/fixtures";

const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: { code?: string }) => e.code ?? String(e));

describePg("schema rules", () => {
  let db: TestDb;
  const worker = <T>(fn: (tx: Tx) => Promise<T>) => asWorker(db.sql, fn);

  beforeAll(async () => {
    db = await testDb();
    await seedTenant(db.sql, "acme");
    await seedTenant(db.sql, "globex");
  });
  afterAll(() => db?.[Symbol.asyncDispose]());

  test("identifier domains accept and refuse exactly what src/platform/ids.ts does", async () => {
    const samples = ["a", "acme-industrial", "Acme", "tenant_1", "-x", "a.b", "a/b", "a+b", "dev:01", "x".repeat(63), "x".repeat(64), "x".repeat(129), "", "ä"];
    for (const [domain, re] of [["t_tenant_id", TENANT_ID], ["t_device_id", DEVICE_ID], ["t_site_id", SITE_ID]] as const) {
      const rows = await db.sql<{ v: string; ok: boolean }[]>`
        select v, pg_input_is_valid(v, ${domain}) as ok from unnest(${samples}::text[]) v`.catch(async () =>
        // PostgreSQL 15 has no pg_input_is_valid: test each value with a cast.
        Promise.all(samples.map(async (v) => ({ v, ok: (await codeOf(db.sql.unsafe(`select $1::${domain}`, [v]))) === "ok" }))),
      );
      expect(rows.map((r) => [r.v, r.ok])).toEqual(samples.map((v) => [v, re.test(v)]));
    }
  });

  test("a device's parent must belong to the same tenant and may not create a loop", async () => {
    expect(await codeOf(worker((tx) => tx`
      insert into device_registry (tenant_id, device_id, parent_device_id) values ('globex', 'orphan', 'no-such-gw')`))).toBe("CONFLICT");
    await worker((tx) => tx`insert into device_registry (tenant_id, device_id) values ('acme', 'only-in-acme')`);
    expect(await codeOf(worker((tx) => tx`
      insert into device_registry (tenant_id, device_id, parent_device_id) values ('globex', 'child', 'only-in-acme')`))).toBe("CONFLICT");
    await worker(async (tx) => {
      await tx`insert into device_registry (tenant_id, device_id) values ('acme', 'a1'), ('acme', 'a2')`;
      await tx`update device_registry set parent_device_id = 'a1' where tenant_id = 'acme' and device_id = 'a2'`;
    });
    expect(await codeOf(worker((tx) => tx`update device_registry set parent_device_id = 'a2' where tenant_id = 'acme' and device_id = 'a1'`))).toBe("BAD_REQUEST");
    expect(await codeOf(worker((tx) => tx`update device_registry set parent_device_id = 'a1' where tenant_id = 'acme' and device_id = 'a1'`))).toBe("BAD_REQUEST");
    await worker((tx) => tx`delete from device_registry where tenant_id = 'acme' and device_id = 'a1'`);
    const [child] = await worker((tx) => tx`select parent_device_id from device_registry where tenant_id = 'acme' and device_id = 'a2'`);
    expect(child!.parentDeviceId).toBeNull();
  });

  test("a device may use a system template or its own tenant's, never another tenant's", async () => {
    const [globexTpl] = await worker((tx) => tx<{ templateId: string }[]>`
      select template_id from device_templates where tenant_id = 'globex' and slug = 'gateway-x'`);
    expect(await codeOf(withTenant(db.sql, "acme", (tx) => tx`
      insert into device_registry (tenant_id, device_id, template_id) values ('acme', 'stolen', ${globexTpl!.templateId})`))).toBe("CONFLICT");
    expect(await codeOf(withTenant(db.sql, "acme", (tx) => tx`
      insert into device_registry (tenant_id, device_id, template_id) values ('acme', 'fine', ${LIFELINE_GATEWAY})`))).toBe("ok");
  });

  test("template parts take their tenant from the template, whatever the caller says", async () => {
    const [tpl] = await worker((tx) => tx<{ templateId: string }[]>`
      select template_id from device_templates where tenant_id = 'acme' and slug = 'probe-x'`);
    const [m] = await worker((tx) => tx<{ tenantId: string }[]>`
      insert into template_metrics (template_id, tenant_id, metric_key, display_name, data_type)
      values (${tpl!.templateId}, 'globex', 'humidity', 'Humidity', 'float') returning tenant_id`);
    expect(m!.tenantId).toBe("acme");
  });

  test("a slot accepts only expansion modules of the system or of its own tenant", async () => {
    const [slot] = await worker((tx) => tx<{ slotId: string }[]>`select slot_id from template_slots where tenant_id = 'acme'`);
    const [globexModule] = await worker((tx) => tx<{ templateId: string }[]>`
      select template_id from device_templates where tenant_id = 'globex' and slug = 'probe-x'`);
    expect(await codeOf(worker((tx) => tx`
      insert into template_slot_modules (slot_id, module_template_id) values (${slot!.slotId}, ${globexModule!.templateId})`))).toBe("BAD_REQUEST");
    expect(await codeOf(worker((tx) => tx`
      insert into template_slot_modules (slot_id, module_template_id) values (${slot!.slotId}, ${LIFELINE_GATEWAY})`))).toBe("BAD_REQUEST");
    expect(await codeOf(worker((tx) => tx`
      insert into template_slot_modules (slot_id, module_template_id) values (${slot!.slotId}, ${TEMP_PROBE})`))).toBe("ok");
  });

  test("the system templates are seeded with their metrics, commands and slots", async () => {
    const rows = await worker((tx) => tx<{ slug: string; metrics: number; commands: number; slots: number; locked: boolean }[]>`
      select t.slug, t.is_locked as locked,
             (select count(*)::int from template_metrics m where m.template_id = t.template_id) as metrics,
             (select count(*)::int from template_commands c where c.template_id = t.template_id) as commands,
             (select count(*)::int from template_slots s where s.template_id = t.template_id) as slots
      from device_templates t where t.tenant_id is null order by t.slug`);
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { slug: "gps-tracker-v1", locked: true, metrics: 5, commands: 0, slots: 0 },
      { slug: "humidity-sensor-v1", locked: true, metrics: 2, commands: 0, slots: 0 },
      { slug: "lifeline-gateway-v1", locked: true, metrics: 6, commands: 3, slots: 4 },
      { slug: "temp-probe-v1", locked: true, metrics: 1, commands: 0, slots: 0 },
    ]);
  });

  test("users are either tenant people or operators, never both", async () => {
    expect(await codeOf(worker((tx) => tx`insert into users (tenant_id, email, roles) values ('acme', 'x@acme.test', '{operator}')`))).toBe("BAD_REQUEST");
    expect(await codeOf(worker((tx) => tx`insert into users (email, roles) values ('op@pulse.test', '{customer}')`))).toBe("BAD_REQUEST");
    expect(await codeOf(worker((tx) => tx`insert into users (email, roles, password_hash) values ('op@pulse.test', '{operator}', 'plain')`))).toBe("BAD_REQUEST");
    expect(await codeOf(worker((tx) => tx`insert into users (email, roles) values ('ADMIN@acme.test', '{operator}')`))).toBe("CONFLICT");
  });

  test("credentials are stored only as 32-byte digests, and activation codes expire", async () => {
    expect(await codeOf(worker((tx) => tx`
      insert into device_credentials (tenant_id, device_id, kind, token_hash, token_prefix)
      values ('acme', 'gw-1', 'provision_token', ${Buffer.from("pt_plaintext_token")}, 'pt_p')`))).toBe("BAD_REQUEST");
    expect(await codeOf(worker((tx) => tx`
      insert into device_credentials (tenant_id, device_id, kind, token_hash, token_prefix)
      values ('acme', 'gw-1', 'activation_code', ${tokenHash(randomUUID())}, 'ac_1')`))).toBe("BAD_REQUEST");
  });

  test("the same telemetry message written twice is stored once", async () => {
    const msgId = randomUUID();
    const time = new Date("2026-11-27T10:00:00Z");
    await worker((tx) => tx`select pulse_ensure_partitions('telemetry', ${time}, ${time})`);
    for (let i = 0; i < 2; i++) {
      await worker((tx) => tx`
        insert into telemetry (time, tenant_id, device_id, msg_type, metrics, msg_id)
        values (${time}, 'acme', 'gw-1', 'telemetry', ${tx.json({ temp_c: 1 })}, ${msgId})
        on conflict do nothing`);
    }
    const [r] = await worker((tx) => tx`select count(*)::int as n from telemetry where msg_id = ${msgId}`);
    expect(r!.n).toBe(1);
  });

  test("rejection counters add up per minute, tenant and reason, also without a tenant", async () => {
    const bump = (tenant: string | null) => worker((tx) => tx`
      insert into quarantine_counters_minute (minute, tenant_id, reason, count)
      values ('2026-11-27T10:00:00Z', ${tenant}, 'BAD_TOPIC_FORMAT', 1)
      on conflict (minute, tenant_id, reason) do update set count = quarantine_counters_minute.count + excluded.count`);
    await bump(null);
    await bump(null);
    await bump("acme");
    const rows = await worker((tx) => tx<{ tenantId: string | null; count: string }[]>`
      select tenant_id, count from quarantine_counters_minute where reason = 'BAD_TOPIC_FORMAT' order by tenant_id nulls first`);
    expect(rows.map((r) => [r.tenantId, Number(r.count)])).toEqual([[null, 2], ["acme", 1]]);
  });

  test("deleting a tenant removes everything it owned", async () => {
    await seedTenant(db.sql, "initech");
    await worker((tx) => tx`delete from tenants where tenant_id = 'initech'`);
    const [r] = await worker((tx) => tx`
      select (select count(*) from device_registry where tenant_id = 'initech')
           + (select count(*) from device_templates where tenant_id = 'initech')
           + (select count(*) from template_metrics where tenant_id = 'initech')
           + (select count(*) from device_credentials where tenant_id = 'initech')
           + (select count(*) from users where tenant_id = 'initech') as n`);
    expect(Number(r!.n)).toBe(0);
  });
});
