/** One-round-trip tenant reads: the same isolation as withTenant, under concurrency and failure. */
import { expect, test } from "bun:test";
import { describePg, quietLog, testDb } from "../testing/db";
import { seedTenant } from "../testing/fixtures";
import { openTenantReads } from "./db";

describePg("openTenantReads", () => {
  test("sees only the tenant's rows, even with many reads of different tenants in flight at once", async () => {
    await using db = await testDb();
    const tenants = ["t-a", "t-b", "t-c", "t-d"];
    for (const t of tenants) await seedTenant(db.sql, t);
    const reads = openTenantReads({ url: db.url, appName: "test", log: quietLog, clients: 2 });
    try {
      const asks = Array.from({ length: 400 }, (_, i) => tenants[i % tenants.length]!);
      const answers = await Promise.all(asks.map((t) => reads.read(t, (q) => q<{ tenantId: string }[]>`select tenant_id from device_registry`)));
      answers.forEach((rows, i) => {
        expect(rows.length).toBe(2);
        expect([...new Set(rows.map((r) => r.tenantId))]).toEqual([asks[i]!]);
      });
    } finally {
      await reads.end();
    }
  });

  test("a failing statement throws and leaves the next read unharmed; writes are refused", async () => {
    await using db = await testDb();
    await seedTenant(db.sql, "acme");
    const reads = openTenantReads({ url: db.url, appName: "test", log: quietLog, clients: 1 });
    try {
      await expect(reads.read("acme", (q) => q`select 1 / 0`)).rejects.toThrow(/division by zero/);
      await expect(reads.read("acme", (q) => q`update sites set name = 'x' returning 1`)).rejects.toThrow(/read-only/);
      expect((await db.sql`select name from sites where tenant_id = 'acme'`)[0]!.name).toBe("Plant 1");
      expect(await reads.read("acme", (q) => q`select current_user as who, current_setting('app.tenant_id') as tenant`)).toEqual([{ who: "pulse_app", tenant: "acme" }] as never);
      await expect(reads.read("Not A Tenant", (q) => q`select 1`)).rejects.toMatchObject({ code: "FORBIDDEN" });
    } finally {
      await reads.end();
    }
  });
});
