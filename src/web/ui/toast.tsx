/** Short confirmations and failures after an action, announced to screen readers. */
import { useSyncExternalStore } from "react";

interface Toast {
  id: number;
  text: string;
  tone: "ok" | "bad";
}
let toasts: Toast[] = [];
let next = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((fn) => fn());

export function toast(text: string, tone: "ok" | "bad" = "ok"): void {
  const t = { id: next++, text, tone };
  toasts = [...toasts, t].slice(-4);
  emit();
  setTimeout(() => {
    toasts = toasts.filter((x) => x !== t);
    emit();
  }, tone === "bad" ? 8000 : 4000);
}

export function Toasts() {
  const list = useSyncExternalStore((fn) => (listeners.add(fn), () => listeners.delete(fn)), () => toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} className={`toast toast-${t.tone}`}>
          {t.text}
        </div>
      ))}
    </div>
  );
}
