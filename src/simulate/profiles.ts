/**
 * Device profiles for `pulse simulate`: what a simulated temperature sensor, door contact,
 * energy meter, HVAC unit, GPS tracker or vibration sensor reports. Each keeps a small physical
 * model per device (a daily cycle, slow drift, random events) advanced by the time between
 * samples, so readings are continuous rather than white noise. A seed (the device's key) drives
 * every random choice: the same seed sampled at the same times gives the same readings.
 *
 * Every profile also has excursions: a stretch of abnormal readings (a cooling failure, a door
 * propped open, an overload…) for alert rules to catch. They come at random, `excursionsPerDay`
 * on average, or on demand with `startExcursion`. Time of day is UTC.
 */

export type Metrics = Record<string, number | boolean | string>;
/** Uniform in [0, 1). */
export type Rng = () => number;

/** A stretch of abnormal readings, in simulated epoch ms. */
export interface Excursion {
  start: number;
  end: number;
}

/** One device's simulation. Made by `Profile.init`; `Profile.sample` advances it. */
export interface SimState {
  readonly profile: string;
  readonly rng: Rng;
  /** Time of the previous sample (simulated epoch ms). */
  last: number;
  /** Average random excursions per simulated day; 0: only those started by `startExcursion`. */
  readonly excursionsPerDay: number;
  /** The excursion under way, or the next one planned. */
  excursion: Excursion | null;
  readonly model: unknown;
}

