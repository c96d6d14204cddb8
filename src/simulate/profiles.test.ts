import { describe, expect, test } from "bun:test";
import { parseEnvelope } from "../telemetry/envelope";
import { excursionLevel, PROFILE_NAMES, PROFILES, startExcursion, type Metrics, type ProfileName } from "./profiles";

const T0 = Date.parse("2026-03-02T00:00:00Z"); // a Monday, midnight UTC
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Samples a device at its profile's interval for `ms` of simulated time. */
function run(name: ProfileName, seed: string, ms: number, o: { excursionsPerDay?: number; every?: number } = {}): Array<{ t: number; m: Metrics }> {
  const p = PROFILES[name];
  const state = p.init(seed, T0, { excursionsPerDay: o.excursionsPerDay ?? 0 });
  const out: Array<{ t: number; m: Metrics }> = [];
  for (let t = T0 + (o.every ?? p.intervalMs); t <= T0 + ms; t += o.every ?? p.intervalMs) out.push({ t, m: p.sample(state, t) });
  return out;
}

const num = (m: Metrics, k: string) => {
  const v = m[k];
  if (typeof v !== "number") throw new Error(`${k} is ${JSON.stringify(v)}, not a number`);
  return v;
};
const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), -Infinity);
const min = (xs: number[]) => xs.reduce((a, b) => Math.min(a, b), Infinity);

