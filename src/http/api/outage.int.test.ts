/** The API while PostgreSQL is away: a prompt 503 (never a hang), and service again once it is back. */
import { expect, test } from "bun:test";
import { connect, openTenantReads } from "../../platform/db";
import { createMetrics } from "../../platform/metrics";
import { loadMigrations, migrate } from "../../platform/migrate";
import { describePg, quietLog } from "../../testing/db";
import { seedTenant } from "../../testing/fixtures";
import { startPostgres } from "../../testing/servers";
import { createApp } from "../app";
import { createApiDeps } from "./deps";

describePg("API during a database outage", () => {
  test("answers 503 UNAVAILABLE while PostgreSQL is stopped, then recovers by itself", async () => {
    await using pg = await startPostgres();
    const sql = connect({ url: pg.url, appName: "test", log: quietLog, max: 4, connectTimeoutSeconds: 2 });
    const reads = openTenantReads({ url: pg.url, appName: "test", log: quietLog, clients: 2, connectTimeoutSeconds: 2 });
    try {
      await migrate(sql, loadMigrations(), { log: quietLog });
      await seedTenant(sql, "acme");
      const deps = await createApiDeps(sql, reads, { oidcIssuer: "", oidcAudience: "pulse-api", oidcJwksUrl: "", accessTokenTtl: 900, sessionTtl: 3600, apiRate: 0, apiBurst: 1, mqttHookSecret: "", deviceCacheTtl: 60, egressAllow: [] }, quietLog);
      const app = createApp({ log: quietLog, metrics: createMetrics("serve"), checks: {}, api: deps });
      const token = await deps.identity.builtin!.accessToken({ userId: crypto.randomUUID(), tenantId: "acme", email: "a@acme.test", displayName: null, roles: ["customer"], status: "ACTIVE", lastLoginAt: null, createdAt: new Date(), updatedAt: new Date() });
      const get = () => app.request("/api/v1/customer/devices/gw-1", { headers: { authorization: `Bearer ${token}` } });

      expect((await get()).status).toBe(200);
      // A request in flight when the server goes away fails too; it does not hang.
      const inFlight = Promise.resolve(app.request("/api/v1/customer/devices/gw-1/telemetry/export", { headers: { authorization: `Bearer ${token}` } })).then((r) => r.text().then(() => r.status, () => -1), () => 0); // -1: the body was cut short
      await pg.stop();
      const started = performance.now();
      const down = await get();
      expect(down.status).toBe(503);
      expect(((await down.json()) as { code: string }).code).toBe("UNAVAILABLE");
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(await Promise.race([inFlight, Bun.sleep(5_000).then(() => "hung")])).not.toBe("hung");

      await pg.start();
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await get()).status;
        if (status !== 200) await Bun.sleep(100);
      }
      expect(status).toBe(200);
    } finally {
      await reads.end();
      await sql.end({ timeout: 1 });
    }
  });
});
