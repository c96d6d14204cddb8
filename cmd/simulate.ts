/**
 * `pulse simulate`: a fleet of simulated devices (temperature sensors, doors, meters, HVAC,
 * trackers, vibration sensors) sending realistic telemetry and heartbeats over MQTT or HTTP, for
 * demos and load. The fleet is a JSON file; progress goes to the log every 10 s and the final
 * totals to stdout as JSON.
 */
import type { Command } from "commander";
import { PulseError } from "../src/platform/errors";
import type { FleetProgress, FleetStats, Profile, Transport } from "../src/simulate/service";
import { boot } from "./boot";

// Loaded when the command runs: the MQTT client stays out of `pulse --help`.
const load = () => import("../src/simulate/service");

interface Opts {
  fleet?: string;
  transport: string;
  mqttUrl?: string;
  httpUrl?: string;
  speed: string;
  heartbeatSeconds: string;
  outageRate: string;
  duration: string;
  httpConcurrency: string;
  profiles?: boolean;
}

const usage = (message: string) => new PulseError("USAGE", message);

/** A number flag within bounds, or a USAGE error naming the flag. */
function numberFlag(raw: string, flag: string, o: { min: number; max?: number; above?: boolean; whole?: boolean; expected: string }): number {
  const n = Number(raw);
  const ok =
    raw.trim() !== "" && Number.isFinite(n) && (o.above ? n > o.min : n >= o.min) && (o.max === undefined || n <= o.max) && (!o.whole || Number.isInteger(n));
  if (!ok) throw usage(`invalid value ${JSON.stringify(raw)} for ${flag}: expected ${o.expected}`);
  return n;
}

function listProfiles(profiles: readonly Profile[]): string {
  const width = Math.max(...profiles.map((p) => p.name.length));
  return profiles
    .map((p) => `${p.name.padEnd(width)}  every ${p.intervalMs / 1000} s: ${p.describe}\n${" ".repeat(width)}  excursion: ${p.excursion}`)
    .join("\n");
}

const summary = (s: FleetProgress) => ({
  sentPerSec: s.perSecond.sent,
  ackedPerSec: s.perSecond.acked,
  refusedPerSec: s.perSecond.refused,
  online: s.devices.online,
  outage: s.devices.outage,
  down: s.devices.down,
  stopped: s.devices.stopped,
  failed: s.failed,
});

export function registerSimulate(program: Command): void {
  program
    .command("simulate")
    .description("run a fleet of simulated devices sending realistic telemetry over MQTT or HTTP (demos, load)")
    .option("--fleet <file>", 'JSON fleet file: { "mqttUrl"?, "httpUrl"?, "devices": [{ tenant, device, token, profile, siteId?, intervalMs?, excursionsPerDay? }] }')
    .option("--transport <transport>", "mqtt or http", "mqtt")
    .option("--mqtt-url <url>", "MQTT broker (overrides the fleet file's; default mqtt://127.0.0.1:1883)")
    .option("--http-url <url>", "Pulse HTTP ingest base URL (overrides the fleet file's; default http://127.0.0.1:8080)")
    .option("--speed <n>", "simulated time runs n times faster: readings, intervals, heartbeats and outages", "1")
    .option("--heartbeat-seconds <n>", "simulated seconds between heartbeats", "60")
    .option("--outage-rate <fraction>", "fraction of the devices offline at any moment, 0 to 1", "0.02")
    .option("--duration <seconds>", "stop after this many seconds; 0 runs until Ctrl-C", "0")
    .option("--http-concurrency <n>", "HTTP requests in flight at most", "16")
    .option("--profiles", "list the device profiles and exit")
    .addHelpText("after", "\nExample: pulse simulate --fleet fleet.json --transport http --speed 60 --duration 300")
    .action(async (opts: Opts, cmd: Command) => {
      const sim = await load();
      if (opts.profiles) {
        console.log(listProfiles(Object.values(sim.PROFILES)));
        return;
      }
      if (opts.transport !== "mqtt" && opts.transport !== "http") throw usage(`invalid value ${JSON.stringify(opts.transport)} for --transport: expected mqtt or http`);
      const transport: Transport = opts.transport;
      const speed = numberFlag(opts.speed, "--speed", { min: 0, above: true, max: 100_000, expected: "a number above 0 (1 is real time)" });
      const heartbeatSeconds = numberFlag(opts.heartbeatSeconds, "--heartbeat-seconds", { min: 0, above: true, max: 86_400, expected: "seconds above 0, at most 86400" });
      const outageRate = numberFlag(opts.outageRate, "--outage-rate", { min: 0, max: 1, expected: "a fraction from 0 to 1" });
      const duration = numberFlag(opts.duration, "--duration", { min: 0, max: 604_800, expected: "0 (until Ctrl-C) up to 604800 seconds (a week)" });
      const httpConcurrency = numberFlag(opts.httpConcurrency, "--http-concurrency", { min: 1, max: 1024, whole: true, expected: "a whole number from 1 to 1024" });
      for (const [flag, raw, schema] of [["--mqtt-url", opts.mqttUrl, sim.MqttUrl], ["--http-url", opts.httpUrl, sim.HttpUrl]] as const) {
        const r = raw === undefined ? undefined : schema.safeParse(raw);
        if (r && !r.success) throw usage(`invalid value ${JSON.stringify(raw)} for ${flag}: ${r.error.issues[0]?.message}`);
      }
      if (!opts.fleet) throw usage("missing --fleet <file>: the devices to simulate (see 'pulse simulate --help')");
      const file = await sim.loadFleetFile(opts.fleet);

      await using rt = boot("simulate", [], cmd);
      if (duration > 0) {
        const timer = setTimeout(() => rt.lifecycle.stop("duration reached"), duration * 1000);
        rt.lifecycle.defer(() => clearTimeout(timer));
      }
      const mqttUrl = opts.mqttUrl ?? file.mqttUrl ?? "mqtt://127.0.0.1:1883";
      const httpUrl = opts.httpUrl ?? file.httpUrl ?? "http://127.0.0.1:8080";
      rt.log.info("simulating", { devices: file.devices.length, transport, url: transport === "mqtt" ? mqttUrl : httpUrl, speed, outageRate });
      const stats: FleetStats = await sim.runFleet({
        devices: file.devices,
        transport,
        mqttUrl,
        httpUrl,
        speed,
        heartbeatMs: heartbeatSeconds * 1000,
        outageRate,
        httpConcurrency,
        signal: rt.lifecycle.signal,
        log: rt.log,
        onStats: (s) => rt.log.info("fleet progress", summary(s)),
      });
      console.log(JSON.stringify(stats));
      if (stats.devices.stopped === stats.devices.total) {
        throw new PulseError("UNAUTHORIZED", `all ${stats.devices.total} device(s) were refused (their reasons are in the log)`);
      }
    });
}
