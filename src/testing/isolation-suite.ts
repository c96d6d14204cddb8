/**
 * Tenant isolation, proven table by table, for any engine (PostgreSQL, PGlite). The tables
 * are enumerated from the catalog, so a table added without row-level security (or without a
 * seed row in fixtures.ts) fails here.
 */
import { beforeAll, afterAll, describe, expect, test } from "bun:test";
import { asOperator, asWorker, withTenant, type Sql } from "../platform/db";
import { PulseError } from "../platform/errors";
import { seedTenant } from "./fixtures";

/** Tables with no tenant: the application role may not touch them at all. */
const PLATFORM_TABLES = ["identity_keys", "operator_audit_log", "retention_policies", "role_instances", "schema_migrations", "user_sessions"];

interface TableInfo {
  name: string;
  rls: boolean;
  forced: boolean;
  hasTenantId: boolean;
  policies: string[];
}

async function catalogTables(sql: Sql): Promise<TableInfo[]> {
  return sql<TableInfo[]>`
    select c.relname as name, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
           exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped) as has_tenant_id,
           coalesce((select array_agg(p.polcmd::text order by p.polcmd::text) from pg_policy p where p.polrelid = c.oid), '{}') as policies
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
      and not exists (select from pg_depend d where d.objid = c.oid and d.deptype = 'e')
    order by c.relname`;
}

/** Columns a plain INSERT may set (not generated, not identity ALWAYS). */
async function insertableColumns(sql: Sql, table: string): Promise<string[]> {
  const rows = await sql<{ attname: string }[]>`
    select attname from pg_attribute
    where attrelid = ${table}::regclass and attnum > 0 and not attisdropped and attgenerated = '' and attidentity <> 'a'
    order by attnum`;
  return rows.map((r) => r.attname);
}

export interface MigratedDb extends AsyncDisposable {
  sql: Sql;
}

