/**
 * The fleet map as SVG, without tiles: a graticule, sites as squares and devices as dots
 * colored by connectivity. Every dot and square is a link (focusable, with a title), so the
 * map works with a keyboard and names each device to a screen reader.
 */
import { useRef } from "react";
import { Link } from "wouter";
import type { Connectivity, Site } from "./data";
import { degrees, fit, graticule, inside, spread, type GeoPoint, type Projection } from "./map";

export interface MapDevice {
  deviceId: string;
  displayName: string | null;
  connectivity: Connectivity;
  position: GeoPoint | null;
}

const W = 800;
const H = 420;
const DOT = 6;

function Graticule({ p }: { p: Projection }) {
  const g = graticule(p);
  return (
    <g className="fleet-map-grid" aria-hidden>
      {g.lngs.map((lng) => {
        const x = p.project({ lat: 0, lng }).x;
        return (
          <g key={`x${lng}`}>
            <line x1={x} x2={x} y1={0} y2={H} />
            <text x={x + 3} y={H - 4}>{degrees(lng, "lng", g.step)}</text>
          </g>
        );
      })}
      {g.lats.map((lat) => {
        const y = p.project({ lat, lng: 0 }).y;
        return (
          <g key={`y${lat}`}>
            <line x1={0} x2={W} y1={y} y2={y} />
            <text x={4} y={y - 3}>{degrees(lat, "lat", g.step)}</text>
          </g>
        );
      })}
    </g>
  );
}

const name = (d: { deviceId: string; displayName: string | null }) => (d.displayName ? `${d.displayName} (${d.deviceId})` : d.deviceId);

export function FleetMap({ devices, sites }: { devices: MapDevice[]; sites: Site[] }) {
  const located = devices.filter((d): d is MapDevice & { position: GeoPoint } => d.position !== null);
  const placed = sites.filter((s) => s.lat !== null && s.lng !== null);
  const points = [...located.map((d) => d.position), ...placed.map((s) => ({ lat: s.lat!, lng: s.lng! }))];
  // Refit when what is on the map changes or something leaves the view, not whenever a dot moves.
  const key = [...located.map((d) => d.deviceId), ...placed.map((s) => s.siteId)].join(",");
  const last = useRef<{ key: string; p: Projection } | null>(null);
  if (!last.current || last.current.key !== key || !points.every((x) => inside(last.current!.p, x))) last.current = { key, p: fit(points, W, H) };
  const p = last.current.p;
  const dots = spread(located.map((d) => ({ ...d, ...p.project(d.position) })), DOT * 2 + 2);
  return (
    <svg className="fleet-map" viewBox={`0 0 ${W} ${H}`} role="group" aria-label={`Map of ${located.length} located devices and ${placed.length} sites`}>
      <rect className="fleet-map-bg" width={W} height={H} />
      <Graticule p={p} />
      {placed.map((s) => {
        const { x, y } = p.project({ lat: s.lat!, lng: s.lng! });
        return (
          <Link key={s.siteId} href={`/devices?site=${encodeURIComponent(s.siteId)}`} className="fleet-map-site" aria-label={`Site ${s.name}`}>
            <title>{`Site ${s.name}: ${s.deviceCount} device(s)`}</title>
            <rect x={x - 7} y={y - 7} width={14} height={14} rx={2} />
          </Link>
        );
      })}
      {dots.map((d) => (
        <Link key={d.deviceId} href={`/devices/${d.deviceId}`} className={`fleet-map-dot fleet-dot-${d.connectivity}`} aria-label={`${name(d)}, ${d.connectivity.toLowerCase()}`}>
          <title>{`${name(d)}: ${d.connectivity.toLowerCase()}`}</title>
          <circle cx={d.x} cy={d.y} r={DOT} />
        </Link>
      ))}
    </svg>
  );
}

/** Colors and counts under the map. */
export function MapLegend({ devices }: { devices: MapDevice[] }) {
  const count = (c: Connectivity) => devices.filter((d) => d.position && d.connectivity === c).length;
  const unlocated = devices.filter((d) => !d.position).length;
  return (
    <ul className="fleet-legend">
      {(["ONLINE", "STALE", "OFFLINE"] as const).map((c) => (
        <li key={c}>
          <span className={`fleet-swatch fleet-dot-${c}`} aria-hidden /> {c.toLowerCase()} {count(c)}
        </li>
      ))}
      <li>
        <span className="fleet-swatch fleet-swatch-site" aria-hidden /> site
      </li>
      {unlocated ? <li className="muted">{unlocated} device(s) without a location</li> : null}
    </ul>
  );
}
