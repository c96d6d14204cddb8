/**
 * Geometry of the fleet map, which draws without tiles (installs may be air-gapped): the
 * Web-Mercator projection fitted to the located devices and sites, a graticule with round
 * steps, and spreading of dots that would sit on top of each other.
 */

export interface GeoPoint {
  lat: number;
  lng: number;
}
export interface XY {
  x: number;
  y: number;
}
export interface Projection {
  width: number;
  height: number;
  project(p: GeoPoint): XY;
  /** The visible area in degrees. */
  bounds: { west: number; east: number; south: number; north: number };
}

const MAX_LAT = 85.05112878;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Web Mercator onto the unit square: x grows east, y grows south; (0, 0) is 180°W, 85°N. */
export function mercator({ lat, lng }: GeoPoint): XY {
  const s = Math.sin((clamp(lat, -MAX_LAT, MAX_LAT) * Math.PI) / 180);
  return { x: (lng + 180) / 360, y: 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI) };
}

function unmercator({ x, y }: XY): GeoPoint {
  return { lng: x * 360 - 180, lat: (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI };
}

/** Europe and around, when there is nothing to fit. */
const DEFAULT_AREA: GeoPoint[] = [
  { lat: 35, lng: -12 },
  { lat: 60, lng: 30 },
];

/**
 * A projection that fits `points` into width × height with `padding` (a fraction of the
 * span) on every side, keeping the aspect ratio. A lone point, or points closer together than
 * `minSpan` degrees, get a view `minSpan` wide around them.
 */
export function fit(points: GeoPoint[], width: number, height: number, padding = 0.12, minSpan = 0.02): Projection {
  const xy = (points.length ? points : DEFAULT_AREA).map(mercator);
  let [x0, x1, y0, y1] = [Math.min(...xy.map((p) => p.x)), Math.max(...xy.map((p) => p.x)), Math.min(...xy.map((p) => p.y)), Math.max(...xy.map((p) => p.y))];
  const min = minSpan / 360;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const dx = Math.max(x1 - x0, min) * (1 + 2 * padding);
  const dy = Math.max(y1 - y0, min) * (1 + 2 * padding);
  const scale = Math.min(width / dx, height / dy);
  [x0, x1, y0, y1] = [cx - width / 2 / scale, cx + width / 2 / scale, cy - height / 2 / scale, cy + height / 2 / scale];
  const nw = unmercator({ x: x0, y: y0 });
  const se = unmercator({ x: x1, y: y1 });
  return {
    width,
    height,
    project: (p) => {
      const m = mercator(p);
      return { x: (m.x - cx) * scale + width / 2, y: (m.y - cy) * scale + height / 2 };
    },
    bounds: { west: nw.lng, east: se.lng, south: se.lat, north: nw.lat },
  };
}

/** Whether a point is within the projection's view. */
export const inside = (p: Projection, g: GeoPoint) => g.lat >= p.bounds.south && g.lat <= p.bounds.north && g.lng >= p.bounds.west && g.lng <= p.bounds.east;

/** The smallest of 1, 2 or 5 × 10^n degrees that is at least `raw`. */
export function niceStep(raw: number): number {
  const base = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * base).find((s) => s >= raw * (1 - 1e-9))!;
}

/** Meridians and parallels at a round step, about `lines` across the wider side. */
export function graticule(p: Projection, lines = 6): { step: number; lngs: number[]; lats: number[] } {
  const { west, east, south, north } = p.bounds;
  const step = niceStep(Math.max(east - west, north - south) / lines);
  const range = (lo: number, hi: number) => {
    const out: number[] = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(Number(v.toFixed(6)));
    return out;
  };
  return { step, lngs: range(west, east), lats: range(Math.max(south, -MAX_LAT), Math.min(north, MAX_LAT)) };
}

/** "45°N", "8.5°W": as many decimals as the step needs. */
export function degrees(v: number, axis: "lat" | "lng", step: number): string {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  const hemi = v === 0 ? "" : axis === "lat" ? (v > 0 ? "N" : "S") : v > 0 ? "E" : "W";
  return `${Math.abs(v).toFixed(decimals)}°${hemi}`;
}

/**
 * Moves dots that are closer than `minDist` apart onto a small ring around their middle, so
 * each stays visible and clickable (devices at one site share nearly one position).
 */
export function spread<T extends XY>(dots: T[], minDist: number): T[] {
  const clusters: { x: number; y: number; members: number[] }[] = [];
  dots.forEach((d, i) => {
    const c = clusters.find((c) => Math.hypot(c.x - d.x, c.y - d.y) < minDist);
    if (!c) return void clusters.push({ x: d.x, y: d.y, members: [i] });
    c.members.push(i);
    c.x += (d.x - c.x) / c.members.length;
    c.y += (d.y - c.y) / c.members.length;
  });
  const out = dots.slice();
  for (const c of clusters) {
    const n = c.members.length;
    if (n < 2) continue;
    // At least minDist out, so the middle (often a site's square) stays visible too.
    const r = Math.max(minDist, minDist / (2 * Math.sin(Math.PI / n)));
    c.members.forEach((i, k) => {
      const a = -Math.PI / 2 + (2 * Math.PI * k) / n;
      out[i] = { ...dots[i]!, x: c.x + r * Math.cos(a), y: c.y + r * Math.sin(a) };
    });
  }
  return out;
}

/** A device's position: the latest GPS metrics when it reports them, else its registry location. */
export function locate(registry: { lat: number | null; lng: number | null }, metrics?: Record<string, { value: unknown }>): GeoPoint | null {
  const num = (k: string) => (typeof metrics?.[k]?.value === "number" ? (metrics[k]!.value as number) : undefined);
  const lat = num("lat") ?? num("latitude");
  const lng = num("lng") ?? num("lon") ?? num("longitude");
  if (lat !== undefined && lng !== undefined && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) return { lat, lng };
  return registry.lat != null && registry.lng != null ? { lat: registry.lat, lng: registry.lng } : null;
}
