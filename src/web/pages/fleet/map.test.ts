import { describe, expect, test } from "bun:test";
import { degrees, fit, graticule, inside, locate, mercator, niceStep, spread } from "./map";

const close = (a: number, b: number, eps = 1e-6) => expect(Math.abs(a - b)).toBeLessThan(eps);

describe("fleet map geometry", () => {
  test("Web Mercator puts (0, 0) in the middle and north up", () => {
    expect(mercator({ lat: 0, lng: 0 })).toEqual({ x: 0.5, y: 0.5 });
    expect(mercator({ lat: 0, lng: -180 }).x).toBe(0);
    expect(mercator({ lat: 60, lng: 0 }).y).toBeLessThan(mercator({ lat: 30, lng: 0 }).y);
    // The poles are clamped instead of going to infinity.
    expect(Number.isFinite(mercator({ lat: 90, lng: 0 }).y)).toBe(true);
  });

  test("fit keeps every point inside the view with padding, and keeps the aspect ratio", () => {
    const points = [
      { lat: 52.5163, lng: 13.3777 },
      { lat: 45.7485, lng: 4.8467 },
      { lat: 41.1496, lng: -8.6063 },
    ];
    const p = fit(points, 800, 400, 0.1);
    const xy = points.map(p.project);
    for (const { x, y } of xy) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(800);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(400);
    }
    // The tighter side is filled but for the padding on both ends.
    close(Math.max((xy[0]!.x - xy[2]!.x) / 800, (xy[2]!.y - xy[0]!.y) / 400), 1 / 1.2);
    // The same scale both ways: one degree of longitude is as wide everywhere.
    const a = p.project({ lat: 45, lng: 0 });
    const b = p.project({ lat: 45, lng: 1 });
    const c = p.project({ lat: 45, lng: 2 });
    close(b.x - a.x, c.x - b.x);
    expect(p.bounds.west).toBeLessThan(-8.6);
    expect(p.bounds.east).toBeGreaterThan(13.4);
    expect(p.bounds.north).toBeGreaterThan(52.5);
    expect(p.bounds.south).toBeLessThan(41.1);
    expect(points.every((x) => inside(p, x))).toBe(true);
    expect(inside(p, { lat: 60, lng: 13 })).toBe(false);
  });

  test("a single point sits in the middle of a small area; no points show a default area", () => {
    const p = fit([{ lat: 10, lng: 20 }], 600, 300);
    const m = p.project({ lat: 10, lng: 20 });
    close(m.x, 300);
    close(m.y, 150);
    expect(p.bounds.east - p.bounds.west).toBeLessThan(1);
    const empty = fit([], 600, 300);
    expect(empty.bounds.west).toBeLessThan(-12);
    expect(empty.bounds.east).toBeGreaterThan(30);
  });

  test("graticule lines fall on round degrees inside the view", () => {
    expect(niceStep(3.2)).toBe(5);
    expect(niceStep(0.013)).toBe(0.02);
    expect(niceStep(10)).toBe(10);
    const p = fit([{ lat: 41, lng: -9 }, { lat: 53, lng: 14 }], 800, 400);
    const g = graticule(p);
    const wider = Math.max(p.bounds.east - p.bounds.west, p.bounds.north - p.bounds.south);
    expect(g.step).toBe(niceStep(wider / 6));
    expect(g.lngs.length).toBeGreaterThanOrEqual(3);
    expect(g.lngs.length).toBeLessThanOrEqual(12);
    expect(g.lngs).toEqual(g.lngs.filter((v) => v >= p.bounds.west && v <= p.bounds.east));
    expect(g.lngs).toContain(0);
    expect(g.lats).toContain(50);
    expect(g.lngs.every((v) => Number.isInteger(v / g.step))).toBe(true);
  });

  test("degree labels name the hemisphere with as many decimals as the step needs", () => {
    expect(degrees(45, "lat", 5)).toBe("45°N");
    expect(degrees(-8.5, "lng", 0.5)).toBe("8.5°W");
    expect(degrees(0, "lng", 10)).toBe("0°");
    expect(degrees(4.86, "lng", 0.02)).toBe("4.86°E");
  });

  test("spread moves overlapping dots apart and leaves lone dots where they are", () => {
    const dots = [
      { id: "a", x: 100, y: 100 },
      { id: "b", x: 101, y: 100 },
      { id: "c", x: 100, y: 101 },
      { id: "far", x: 300, y: 300 },
    ];
    const out = spread(dots, 12);
    expect(out.map((d) => d.id)).toEqual(["a", "b", "c", "far"]);
    expect(out[3]).toEqual({ id: "far", x: 300, y: 300 });
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) expect(Math.hypot(out[i]!.x - out[j]!.x, out[i]!.y - out[j]!.y)).toBeGreaterThanOrEqual(12 - 1e-9);
  });

  test("locate prefers live GPS metrics (lng or lon) over the registry location", () => {
    expect(locate({ lat: 1, lng: 2 })).toEqual({ lat: 1, lng: 2 });
    expect(locate({ lat: 1, lng: 2 }, { lat: { value: 50.1 }, lon: { value: 8.6 } })).toEqual({ lat: 50.1, lng: 8.6 });
    expect(locate({ lat: null, lng: null }, { lat: { value: 50.1 }, lng: { value: 8.6 } })).toEqual({ lat: 50.1, lng: 8.6 });
    expect(locate({ lat: null, lng: null }, { temp: { value: 3 } })).toBeNull();
    // Out-of-range or non-numeric GPS values fall back to the registry.
    expect(locate({ lat: 1, lng: 2 }, { lat: { value: 200 }, lng: { value: 8 } })).toEqual({ lat: 1, lng: 2 });
    expect(locate({ lat: 1, lng: 2 }, { lat: { value: "n/a" }, lng: { value: 8 } })).toEqual({ lat: 1, lng: 2 });
  });
});
