/** The inbox's top: live counts (each a link to its filtered list) and the opened/closed trend. */
import { useQuery } from "@tanstack/react-query";
import { api } from "../../lib/api";
import { Card, Stat } from "../../ui/layout";
import { TimeChart } from "../../ui/chart";
import { Empty, QueryView } from "../../ui/table";
import { TREND_RANGES, trendQuery, trendSeries } from "./inbox-query";
import type { AlertSummary, AlertTrend } from "./types";

function Counts() {
  const q = useQuery({ queryKey: ["alerts", "summary"], queryFn: () => api.get<AlertSummary>("/api/v1/customer/alerts/summary") });
  return (
    <QueryView query={q}>
      {(c) => (
        <div className="stats">
          <Stat label="Open" value={c.byStatus.OPEN} tone={c.byStatus.OPEN ? "bad" : "ok"} href="/alerts?status=open" />
          <Stat label="Acknowledged" value={c.byStatus.ACKNOWLEDGED} tone={c.byStatus.ACKNOWLEDGED ? "warn" : "muted"} href="/alerts?status=acknowledged" />
          <Stat label="Silenced" value={c.silenced} tone="muted" />
          <Stat label="Critical, live" value={c.bySeverity.critical} tone={c.bySeverity.critical ? "bad" : "muted"} href="/alerts?status=all&severity=5" />
          <Stat label="High or worse, live" value={c.bySeverity.high + c.bySeverity.critical} tone={c.bySeverity.high + c.bySeverity.critical ? "warn" : "muted"} href="/alerts?status=all&severity=4" />
        </div>
      )}
    </QueryView>
  );
}

function Trend({ range, onRange }: { range: string; onRange: (r: string) => void }) {
  const current = TREND_RANGES.find((r) => r.id === range) ?? TREND_RANGES[1];
  const q = useQuery({ queryKey: ["alerts", "trend", current.id], queryFn: () => api.get<AlertTrend>("/api/v1/customer/alerts/trend", trendQuery(current.id, Date.now())) });
  return (
    <Card
      title="Trend"
      actions={
        <div className="row" role="group" aria-label="Trend range">
          {TREND_RANGES.map((r) => (
            <button key={r.id} type="button" className="btn btn-ghost alerts-range" aria-pressed={r.id === current.id} onClick={() => onRange(r.id)}>
              {r.label}
            </button>
          ))}
        </div>
      }
    >
      <QueryView query={q}>
        {(t) => {
          if (!t.buckets.some((b) => b.openedTotal || b.closed)) return <Empty>No alerts opened or closed in this range.</Empty>;
          const { time, series } = trendSeries(t);
          return <TimeChart time={time} series={series} height={180} label={`Alerts opened and closed per ${t.bucket}`} />;
        }}
      </QueryView>
    </Card>
  );
}

export function InboxOverview({ range, onRange }: { range: string; onRange: (r: string) => void }) {
  return (
    <div className="alerts-overview">
      <Counts />
      <Trend range={range} onRange={onRange} />
    </div>
  );
}
