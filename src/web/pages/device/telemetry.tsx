/**
 * The telemetry tab: pick metrics and a range (both in the URL), see them on one chart (raw
 * points in one request, or buckets), new live values appended as they arrive, and download
 * the range as CSV. A 100k-point chart is one request, plain columns and one canvas.
 */
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, errorMessage, withQuery } from "../../lib/api";
import { useLive } from "../../lib/live";
import { Button, Checkbox } from "../../ui/controls";
import { TimeChart } from "../../ui/chart";
import { Card } from "../../ui/layout";
import { Empty, ErrorBox, Loading } from "../../ui/table";
import { toast } from "../../ui/toast";
import { devicePath, unitsOf, useMetricList } from "./queries";
import { appendLive, chartValue, decodeMetrics, defaultMetrics, encodeMetrics, isRange, loadColumns, RANGES, rangeWindow, type Columns, type Range } from "./series";
import type { MetricInfo } from "./types";

async function downloadCsv(deviceId: string, range: Range): Promise<void> {
  const res = await api.raw("GET", withQuery(`${devicePath(deviceId)}/telemetry/export`, rangeWindow(range)));
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = `${deviceId}-telemetry-${range}.csv`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function MetricPicker({ items, selected, onChange }: { items: MetricInfo[]; selected: string[]; onChange: (next: string[]) => void }) {
  const toggle = (key: string, on: boolean) => onChange(on ? [...selected, key] : selected.filter((k) => k !== key));
  return (
    <fieldset className="device-picker">
      <legend>Metrics</legend>
      {items.map((m) => {
        const plottable = m.lastValue === null || chartValue(m.lastValue) !== null;
        const checked = selected.includes(m.metricKey);
        return (
          <Checkbox
            key={m.metricKey}
            label={
              <span title={plottable ? m.metricKey : "text values cannot be charted"}>
                {m.displayName ?? m.metricKey}
                {m.unit ? <span className="muted"> ({m.unit})</span> : null}
              </span>
            }
            checked={checked}
            // The last one stays: an empty choice would mean "the defaults" in the URL.
            disabled={!plottable || (checked && selected.length === 1)}
            onChange={(on) => toggle(m.metricKey, on)}
          />
        );
      })}
    </fieldset>
  );
}

function ChartView({ cols, version, units, range, keys }: { cols: Columns; version: number; units: Record<string, string | null>; range: Range; keys: string[] }) {
  // New wrappers around the same arrays: the chart redraws without copying the points.
  const series = useMemo(() => cols.series.map((s) => ({ label: s.label, unit: units[s.metric] ?? null, values: s.values })), [cols, version, units]);
  if (!cols.time.length) return <Empty>No values of these metrics in the last {range}. Try a longer range, or other metrics.</Empty>;
  return (
    <>
      <p className="muted device-chart-note" role="status">
        {cols.time.length.toLocaleString()} {cols.mode === "raw" ? "points" : "buckets (average, with min and max)"}
        {cols.note ? ` · ${cols.note}` : ""}
      </p>
      <TimeChart time={cols.time} series={series} height={320} label={`${keys.join(", ")} over the last ${range}`} />
    </>
  );
}

export function TelemetryTab({ deviceId, range: rangeParam, metric, onChange }: { deviceId: string; range: string; metric: string; onChange: (p: { range?: string; metric?: string }) => void }) {
  const range: Range = isRange(rangeParam) ? rangeParam : "24h";
  const list = useMetricList(deviceId);
  const fromUrl = useMemo(() => decodeMetrics(metric), [metric]);
  const keys = useMemo(() => (fromUrl.length ? fromUrl : defaultMetrics(list.data?.items ?? [])), [fromUrl, list.data]);
  const units = useMemo(() => unitsOf(list.data?.items), [list.data]);
  // Metrics named in the URL need not wait for the metric list: one request to the chart.
  const chart = useQuery({
    queryKey: ["device", deviceId, "chart", range, keys],
    queryFn: () => loadColumns(api.get, deviceId, keys, range),
    enabled: keys.length > 0 && (fromUrl.length > 0 || list.isSuccess),
    // Kept current by live appends while shown; dropped when not, so a return refetches what was missed.
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
    structuralSharing: false,
  });
  const [version, setVersion] = useState(0);
  useLive({
    devices: [deviceId],
    device: (d) => {
      if (d.deviceId === deviceId && chart.data && appendLive(chart.data, d.latestMetrics)) setVersion((v) => v + 1);
    },
  });
  const [downloading, setDownloading] = useState(false);
  const download = async () => {
    setDownloading(true);
    try {
      await downloadCsv(deviceId, range);
    } catch (e) {
      toast(`The CSV download failed: ${errorMessage(e)}`, "bad");
    } finally {
      setDownloading(false);
    }
  };

  let body;
  if (list.isError && !fromUrl.length) body = <ErrorBox error={list.error} retry={() => void list.refetch()} />;
  else if (list.isSuccess && !list.data.items.length) body = <Empty>This device has sent no telemetry yet. Connect it with a provision token (Credentials tab); its metrics show up here.</Empty>;
  else if (list.isSuccess && !keys.length) body = <Empty>Pick at least one metric to chart.</Empty>;
  else if (chart.isError) body = <ErrorBox error={chart.error} retry={() => void chart.refetch()} />;
  else if (!chart.data) body = <Loading label="Loading telemetry…" />;
  else body = <ChartView cols={chart.data} version={version} units={units} range={range} keys={keys} />;

  return (
    <div className="device-telemetry">
      <Card className="device-telemetry-side">{list.data ? <MetricPicker items={list.data.items} selected={keys} onChange={(next) => onChange({ metric: encodeMetrics(next) })} /> : <Loading />}</Card>
      <Card
        title="Chart"
        actions={
          <div className="row">
            <div className="row" role="group" aria-label="Range">
              {RANGES.map((r) => (
                <Button key={r} variant={r === range ? "primary" : "secondary"} aria-pressed={r === range} onClick={() => onChange({ range: r })}>
                  {r}
                </Button>
              ))}
            </div>
            <Button busy={downloading} onClick={() => void download()}>
              Download CSV
            </Button>
          </div>
        }
      >
        {body}
      </Card>
    </div>
  );
}
