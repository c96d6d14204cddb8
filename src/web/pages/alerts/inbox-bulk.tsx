/** Bulk acknowledge and close of the selected alerts: each one its own call, failures named. */
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Button, ConfirmButton } from "../../ui/controls";
import { toast } from "../../ui/toast";
import { alertCalls } from "./alert-actions";
import { allowed, bulkOutcome } from "./inbox-query";
import type { Alert } from "./types";

export function BulkBar({ rows, selected, onDone }: { rows: Alert[]; selected: Set<string>; onDone: () => void }) {
  const qc = useQueryClient();
  const [busy, setBusy] = useState<"ack" | "close" | null>(null);
  const chosen = rows.filter((a) => selected.has(String(a.alertId)));
  const ackable = chosen.filter((a) => allowed(a).acknowledge);
  const closable = chosen.filter((a) => allowed(a).close);

  async function apply(kind: "ack" | "close", list: Alert[]) {
    setBusy(kind);
    const ids = list.map((a) => a.alertId);
    const results = await Promise.allSettled(ids.map((id) => (kind === "ack" ? alertCalls.acknowledge(id) : alertCalls.close(id))));
    const out = bulkOutcome(kind === "ack" ? "acknowledged" : "closed", ids, results);
    toast(out.text, out.ok ? "ok" : "bad");
    setBusy(null);
    onDone();
    await Promise.all([qc.invalidateQueries({ queryKey: ["alerts"] }), qc.invalidateQueries({ queryKey: ["fleet"] })]);
  }

  return (
    <div className="alerts-bulk" role="region" aria-label="Selected alerts">
      <span>
        <strong>{chosen.length}</strong> selected
      </span>
      <Button disabled={!ackable.length} busy={busy === "ack"} onClick={() => void apply("ack", ackable)}>
        Acknowledge {ackable.length === chosen.length ? "selected" : `${ackable.length} open`}
      </Button>
      <ConfirmButton variant="secondary" busy={busy === "close"} confirm={`Close ${closable.length} alert${closable.length === 1 ? "" : "s"}?`} onConfirm={() => void apply("close", closable)}>
        Close selected
      </ConfirmButton>
      <Button variant="ghost" onClick={onDone}>
        Clear selection
      </Button>
    </div>
  );
}