export interface Profile {
  readonly name: string;
  readonly describe: string;
  /** What an excursion looks like in this profile's readings. */
  readonly excursion: string;
  /** Default time between telemetry messages (simulated ms). */
  readonly intervalMs: number;
  init(seed: string, now: number, o?: { excursionsPerDay?: number }): SimState;
  sample(state: SimState, now: number): Metrics;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const DEFAULT_EXCURSIONS_PER_DAY = 1;
const EXCURSION_MIN_MS = 10 * MINUTE;
const EXCURSION_MAX_MS = 40 * MINUTE;

/** FNV-1a of the seed into mulberry32: small, fast and the same everywhere. */
export function seededRng(seed: string): Rng {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal (Box–Muller). */
const normal = (rng: Rng) => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
/** Exponentially distributed wait with the given mean. */
export const exponential = (rng: Rng, mean: number) => -Math.log(1 - rng()) * mean;
const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
/** Hour of the day, UTC, fractional. */
const hourOf = (t: number) => (((t % DAY) + DAY) % DAY) / HOUR;
/** 1 at `peakHour`, -1 twelve hours away. */
const daily = (hour: number, peakHour: number) => Math.cos((2 * Math.PI * (hour - peakHour)) / 24);

/**
 * Mean-reverting noise (Ornstein–Uhlenbeck), stepped exactly over `dtSec`: its spread stays
 * `sigma` whatever the sample interval, and it moves a little between close samples.
 */
function drift(x: number, dtSec: number, tauSec: number, sigma: number, rng: Rng): number {
  const keep = Math.exp(-dtSec / tauSec);
  return x * keep + sigma * Math.sqrt(1 - keep * keep) * normal(rng);
}

function planExcursion(rng: Rng, perDay: number, after: number): Excursion | null {
  if (perDay <= 0) return null;
  const start = after + exponential(rng, DAY / perDay);
  return { start, end: start + between(rng, EXCURSION_MIN_MS, EXCURSION_MAX_MS) };
}

/** Starts an excursion now, replacing any planned one. */
export function startExcursion(state: SimState, now: number, durationMs: number): void {
  state.excursion = { start: now, end: now + durationMs };
}

/** 0 outside an excursion; ramps up to 1 over its first fifth and back down over its last. */
export function excursionLevel(x: Excursion | null, now: number): number {
  if (!x || now < x.start || now >= x.end) return 0;
  const ramp = (x.end - x.start) / 5;
  return clamp(Math.min((now - x.start) / ramp, (x.end - now) / ramp), 0, 1);
}

/** What a model's step sees. */
interface Step {
  now: number;
  /** Seconds since the previous sample. */
  dt: number;
  hour: number;
  rng: Rng;
  /** Excursion strength, 0 to 1. */
  level: number;
  /** The excursion under way, when `level` > 0. */
  excursion: Excursion | null;
}

interface ModelSpec<M> {
  name: string;
  describe: string;
  excursion: string;
  intervalMs: number;
  init(rng: Rng, now: number): M;
  step(m: M, s: Step): Metrics;
}

function defineProfile<M>(spec: ModelSpec<M>): Profile {
  return {
    name: spec.name,
    describe: spec.describe,
    excursion: spec.excursion,
    intervalMs: spec.intervalMs,
    init(seed, now, o = {}) {
      const rng = seededRng(seed);
      const excursionsPerDay = o.excursionsPerDay ?? DEFAULT_EXCURSIONS_PER_DAY;
      const model = spec.init(rng, now);
      return { profile: spec.name, rng, last: now, excursionsPerDay, excursion: planExcursion(rng, excursionsPerDay, now), model };
    },
    sample(state, now) {
      if (state.profile !== spec.name) throw new Error(`a ${state.profile} device cannot be sampled as ${spec.name}`);
      while (state.excursion && now >= state.excursion.end) state.excursion = planExcursion(state.rng, state.excursionsPerDay, state.excursion.end);
      const level = excursionLevel(state.excursion, now);
      const step: Step = {
        now,
        dt: Math.max(0, now - state.last) / 1000,
        hour: hourOf(now),
        rng: state.rng,
        level,
        excursion: level > 0 ? state.excursion : null,
      };
      const metrics = spec.step(state.model as M, step);
      state.last = Math.max(state.last, now);
      return metrics;
    },
  };
}

const temperature = defineProfile({
  name: "temperature",
  describe: "room sensor: temp_c with a daily cycle and drift, humidity_pct moving against it",
  excursion: "cooling failure: temp_c climbs about 12 °C, humidity_pct drops",
  intervalMs: 60_000,
  init: (rng) => ({ base: between(rng, 19, 24), amp: between(rng, 1.5, 3.5), humidity: between(rng, 40, 55), noise: 0, humidityNoise: 0 }),
  step(m, s) {
    m.noise = drift(m.noise, s.dt, 1800, 0.4, s.rng);
    m.humidityNoise = drift(m.humidityNoise, s.dt, 3600, 3, s.rng);
    const above = m.amp * daily(s.hour, 15) + m.noise + 12 * s.level;
    return {
      temp_c: round(m.base + above, 2),
      humidity_pct: round(clamp(m.humidity - 2.5 * above + m.humidityNoise, 5, 95), 1),
    };
  },
});

/** Door openings an hour: a few at night, up to a dozen in the working day. */
const openingsPerHour = (hour: number) => 0.5 + (hour >= 7 && hour < 19 ? 6 * (1 - Math.cos((2 * Math.PI * (hour - 7)) / 12)) : 0);

const door = defineProfile({
  name: "door",
  describe: "door contact: door_open, open_seconds (how long it has been open), open_count; busy in the working day",
  excursion: "door propped open: door_open stays true and open_seconds keeps growing",
  intervalMs: 15_000,
  init: (rng, now) => ({ openedAt: now, closesAt: now, nextOpening: now + exponential(rng, HOUR / openingsPerHour(hourOf(now))), count: 0 }),
  step(m, s) {
    while (m.nextOpening <= s.now) {
      const propped = excursionLevel(s.excursion, m.nextOpening) > 0;
      m.openedAt = m.nextOpening;
      m.closesAt = m.openedAt + 1000 * clamp(Math.exp(Math.log(12) + 0.8 * normal(s.rng)), 2, 300);
      if (!propped) m.count++;
      m.nextOpening = m.closesAt + exponential(s.rng, HOUR / openingsPerHour(hourOf(m.closesAt)));
    }
    const openNow = s.now >= m.openedAt && s.now < m.closesAt;
    const since = s.excursion ? (openNow ? Math.min(m.openedAt, s.excursion.start) : s.excursion.start) : m.openedAt;
    const open = openNow || s.excursion !== null;
    return { door_open: open, open_seconds: open ? Math.round((s.now - since) / 1000) : 0, open_count: m.count };
  },
});

/** Working-day load: 0 at night, 1 around 13:00. */
const workload = (hour: number) => (hour >= 7 && hour < 19 ? Math.sin((Math.PI * (hour - 7)) / 12) ** 2 : 0);

const energy = defineProfile({
  name: "energy",
  describe: "electricity meter: power_w on a working-day load curve, energy_kwh (never decreases), voltage_v",
  excursion: "overload: power_w about 2.5 times normal, voltage_v sags",
  intervalMs: 30_000,
  init: (rng) => {
    const base = between(rng, 400, 1200);
    return { base, peak: between(rng, 1.5, 3.5), kwh: between(rng, 1_000, 50_000), power: base, noise: 0, voltageNoise: 0 };
  },
  step(m, s) {
    m.noise = drift(m.noise, s.dt, 300, 0.08, s.rng);
    m.voltageNoise = drift(m.voltageNoise, s.dt, 600, 1.5, s.rng);
    const power = Math.max(0, m.base * (1 + m.peak * workload(s.hour)) * (1 + m.noise) * (1 + 1.5 * s.level));
    m.kwh += (((m.power + power) / 2) * s.dt) / 3_600_000; // trapezoid: W·s → kWh
    m.power = power;
    return { power_w: round(power, 1), energy_kwh: round(m.kwh, 3), voltage_v: round(230 + m.voltageNoise - 10 * s.level, 1) };
  },
});

type HvacMode = "cool" | "heat" | "fan" | "off";
const HVAC_SUPPLY: Record<HvacMode, number | null> = { cool: 13, heat: 38, fan: null, off: null };

const hvac = defineProfile({
  name: "hvac",
  describe: "air handler: supply_temp_c, return_temp_c (the room), setpoint_c (setback at night), fan_on, mode cool/heat/fan/off",
  excursion: "compressor failure: supply air stops being conditioned (supply ≈ return) and the room drifts off the setpoint",
  intervalMs: 60_000,
  init: (rng) => {
    const setpoint = round(between(rng, 20.5, 22.5), 1);
    return { setpoint, room: setpoint + normal(rng) * 0.5, mode: "fan" as HvacMode, outdoor: between(rng, 6, 30), outdoorAmp: between(rng, 4, 8), supply: setpoint };
  },
  step(m, s) {
    const occupied = s.hour >= 7 && s.hour < 19;
    const setpoint = occupied ? m.setpoint : m.setpoint - 4;
    // Integrate the room in steps of at most a minute: heat leaks in from outside and from
    // people, and the conditioned air pulls the room toward the supply temperature.
    const steps = Math.max(1, Math.ceil(s.dt / 60));
    for (let i = 0; i < steps; i++) {
      const dt = s.dt / steps;
      const outside = m.outdoor + m.outdoorAmp * daily(s.hour, 15) + (occupied ? 4 : 1);
      if (m.room > setpoint + 1) m.mode = "cool";
      else if (m.room < setpoint - 1) m.mode = "heat";
      else if (Math.abs(m.room - setpoint) < 0.3) m.mode = occupied ? "fan" : "off";
      const conditioned = HVAC_SUPPLY[m.mode] ?? m.room;
      m.supply = conditioned + (m.room + 1 - conditioned) * s.level;
      m.room += (dt * (outside - m.room)) / (4 * 3600) + (m.mode === "off" ? 0 : (dt * (m.supply - m.room)) / (2 * 3600));
    }
    return {
      supply_temp_c: round(m.supply + 0.2 * normal(s.rng), 1),
      return_temp_c: round(m.room, 2),
      setpoint_c: setpoint,
      fan_on: m.mode !== "off",
      mode: m.mode,
    };
  },
});

const CITIES: ReadonlyArray<readonly [number, number]> = [
  [52.37, 4.9], [48.86, 2.35], [51.51, -0.13], [40.42, -3.7], [52.52, 13.4], [45.46, 9.19], [59.33, 18.07], [50.85, 4.35],
];
const METRES_PER_DEGREE = 111_320;

/** Metres east and north from `a` to `b` (flat earth: routes are a few km). */
const offset = (a: readonly [number, number], b: readonly [number, number]) => ({
  east: (b[1] - a[1]) * METRES_PER_DEGREE * Math.cos((a[0] * Math.PI) / 180),
  north: (b[0] - a[0]) * METRES_PER_DEGREE,
});

const gps = defineProfile({
  name: "gps",
  describe: "vehicle tracker: lat/lon along a looping city route, speed_kmh with stops, heading_deg, battery_pct draining (recharges when low)",
  excursion: "speeding: speed_kmh about 50 km/h above the vehicle's cruising speed",
  intervalMs: 10_000,
  init: (rng, now) => {
    const city = CITIES[Math.floor(rng() * CITIES.length)]!;
    const center: [number, number] = [city[0] + between(rng, -0.05, 0.05), city[1] + between(rng, -0.05, 0.05)];
    const n = 5 + Math.floor(rng() * 4);
    const radius = between(rng, 1_500, 6_000);
    const route = Array.from({ length: n }, (_, i): [number, number] => {
      const angle = (2 * Math.PI * (i + between(rng, -0.2, 0.2))) / n;
      const r = radius * between(rng, 0.6, 1.1);
      return [center[0] + (r * Math.cos(angle)) / METRES_PER_DEGREE, center[1] + (r * Math.sin(angle)) / (METRES_PER_DEGREE * Math.cos((center[0] * Math.PI) / 180))];
    });
    return { route, leg: 0, along: 0, cruise: between(rng, 35, 60), speed: 0, pace: 0, battery: between(rng, 60, 100), charging: false, stoppedUntil: now };
  },
  step(m, s) {
    const steps = Math.max(1, Math.ceil(s.dt / 5));
    for (let i = 0; i < steps; i++) {
      const dt = s.dt / steps;
      const t = s.now - (s.dt - dt * (i + 1)) * 1000;
      m.pace = drift(m.pace, dt, 120, 0.15, s.rng);
      const moving = !m.charging && t >= m.stoppedUntil;
      const target = moving ? Math.max(5, m.cruise * (1 + m.pace) + 50 * s.level) : 0;
      m.speed += (target - m.speed) * (1 - Math.exp(-dt / 8));
      m.battery -= ((m.speed > 1 ? 4 : 0.5) * dt) / 3600;
      if (m.charging) m.battery += (40 * dt) / 3600;
      if (m.battery <= 8) m.charging = true;
      if (m.battery >= 100) m.charging = false;
      m.battery = clamp(m.battery, 0, 100);
      m.along += (m.speed / 3.6) * dt;
      for (;;) {
        const { east, north } = offset(m.route[m.leg]!, m.route[(m.leg + 1) % m.route.length]!);
        const length = Math.hypot(east, north);
        if (m.along < length) break;
        m.along -= length;
        m.leg = (m.leg + 1) % m.route.length;
        if (s.rng() < 0.3) m.stoppedUntil = t + between(s.rng, 30_000, 180_000); // a delivery
      }
    }
    const a = m.route[m.leg]!;
    const b = m.route[(m.leg + 1) % m.route.length]!;
    const { east, north } = offset(a, b);
    const f = m.along / Math.hypot(east, north);
    return {
      lat: round(a[0] + (b[0] - a[0]) * f, 6),
      lon: round(a[1] + (b[1] - a[1]) * f, 6),
      speed_kmh: round(m.speed < 0.5 ? 0 : m.speed, 1),
      heading_deg: round(((Math.atan2(east, north) * 180) / Math.PI + 360) % 360, 1),
      battery_pct: round(m.battery, 1),
    };
  },
});

const vibration = defineProfile({
  name: "vibration",
  describe: "machine vibration: rms_mm_s and peak_g (the peak since the previous sample) while running 06:00–22:00, with occasional shock spikes",
  excursion: "bearing fault: rms_mm_s rises to about 10 mm/s (ISO 10816 zone D), peak_g about 2.5 g higher",
  intervalMs: 30_000,
  init: (rng, now) => ({ base: between(rng, 1.2, 2.8), noise: 0, nextShock: now + exponential(rng, 30 * MINUTE) }),
  step(m, s) {
    m.noise = drift(m.noise, s.dt, 120, 0.15, s.rng);
    const running = (hour: number) => hour >= 6 && hour < 22;
    // The largest shock since the previous sample (none while the machine stands still).
    let shock = 0;
    for (; m.nextShock <= s.now; m.nextShock += exponential(s.rng, 30 * MINUTE)) {
      const g = between(s.rng, 3, 8);
      if (running(hourOf(m.nextShock))) shock = Math.max(shock, g);
    }
    if (!running(s.hour)) return { rms_mm_s: round(0.05 + 0.03 * Math.abs(m.noise), 2), peak_g: round(0.02 + 0.01 * s.rng(), 2) };
    const rms = Math.max(0.1, m.base * (1 + m.noise)) + 8 * s.level + (shock > 0 ? 0.5 : 0);
    const peak = Math.max(0.15 + 0.12 * rms + 0.05 * Math.abs(normal(s.rng)) + 2.5 * s.level, shock);
    return { rms_mm_s: round(rms, 2), peak_g: round(peak, 2) };
  },
});

export const PROFILES = { temperature, door, energy, hvac, gps, vibration } as const satisfies Record<string, Profile>;
export type ProfileName = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];
