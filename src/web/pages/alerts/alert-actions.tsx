/**
 * Acknowledge, close, silence and unsilence: the calls, the cache refresh and the toast, and
 * the row buttons (Silence opens its presets in place, Escape folds them away).
 */
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api, errorMessage } from "../../lib/api";
import { Button } from "../../ui/controls";
import { toast } from "../../ui/toast";
import { allowed, minutesText, SILENCE_PRESETS } from "./inbox-query";
import type { Alert, AlertDetail } from "./types";

const base = (id: number) => `/api/v1/customer/alerts/${id}`;

export const alertCalls = {
  acknowledge: (id: number) => api.post<AlertDetail>(`${base(id)}/acknowledge`),
  close: (id: number, reason?: string) => api.post<AlertDetail>(`${base(id)}/close`, reason ? { reason } : {}),
  silence: (id: number, minutes: number) => api.post<AlertDetail>(`${base(id)}/silence`, { minutes }),
  unsilence: (id: number) => api.del<AlertDetail>(`${base(id)}/silence`),
};

/** Runs one call with a busy flag; refreshes alert lists, counts and the alert's detail. */
export function useAlertAction() {
  const qc = useQueryClient();
  const [busy, setBusy] = useState<string | null>(null);
  async function run(key: string, call: () => Promise<unknown>, done: string): Promise<boolean> {
    setBusy(key);
    try {
      await call();
      toast(done);
      return true;
    } catch (err) {
      toast(errorMessage(err), "bad");
      return false;
    } finally {
      setBusy(null);
      await Promise.all([qc.invalidateQueries({ queryKey: ["alerts"] }), qc.invalidateQueries({ queryKey: ["fleet"] })]);
    }
  }
  return { busy, run };
}

export function SilenceMenu({ alert, onSilence, busy }: { alert: Pick<Alert, "alertId">; onSilence: (minutes: number) => void; busy?: boolean }) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <Button aria-expanded={false} busy={busy} onClick={() => setOpen(true)}>
        Silence
      </Button>
    );
  }
  return (
    <span className="alerts-silence" role="group" aria-label={`Silence alert ${alert.alertId} for`} onKeyDown={(e) => e.key === "Escape" && setOpen(false)}>
      <span className="muted">for</span>
      {SILENCE_PRESETS.map((p, i) => (
        <Button key={p.minutes} variant="ghost" autoFocus={i === 0} aria-label={`Silence for ${minutesText(p.minutes)}`} onClick={() => (setOpen(false), onSilence(p.minutes))}>
          {p.label}
        </Button>
      ))}
      <Button variant="ghost" aria-label="Cancel silencing" onClick={() => setOpen(false)}>
        ×
      </Button>
    </span>
  );
}

/** The buttons an alert allows in its state; callers show them to writers only. */
export function AlertActions({ alert, onClose }: { alert: Alert; onClose?: () => void }) {
  const { busy, run } = useAlertAction();
  const can = allowed(alert);
  const id = alert.alertId;
  return (
    <span className="alerts-actions">
      {can.acknowledge ? (
        <Button busy={busy === "ack"} onClick={() => void run("ack", () => alertCalls.acknowledge(id), `Alert ${id} acknowledged`)}>
          Acknowledge
        </Button>
      ) : null}
      {can.close ? (
        <Button busy={busy === "close"} onClick={() => (onClose ? onClose() : void run("close", () => alertCalls.close(id), `Alert ${id} closed`))}>
          Close
        </Button>
      ) : null}
      {can.silence ? <SilenceMenu alert={alert} busy={busy === "silence"} onSilence={(m) => void run("silence", () => alertCalls.silence(id, m), `Alert ${id} silenced for ${minutesText(m)}`)} /> : null}
      {can.unsilence ? (
        <Button busy={busy === "unsilence"} onClick={() => void run("unsilence", () => alertCalls.unsilence(id), `Alert ${id} unsilenced`)}>
          Unsilence
        </Button>
      ) : null}
    </span>
  );
}