/** Great-circle distance in metres. */
function metres(a: Metrics, b: Metrics): number {
  const rad = Math.PI / 180;
  const dLat = (num(b, "lat") - num(a, "lat")) * rad;
  const dLon = (num(b, "lon") - num(a, "lon")) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(num(a, "lat") * rad) * Math.cos(num(b, "lat") * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

describe("device profiles", () => {
  test("each profile names its metrics, an excursion and a default interval", () => {
    expect(PROFILE_NAMES).toEqual(["temperature", "door", "energy", "hvac", "gps", "vibration"]);
    for (const name of PROFILE_NAMES) {
      const p = PROFILES[name];
      expect(p.name).toBe(name);
      expect(p.describe.length).toBeGreaterThan(20);
      expect(p.excursion.length).toBeGreaterThan(10);
      expect(p.intervalMs).toBeGreaterThanOrEqual(1000);
    }
  });

  test("the same seed sampled at the same times gives the same readings; another seed does not", () => {
    for (const name of PROFILE_NAMES) {
      const a = run(name, "acme/dev-1", DAY, { excursionsPerDay: 3 });
      const b = run(name, "acme/dev-1", DAY, { excursionsPerDay: 3 });
      const c = run(name, "acme/dev-2", DAY, { excursionsPerDay: 3 });
      expect(a).toEqual(b);
      expect(c).not.toEqual(a);
    }
  });

  test("readings stay in physical ranges over three days, and every message is a valid envelope", () => {
    const within = (m: Metrics, k: string, lo: number, hi: number) => {
      const v = num(m, k);
      if (v < lo || v > hi) throw new Error(`${k} = ${v}, outside ${lo}..${hi}`);
    };
    for (const seed of ["acme/a", "acme/b", "globex/c"]) {
      for (const { m } of run("temperature", seed, 3 * DAY, { excursionsPerDay: 2 })) within(m, "temp_c", -40, 85), within(m, "humidity_pct", 0, 100);
      for (const { m } of run("door", seed, 3 * DAY, { excursionsPerDay: 2 })) {
        expect(typeof m.door_open).toBe("boolean");
        within(m, "open_seconds", 0, 86_400);
        if (!m.door_open) expect(m.open_seconds).toBe(0);
      }
      for (const { m } of run("energy", seed, 3 * DAY, { excursionsPerDay: 2 })) within(m, "power_w", 0, 20_000), within(m, "voltage_v", 200, 250);
      for (const { m } of run("hvac", seed, 3 * DAY, { excursionsPerDay: 2 })) {
        within(m, "supply_temp_c", 5, 45), within(m, "return_temp_c", 5, 40), within(m, "setpoint_c", 15, 25);
        expect(["cool", "heat", "fan", "off"]).toContain(m.mode as string);
        expect(m.fan_on).toBe(m.mode !== "off");
      }
      for (const { m } of run("gps", seed, 3 * DAY, { excursionsPerDay: 2 })) {
        within(m, "lat", -90, 90), within(m, "lon", -180, 180), within(m, "speed_kmh", 0, 160), within(m, "heading_deg", 0, 360), within(m, "battery_pct", 0, 100);
      }
      for (const { m } of run("vibration", seed, 3 * DAY, { excursionsPerDay: 2 })) within(m, "rms_mm_s", 0, 50), within(m, "peak_g", 0, 16);
    }
    for (const name of PROFILE_NAMES) {
      for (const { t, m } of run(name, "acme/env", DAY)) {
        const r = parseEnvelope(new TextEncoder().encode(JSON.stringify({ ts: new Date(t).toISOString(), seq: 1, metrics: m })), "acme", t);
        expect(r.ok).toBe(true);
      }
    }
  });

  test("readings are continuous: consecutive room temperatures differ by little", () => {
    const temps = run("temperature", "acme/t", 2 * DAY).map(({ m }) => num(m, "temp_c"));
    const steps = temps.slice(1).map((t, i) => Math.abs(t - temps[i]!));
    expect(max(steps)).toBeLessThan(0.5);
    expect(max(temps) - min(temps)).toBeGreaterThan(2); // and it does move: a daily cycle
  });

  test("temperature follows the day: afternoons are warmer than nights", () => {
    const samples = run("temperature", "acme/t", 7 * DAY);
    const at = (h0: number, h1: number) => samples.filter(({ t }) => (t % DAY) / HOUR >= h0 && (t % DAY) / HOUR < h1).map(({ m }) => num(m, "temp_c"));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(at(13, 17))).toBeGreaterThan(mean(at(1, 5)) + 1.5);
  });

  test("energy_kwh never decreases and grows by what the power readings add up to", () => {
    const s = run("energy", "acme/meter", 2 * DAY, { excursionsPerDay: 4 });
    for (let i = 1; i < s.length; i++) expect(num(s[i]!.m, "energy_kwh")).toBeGreaterThanOrEqual(num(s[i - 1]!.m, "energy_kwh"));
    const hours = (s.at(-1)!.t - s[0]!.t) / HOUR;
    const meanKw = s.reduce((a, { m }) => a + num(m, "power_w"), 0) / s.length / 1000;
    const used = num(s.at(-1)!.m, "energy_kwh") - num(s[0]!.m, "energy_kwh");
    expect(used).toBeGreaterThan(meanKw * hours * 0.95);
    expect(used).toBeLessThan(meanKw * hours * 1.05);
  });

  test("a gps tracker moves along its route at its reported speed, turns, stops and drains its battery", () => {
    const s = run("gps", "acme/van", 6 * HOUR);
    const far = max(s.map(({ m }) => metres(s[0]!.m, m)));
    expect(far).toBeGreaterThan(1_000);
    for (let i = 1; i < s.length; i++) {
      const fastest = Math.max(num(s[i - 1]!.m, "speed_kmh"), num(s[i]!.m, "speed_kmh")) / 3.6;
      expect(metres(s[i - 1]!.m, s[i]!.m)).toBeLessThanOrEqual(fastest * 10 * 1.5 + 5); // 10 s apart
    }
    expect(new Set(s.map(({ m }) => m.heading_deg)).size).toBeGreaterThan(3);
    expect(s.some(({ m }) => m.speed_kmh === 0)).toBe(true);
    expect(num(s.at(-1)!.m, "battery_pct")).toBeLessThan(num(s[0]!.m, "battery_pct"));
  });

  test("doors open now and then, and more in the working day than at night", () => {
    const s = run("door", "acme/door", 7 * DAY, { every: 5_000 });
    const counts = s.map(({ m }) => num(m, "open_count"));
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
    const openAt = (h0: number, h1: number) => s.filter(({ t, m }) => m.door_open && (t % DAY) / HOUR >= h0 && (t % DAY) / HOUR < h1).length;
    expect(openAt(10, 16)).toBeGreaterThan(3 * openAt(0, 6));
    expect(max(s.map(({ m }) => num(m, "open_seconds")))).toBeGreaterThan(5);
  });

  test("vibration shows shock spikes between calm readings", () => {
    const s = run("vibration", "acme/motor", 2 * DAY);
    const peaks = s.map(({ m }) => num(m, "peak_g"));
    expect(peaks.filter((g) => g >= 3).length).toBeGreaterThan(0);
    expect(peaks.filter((g) => g < 1).length).toBeGreaterThan(peaks.length * 0.9);
  });

  test("random excursions happen at about the configured rate and push readings out of their normal band", () => {
    const normal = max(run("temperature", "acme/x", 4 * DAY).map(({ m }) => num(m, "temp_c")));
    const hot = run("temperature", "acme/x", 4 * DAY, { excursionsPerDay: 6 }).map(({ m }) => num(m, "temp_c"));
    expect(max(hot)).toBeGreaterThan(normal + 6);
    const p = PROFILES.temperature;
    const state = p.init("acme/y", T0, { excursionsPerDay: 6 });
    const seen = new Set<number>();
    for (let t = T0; t < T0 + 10 * DAY; t += p.intervalMs) {
      p.sample(state, t);
      if (excursionLevel(state.excursion, t) > 0) seen.add(state.excursion!.start);
    }
    expect(seen.size).toBeGreaterThan(30); // 60 expected in ten days
    expect(seen.size).toBeLessThan(90);
    expect(excursionLevel({ start: 0, end: 1000 }, 500)).toBe(1);
    expect(excursionLevel({ start: 0, end: 1000 }, 100)).toBeCloseTo(0.5);
    expect(excursionLevel({ start: 0, end: 1000 }, 1000)).toBe(0);
  });

  test("an excursion started on demand shows in every profile, then passes", () => {
    // The hour before and the middle third of a one-hour excursion.
    const effect: Record<ProfileName, (before: Metrics[], during: Metrics[]) => void> = {
      temperature: (b, d) => expect(min(d.map((m) => num(m, "temp_c")))).toBeGreaterThan(max(b.map((m) => num(m, "temp_c"))) + 8),
      door: (_, d) => {
        expect(d.every((m) => m.door_open === true)).toBe(true);
        expect(num(d.at(-1)!, "open_seconds")).toBeGreaterThan(1_500);
      },
      energy: (b, d) => expect(min(d.map((m) => num(m, "power_w")))).toBeGreaterThan(max(b.map((m) => num(m, "power_w"))) * 1.5),
      hvac: (_, d) => expect(max(d.map((m) => Math.abs(num(m, "supply_temp_c") - num(m, "return_temp_c"))))).toBeLessThan(2),
      // A vehicle may stop for a delivery now and then: compare the fastest moments.
      gps: (b, d) => expect(max(d.map((m) => num(m, "speed_kmh")))).toBeGreaterThan(max(b.map((m) => num(m, "speed_kmh"))) + 25),
      vibration: (_, d) => expect(min(d.map((m) => num(m, "rms_mm_s")))).toBeGreaterThan(7),
    };
    for (const name of PROFILE_NAMES) {
      const p = PROFILES[name];
      const state = p.init(`acme/${name}`, T0, { excursionsPerDay: 0 });
      const noon = T0 + 12 * HOUR; // machines run, doors are used, trackers drive
      const before: Metrics[] = [];
      for (let t = noon - HOUR; t <= noon; t += p.intervalMs) before.push(p.sample(state, t));
      startExcursion(state, noon, HOUR);
      const during: Metrics[] = [];
      for (let t = noon + p.intervalMs; t <= noon + HOUR; t += p.intervalMs) {
        const m = p.sample(state, t);
        if (t >= noon + HOUR / 3 && t < noon + (2 * HOUR) / 3) during.push(m);
      }
      effect[name](before, during);
      p.sample(state, noon + 2 * HOUR);
      expect(state.excursion).toBeNull(); // over, and no random ones planned
    }
  });
});
