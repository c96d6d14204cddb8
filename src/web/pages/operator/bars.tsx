/**
 * Horizontal count bars (rejections by reason, largest tables): a list people and screen
 * readers read as label and number; the bar itself is decoration. With `onSelect`, each label
 * is a button that filters by its key.
 */
import type { ReactNode } from "react";
import type { Bar } from "./model";

export function Bars({
  items,
  label,
  format = (n) => n.toLocaleString(),
  name = (k) => k,
  selected,
  onSelect,
  tone,
}: {
  items: Bar[];
  label: string;
  format?: (n: number) => string;
  name?: (key: string) => ReactNode;
  selected?: string;
  onSelect?: (key: string) => void;
  tone?: "bad" | "warn";
}) {
  return (
    <ul className={`operator-bars ${tone ? `operator-bars-${tone}` : ""}`} aria-label={label}>
      {items.map((b) => (
        <li key={b.key} className={selected === b.key ? "operator-bar-selected" : undefined}>
          {onSelect ? (
            <button type="button" className="operator-bar-label operator-bar-button" aria-pressed={selected === b.key} onClick={() => onSelect(b.key)}>
              {name(b.key)}
            </button>
          ) : (
            <span className="operator-bar-label">{name(b.key)}</span>
          )}
          <span className="operator-bar-track" aria-hidden>
            <span className="operator-bar-fill" style={{ width: `${b.width}%` }} />
          </span>
          <span className="num">{format(b.count)}</span>
        </li>
      ))}
    </ul>
  );
}