export function tenantIsolationSuite(engine: string, open: () => Promise<MigratedDb>, run = describe) {
  run(`tenant isolation on ${engine}`, () => {
    let db: MigratedDb;
    let tables: TableInfo[];
    let tenantTables: string[];

    beforeAll(async () => {
      db = await open();
      await seedTenant(db.sql, "acme");
      await seedTenant(db.sql, "globex");
      tables = await catalogTables(db.sql);
      tenantTables = tables.filter((t) => t.hasTenantId).map((t) => t.name);
    });
    afterAll(() => db?.[Symbol.asyncDispose]());

    test("every table is either tenant-owned with forced RLS or a platform table", () => {
      const unclassified = tables.filter((t) => !t.hasTenantId && !PLATFORM_TABLES.includes(t.name)).map((t) => t.name);
      expect(unclassified).toEqual([]);
      const weak = tables
        .filter((t) => t.hasTenantId)
        .filter((t) => !t.rls || !t.forced || t.policies.join() !== "a,d,r,w")
        .map((t) => t.name);
      expect(weak).toEqual([]);
      expect(tenantTables.length).toBeGreaterThanOrEqual(19);
    });

    test("the application role has no privilege on platform tables", async () => {
      const rows = await db.sql<{ name: string; granted: boolean }[]>`
        select t as name,
               has_table_privilege('pulse_app', t, 'select') or has_table_privilege('pulse_app', t, 'insert')
               or has_table_privilege('pulse_app', t, 'update') or has_table_privilege('pulse_app', t, 'delete') as granted
        from unnest(${PLATFORM_TABLES}::text[]) t`;
      expect(rows.filter((r) => r.granted)).toEqual([]);
    });

    test("every tenant table holds rows of both tenants (the seed covers it)", async () => {
      const missing: string[] = [];
      await asWorker(db.sql, async (tx) => {
        for (const t of tenantTables) {
          const [r] = await tx.unsafe(
            `select count(*) filter (where tenant_id = 'acme')::int as a, count(*) filter (where tenant_id = 'globex')::int as g from ${t}`,
          );
          if (!r || r.a === 0 || r.g === 0) missing.push(t);
        }
      });
      expect(missing).toEqual([]);
    });

    test("a tenant sees only its own rows (and system rows) in every tenant table", async () => {
      const leaks: string[] = [];
      await withTenant(db.sql, "acme", async (tx) => {
        for (const t of tenantTables) {
          const [r] = await tx.unsafe(
            `select count(*) filter (where tenant_id = 'acme')::int as own,
                    count(*) filter (where tenant_id <> 'acme')::int as other from ${t}`,
          );
          if (!r || r.own === 0 || r.other !== 0) leaks.push(`${t}: own=${r?.own} other=${r?.other}`);
        }
      });
      expect(leaks).toEqual([]);
    });

    test("without a tenant, the application role sees no tenant rows", async () => {
      const seen: string[] = [];
      await db.sql.begin(async (tx) => {
        await tx`select set_config('role', 'pulse_app', true)`;
        for (const t of tenantTables) {
          const [r] = await tx.unsafe(`select count(*) filter (where tenant_id is not null)::int as n from ${t}`);
          if (r?.n !== 0) seen.push(t);
        }
      });
      expect(seen).toEqual([]);
      expect(withTenant(db.sql, undefined, async () => 1)).rejects.toBeInstanceOf(PulseError);
      expect(withTenant(db.sql, "ACME; drop table tenants", async () => 1)).rejects.toMatchObject({ code: "FORBIDDEN" });
    });

    test("a tenant can neither write, change nor delete another tenant's rows", async () => {
      const failures: string[] = [];
      for (const t of tenantTables) {
        const cols = await insertableColumns(db.sql, t);
        const list = cols.join(", ");
        const [victim] = await asWorker(db.sql, (tx) => tx.unsafe(`select row_to_json(x)::jsonb as row from ${t} x where tenant_id = 'globex' limit 1`));
        const inserted = await withTenant(db.sql, "acme", (tx) =>
          tx.unsafe(`insert into ${t} (${list}) select ${list} from jsonb_populate_record(null::${t}, $1::jsonb)`, [victim!.row]),
        ).then(
          () => "accepted",
          (e: PulseError) => e.code,
        );
        // Template parts take their tenant from a template the tenant cannot see: the trigger
        // refuses those (foreign key); everything else is refused by the policy itself.
        const expected = t.startsWith("template_") ? "CONFLICT" : "FORBIDDEN";
        if (inserted !== expected) failures.push(`${t}: insert of another tenant's row gave ${inserted}, expected ${expected}`);
        const changed = await withTenant(db.sql, "acme", async (tx) => {
          const u = await tx.unsafe(`update ${t} set tenant_id = tenant_id where tenant_id = 'globex'`);
          const d = await tx.unsafe(`delete from ${t} where tenant_id = 'globex'`);
          return u.count + d.count;
        }).catch((e: PulseError) => (e.code === "FORBIDDEN" ? 0 : -1));
        if (changed !== 0) failures.push(`${t}: update/delete touched ${changed} rows`);
      }
      expect(failures).toEqual([]);
      const [after] = await asWorker(db.sql, (tx) => tx`select count(*)::int as n from device_registry where tenant_id = 'globex'`);
      expect(after!.n).toBe(2);
    });

    test("a tenant cannot move its own rows to another tenant", async () => {
      const err = await withTenant(db.sql, "acme", (tx) => tx`update sites set tenant_id = 'globex' where site_id = 'site-1'`).catch((e) => e);
      expect(err).toBeInstanceOf(PulseError);
      expect(err.code).toBe("FORBIDDEN");
    });

    test("system templates are readable by every tenant and writable by none", async () => {
      const names = await withTenant(db.sql, "globex", (tx) => tx<{ slug: string }[]>`
        select slug from device_templates where tenant_id is null order by slug`);
      expect(names.map((r) => r.slug)).toEqual(["gps-tracker-v1", "humidity-sensor-v1", "lifeline-gateway-v1", "temp-probe-v1"]);
      const updated = await withTenant(db.sql, "globex", (tx) => tx`update device_templates set name = 'mine' where tenant_id is null`);
      expect(updated.count).toBe(0);
      const metric = await withTenant(db.sql, "globex", (tx) =>
        tx`insert into template_metrics (template_id, metric_key, display_name, data_type)
           values ('00000000-0000-4000-8000-000000000101', 'x', 'X', 'float')`,
      ).catch((e) => e);
      expect(metric).toMatchObject({ code: "FORBIDDEN" });
    });

    test("operators see every tenant, and each operator access is audited in the same transaction", async () => {
      const n = await asOperator(
        db.sql,
        { actorId: "op-1", action: "devices.list", targetTenantId: null, resource: "device_registry", ip: "10.0.0.9" },
        async (tx) => (await tx<{ n: number }[]>`select count(distinct tenant_id)::int as n from device_registry`)[0]!.n,
      );
      expect(n).toBe(2);
      await asOperator(db.sql, { actorId: "op-1", action: "tenant.purge", targetTenantId: "acme", resource: "tenants" }, async () => {
        throw new PulseError("CONFLICT", "changed my mind");
      }).catch(() => {});
      const audit = await asWorker(db.sql, (tx) => tx`select actor_id, action, target_tenant_id, resource, host(ip) as ip from operator_audit_log order by audit_id`);
      expect(audit.map((r) => ({ ...r }))).toEqual([
        { actorId: "op-1", action: "devices.list", targetTenantId: null, resource: "device_registry", ip: "10.0.0.9" },
      ]);
    });
  });
}
