/**
 * A time-series chart on uPlot: canvas, no per-point DOM, so 100k points draw in a few
 * milliseconds. Data changes go through setData (no rebuild); the width follows the container.
 * Drag to zoom, double-click to reset; the cursor legend shows values under the pointer.
 */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartSeries {
  label: string;
  values: ArrayLike<number | null>;
  unit?: string | null;
}

/** Canvas needs real colors, not CSS variables: read the theme's. */
const cssColor = (name: string, fallback: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

const COLORS = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

export function TimeChart({ time, series, height = 260, label }: { time: ArrayLike<number>; series: ChartSeries[]; height?: number; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  /** The data the plot was built with: its data effect has nothing to redraw. */
  const built = useRef<unknown>(null);
  const shape = series.map((s) => s.label).join("\u0000");

  const data = (): uPlot.AlignedData => {
    const xs = new Float64Array(time.length);
    for (let i = 0; i < time.length; i++) xs[i] = time[i]! / 1000;
    return [xs, ...series.map((s) => s.values as (number | null)[])];
  };

  useEffect(() => {
    const el = host.current!;
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      legend: { live: true },
      series: [{}, ...series.map((s, i) => ({ label: s.unit ? `${s.label} (${s.unit})` : s.label, stroke: COLORS[i % COLORS.length], width: 1.25, spanGaps: false, points: { show: false } }))],
      axes: [0, 1].map(() => ({ stroke: cssColor("--muted", "#6b7280"), grid: { stroke: cssColor("--grid", "#e5e7eb") }, ticks: { stroke: cssColor("--grid", "#e5e7eb") } })),
    };
    const u = new uPlot(opts, data(), el);
    plot.current = u;
    built.current = [time, series];
    let width = el.clientWidth;
    // Only a real width change redraws (the observer also fires once on observe).
    const ro = new ResizeObserver(() => {
      if (el.clientWidth === width) return;
      width = el.clientWidth;
      u.setSize({ width, height });
    });
    ro.observe(el);
    el.dataset.ready = "1";
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series changes; new points go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, height]);

  useEffect(() => {
    const u = plot.current;
    if (host.current) host.current.dataset.points = String(time.length);
    if (!u) return;
    const b = built.current as [unknown, unknown] | null;
    if (b && b[0] === time && b[1] === series) return; // just built with exactly this
    built.current = null;
    // A zoomed-in view stays where the person put it while new points arrive.
    const xs = u.data[0];
    const x = u.scales.x!;
    const zoomed = xs.length > 1 && x.min != null && x.max != null && (x.min > xs[0]! || x.max < xs[xs.length - 1]!);
    u.setData(data(), !zoomed);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [time, series]);

  return <div className="chart" ref={host} role="img" aria-label={label} data-points={time.length} />;
}
