/**
 * The compiled binary on its own: built by `bun run build`, run from an empty directory with
 * no Bun on PATH, no node_modules and no source tree beside it.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary } from "./build";
import { describePg, testDb } from "../src/testing/db";
import { ROLES, runPulse } from "../src/testing/cli";
import { loadMigrations } from "../src/platform/migrate";
import { startUp } from "../src/testing/up";
import mqtt from "mqtt";

const MIGRATIONS = loadMigrations();

setDefaultTimeout(120_000);

describePg("the compiled pulse binary", () => {
  let dir: string;
  let binary: string;
  const run = (args: string[], env: Record<string, string> = {}) =>
    runPulse(args, { binary, cwd: dir, env: { PATH: "/usr/bin:/bin", ...env } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pulse-bin-"));
    binary = await buildBinary(join(dir, "pulse"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test("lists all eight roles and carries its migrations and console inside", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    for (const role of ROLES) expect(help.stdout).toMatch(new RegExp(`^  ${role} `, "m"));
    const version = await run(["version", "--json"]);
    expect(JSON.parse(version.stdout)).toMatchObject({ version: "0.1.0", migrations: MIGRATIONS.length, schema: MIGRATIONS.at(-1)!.name });
    expect(JSON.parse(version.stdout).console).toBeGreaterThanOrEqual(2);
    // The roles are loaded on demand; each is inside the binary and gets as far as its database.
    for (const role of ["serve", "ingest"]) {
      const r = await run([role, "--database-url", "postgres://pulse@127.0.0.1:9/pulse"]);
      expect([r.code, r.stderr.trim()]).toEqual([3, "pulse: cannot use PostgreSQL at 127.0.0.1:9/pulse: connection refused"]);
    }
  });

  test("migrates an empty database, and a second run applies nothing", async () => {
    await using db = await testDb({ migrated: false });
    const first = await run(["migrate", "--database-url", db.url]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`applied ${MIGRATIONS.length} migration(s)`);
    const second = await run(["migrate", "--database-url", db.url]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("nothing to apply");
  });

  test("`pulse up` runs the whole platform from the binary alone: a device publishes over MQTT and HTTP and reads back", async () => {
    await using up = await startUp({ binary, cwd: dir, env: { PATH: "/usr/bin:/bin" } });
    expect(up.ready.engines).toMatchObject({ database: "embedded PostgreSQL (PGlite)", bus: "local bus", mqtt: "embedded MQTT broker" });
    const token = await up.login();
    const created = await up.api("POST", "/api/v1/customer/devices", { token, body: { deviceId: "bin-1" } });
    expect(created.status).toBe(201);
    const device = created.body.credentials.provisionToken as string;
    const c = await mqtt.connectAsync(up.mqttUrl, { username: "default/bin-1", password: device, protocolVersion: 4 });
    await c.publishAsync("tenant/default/device/bin-1/telemetry", JSON.stringify({ metrics: { temp_c: 21.5 } }), { qos: 1 });
    await c.endAsync();
    const http = await fetch(`${up.url}/ingest/v1/tenant/default/device/bin-1/telemetry`, {
      method: "POST",
      headers: { "x-provision-token": device, "content-type": "application/json" },
      body: JSON.stringify({ metrics: { temp_c: 22.5 } }),
    });
    expect(http.status).toBe(202);
    let items: unknown[] = [];
    for (let i = 0; i < 100 && items.length < 2; i++) {
      await Bun.sleep(100);
      items = (await up.api("GET", "/api/v1/customer/devices/bin-1/telemetry", { token })).body.items;
    }
    expect(items.length).toBe(2);
    // The console comes out of the binary itself: its page, and the hashed script that page names.
    const page = await fetch(`${up.url}/app/devices/bin-1`);
    expect([page.status, page.headers.get("cache-control")]).toEqual([200, "no-cache"]);
    const script = /src="(\/app\/assets\/index-[a-z0-9]+\.js)"/.exec(await page.text())?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${up.url}${script}`);
    expect([js.status, js.headers.get("cache-control")]).toEqual([200, "public, max-age=31536000, immutable"]);
    expect((await js.text()).length).toBeGreaterThan(10_000);
  });
});
