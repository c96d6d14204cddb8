/**
 * The on-call timeline drawn from its layout (timeline.ts): a row of bars per layer, overrides,
 * and who is finally on call, with day lines and a "now" marker. Each row is a list of shifts,
 * so a screen reader hears who is on call from when to when.
 */
import type { TimelineLayout } from "./timeline";
import { shortTime } from "./zone";

export function TimelineChart({ layout, tz, from, caption }: { layout: TimelineLayout; tz: string; from: number; caption: string }) {
  return (
    <figure className="notify-tl">
      <figcaption className="muted">{caption}</figcaption>
      <div className="notify-tl-grid">
        <div className="notify-tl-labels" aria-hidden>
          <div className="notify-tl-axis" />
          {layout.rows.map((row) => (
            <div key={row.id} className={`notify-tl-label notify-tl-${row.kind}`} title={row.label}>
              {row.label}
            </div>
          ))}
        </div>
        <div className="notify-tl-body">
          <div className="notify-tl-axis" aria-hidden>
            {layout.ticks.map((t) => (
              <span key={t.left} className="notify-tl-tick" style={{ left: `${t.left}%` }}>
                {t.label}
              </span>
            ))}
          </div>
          {layout.rows.map((row) => (
            <ul key={row.id} className={`notify-tl-track notify-tl-${row.kind}`} aria-label={`${row.label}: ${row.bars.length ? `${row.bars.length} shift${row.bars.length === 1 ? "" : "s"}` : "nobody"}`}>
              {row.bars.map((b) => (
                <li key={b.key} className={`notify-tl-bar notify-c${b.color}`} style={{ left: `${b.left}%`, width: `${b.width}%` }} title={b.label}>
                  <span className="sr-only">{b.label}</span>
                  <span aria-hidden>{b.name}</span>
                </li>
              ))}
              {row.bars.length ? null : <li className="notify-tl-none">Nobody on call</li>}
            </ul>
          ))}
          <div className="notify-tl-overlay" aria-hidden>
            {layout.ticks.map((t) => <span key={t.left} className="notify-tl-day" style={{ left: `${t.left}%` }} />)}
            {layout.now !== null ? <span className="notify-tl-now" style={{ left: `${layout.now}%` }} /> : null}
          </div>
        </div>
      </div>
      <p className="sr-only">{layout.now !== null ? `Now is ${shortTime(Date.now(), tz)}.` : `The window starts ${shortTime(from, tz)}; now is outside it.`}</p>
    </figure>
  );
}
