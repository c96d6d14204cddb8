import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { testSettings } from "../src/platform/config";
import { runPulse, type CliResult } from "../src/testing/cli";
import { freePort } from "../src/testing/servers";

setDefaultTimeout(30_000);

const dir = mkdtempSync(join(tmpdir(), "pulse-simulate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes a fleet file (an object as JSON, a string as is) and returns its path. */
function fleetFile(content: unknown): string {
  const path = join(dir, `fleet-${++files}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const oneLine = (r: CliResult) => {
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines.length).toBe(1);
  return lines[0];
};

const uniqueTenant = () => `simt${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const device = (tenant: string, id: string, profile = "temperature") => ({ tenant, device: `${tenant}-${id}`, token: `tok-${id}`, profile });

describe("pulse simulate", () => {
  test("--profiles lists every profile with its metrics and excursion", async () => {
    const r = await runPulse(["simulate", "--profiles"]);
    expect(r.code).toBe(0);
    for (const name of ["temperature", "door", "energy", "hvac", "gps", "vibration"]) expect(r.stdout).toMatch(new RegExp(`^${name} +every \\d+ s: `, "m"));
    expect(r.stdout).toContain("excursion: cooling failure");
  });

  test("a bad flag is one line naming it, exit 2, before the fleet file is read", async () => {
    const cases: Array<[string[], string]> = [
      [["--speed", "-1"], 'pulse: invalid value "-1" for --speed: expected a number above 0 (1 is real time)'],
      [["--speed", "fast"], 'pulse: invalid value "fast" for --speed: expected a number above 0 (1 is real time)'],
      [["--outage-rate", "1.5"], 'pulse: invalid value "1.5" for --outage-rate: expected a fraction from 0 to 1'],
      [["--heartbeat-seconds", "0"], 'pulse: invalid value "0" for --heartbeat-seconds: expected seconds above 0, at most 86400'],
      [["--duration", "-3"], 'pulse: invalid value "-3" for --duration: expected 0 (until Ctrl-C) up to 604800 seconds (a week)'],
      [["--http-concurrency", "2.5"], 'pulse: invalid value "2.5" for --http-concurrency: expected a whole number from 1 to 1024'],
      [["--transport", "pigeon"], 'pulse: invalid value "pigeon" for --transport: expected mqtt or http'],
      [["--mqtt-url", "http://broker"], 'pulse: invalid value "http://broker" for --mqtt-url: expected a URL like mqtt://127.0.0.1:1883'],
    ];
    const results = await Promise.all(cases.map(([args]) => runPulse(["simulate", ...args, "--fleet", "x"])));
    for (const [i, r] of results.entries()) {
      expect(r.code).toBe(2);
      expect(oneLine(r)).toBe(cases[i]![1]);
    }
    const missing = await runPulse(["simulate"]);
    expect(missing.code).toBe(2);
    expect(oneLine(missing)).toBe("pulse: missing --fleet <file>: the devices to simulate (see 'pulse simulate --help')");
  });

  test("a bad fleet file is one line naming the file and the field, exit 2", async () => {
    const t = "acme";
    const cases: Array<[unknown, string]> = [
      [{ devices: [device(t, "a"), { ...device(t, "b"), profile: "toaster" }] }, "devices[1].profile: expected one of temperature, door, energy, hvac, gps, vibration"],
      [{ devices: [{ ...device(t, "a"), tenant: "ACME!" }] }, "devices[0].tenant: expected a tenant id"],
      [{ devices: [{ ...device(t, "a"), intervalMs: 5 }] }, "devices[0].intervalMs: expected at least 100 ms"],
      [{ devices: [{ ...device(t, "a"), site_id: "s1" }] }, 'devices[0]: Unrecognized key: "site_id"'],
      [{ mqttUrl: "localhost:1883", devices: [device(t, "a")] }, "mqttUrl: expected a URL like mqtt://127.0.0.1:1883"],
      [{ devices: [] }, "devices: expected at least one device"],
      [{ devices: [device(t, "a"), device(t, "a")] }, "devices[1].device: acme/acme-a is already devices[0]"],
      ['{"devices": [', "not valid JSON"],
    ];
    const paths = cases.map(([content]) => fleetFile(content));
    const results = await Promise.all(paths.map((p) => runPulse(["simulate", "--fleet", p])));
    for (const [i, r] of results.entries()) {
      expect(r.code).toBe(2);
      expect(oneLine(r)).toStartWith(`pulse: fleet file ${paths[i]}: ${cases[i]![1]}`);
    }
    const none = await runPulse(["simulate", "--fleet", join(dir, "nowhere.json")]);
    expect(none.code).toBe(2);
    expect(oneLine(none)).toBe(`pulse: fleet file ${join(dir, "nowhere.json")}: no such file`);
  });

  test("runs a fleet for --duration against the broker and prints the totals as JSON", async () => {
    const tenant = uniqueTenant();
    const devices = [device(tenant, "a"), device(tenant, "b", "gps")].map((d) => ({ ...d, intervalMs: 1_000 }));
    const watcher = await mqtt.connectAsync(testSettings().mqttUrl, { clientId: `${tenant}-watch`, protocolVersion: 4 });
    const seen: string[] = [];
    watcher.on("message", (topic) => seen.push(topic));
    await watcher.subscribeAsync(`tenant/${tenant}/device/+/+`, { qos: 1 });
    try {
      const path = fleetFile({ mqttUrl: "mqtt://127.0.0.1:9", devices });
      // --mqtt-url overrides the file's (unreachable) broker.
      const r = await runPulse(["simulate", "--fleet", path, "--mqtt-url", testSettings().mqttUrl, "--speed", "10", "--duration", "2", "--outage-rate", "0"]);
      expect(r.code).toBe(0);
      const stats = JSON.parse(r.stdout) as { transport: string; sent: number; acked: number; devices: { total: number; online: number } };
      expect(stats).toMatchObject({ transport: "mqtt", devices: { total: 2, online: 2 } });
      expect(stats.sent).toBeGreaterThan(4);
      expect(stats.acked).toBe(stats.sent);
      const logs = r.stderr.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logs[0]).toMatchObject({ level: "info", svc: "simulate", msg: "simulating", devices: 2, transport: "mqtt", speed: 10 });
      for (let waited = 0; seen.length < stats.acked && waited < 5_000; waited += 20) await Bun.sleep(20);
      expect(seen.length).toBe(stats.acked);
    } finally {
      await watcher.endAsync();
    }
  });

  test("when every device is refused, the totals are still printed and the exit code is 1", async () => {
    const tenant = uniqueTenant();
    await using server = Bun.serve({
      hostname: "127.0.0.1",
      port: await freePort(),
      fetch: () => Response.json({ code: "INVALID_CREDENTIAL", detail: "the device credential is missing or not valid for this device" }, { status: 401 }),
    });
    const path = fleetFile({ httpUrl: `http://127.0.0.1:${server.port}`, devices: [{ ...device(tenant, "a"), intervalMs: 100 }] });
    // No random outages: 2% of seeds would start the device offline for minutes.
    const r = await runPulse(["simulate", "--fleet", path, "--transport", "http", "--outage-rate", "0"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ transport: "http", refused: 1, reasons: { "http 401": 1 }, devices: { total: 1, stopped: 1 } });
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("pulse: all 1 device(s) were refused (their reasons are in the log)");
    expect(lines.some((l) => l.includes('"msg":"device refused; it stops sending"') && l.includes(`"device":"${tenant}-a"`))).toBe(true);
  });
});
