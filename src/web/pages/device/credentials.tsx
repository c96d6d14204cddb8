/**
 * A device's credentials: its provision tokens and activation codes (prefixes only), token
 * rotation and revocation, and one-time activation codes. A new secret is shown once, here,
 * and never stored by the console.
 */
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { RotateToken } from "../../../http/api/bodies/device-parts";
import { api, errorMessage, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { blanksToUndefined, useForm } from "../../lib/form";
import { ago, dateTime } from "../../lib/format";
import { StatusBadge } from "../../ui/badges";
import { Button, ConfirmButton, CopyBlock, TextField } from "../../ui/controls";
import { Card } from "../../ui/layout";
import { DataTable, type Column } from "../../ui/table";
import { toast } from "../../ui/toast";
import { credentialStatus } from "./forms";
import { devicePath } from "./queries";
import type { Credential } from "./types";

type Issued = { kind: "token"; secret: string; revoked: number; within: number } | { kind: "code"; secret: string; expiresAt: string; activateUrl: string };

function IssuedSecret({ issued, onDismiss }: { issued: Issued; onDismiss: () => void }) {
  return (
    <Card title={issued.kind === "token" ? "New provision token" : "New activation code"} className="device-secret" actions={<Button variant="ghost" onClick={onDismiss}>Done</Button>}>
      <CopyBlock label={issued.kind === "token" ? "Provision token" : "Activation code"} text={issued.secret} />
      {issued.kind === "token" ? (
        <p role="alert">
          Copy it now: it is not shown again. {issued.revoked} earlier token{issued.revoked === 1 ? "" : "s"} revoked; devices still using {issued.revoked === 1 ? "it" : "them"} are refused within {issued.within} s.
        </p>
      ) : (
        <p role="alert">
          Copy it now: it is not shown again. It works once, until {dateTime(issued.expiresAt)}: the device trades it for its provision token at <code>POST {issued.activateUrl}</code>.
        </p>
      )}
    </Card>
  );
}

function Rotate({ deviceId, onIssued }: { deviceId: string; onIssued: (i: Issued) => void }) {
  const qc = useQueryClient();
  const form = useForm(
    { label: "" },
    RotateToken,
    async (body) => {
      const r = await api.post<{ provisionToken: string; revokedTokens: number; effectiveWithinSeconds: number }>(`${devicePath(deviceId)}/tokens/rotate`, body);
      onIssued({ kind: "token", secret: r.provisionToken, revoked: r.revokedTokens, within: r.effectiveWithinSeconds });
      form.setAll({ label: "" });
      await qc.invalidateQueries({ queryKey: ["device", deviceId, "tokens"] });
      toast("New provision token issued");
    },
    blanksToUndefined,
  );
  return (
    <form className="toolbar" onSubmit={(e) => void form.submit(e)} noValidate>
      <TextField label="Label for the new token (optional)" value={form.values.label} onChange={(x) => form.set("label", x)} error={form.errors.label} placeholder="e.g. rotated after repair" />
      <ConfirmButton variant="primary" busy={form.busy} confirm="Revoke every token of this device and issue a new one?" onConfirm={() => void form.submit()}>
        Rotate token
      </ConfirmButton>
      {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
    </form>
  );
}

export function CredentialsTab({ deviceId, decommissioned }: { deviceId: string; decommissioned: boolean }) {
  const qc = useQueryClient();
  const write = canWrite(useAuth().me);
  const [issued, setIssued] = useState<Issued | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const tokens = useQuery({ queryKey: ["device", deviceId, "tokens"], queryFn: () => api.get<Page<Credential>>(`${devicePath(deviceId)}/tokens`, { limit: 1000 }) });
  const run = async (key: string, work: () => Promise<string>, failure: string) => {
    setBusy(key);
    try {
      toast(await work());
      await qc.invalidateQueries({ queryKey: ["device", deviceId, "tokens"] });
    } catch (err) {
      toast(`${failure}: ${errorMessage(err)}`, "bad");
    } finally {
      setBusy(null);
    }
  };
  const revoke = (c: Credential) =>
    run(c.credentialId, async () => {
      const r = await api.del<{ effectiveWithinSeconds: number }>(`${devicePath(deviceId)}/tokens/${c.credentialId}`);
      return `${c.kind === "provision_token" ? "Token" : "Activation code"} ${c.tokenPrefix}… revoked; in effect within ${r.effectiveWithinSeconds} s`;
    }, "Could not revoke it");
  const activationCode = () =>
    run("code", async () => {
      const r = await api.post<{ activationCode: string; expiresAt: string; activateUrl: string }>(`${devicePath(deviceId)}/activation-code`);
      setIssued({ kind: "code", secret: r.activationCode, expiresAt: r.expiresAt, activateUrl: r.activateUrl });
      return "Activation code issued";
    }, "Could not issue an activation code");
  const columns: Column<Credential>[] = [
    { key: "kind", header: "Kind", cell: (c) => (c.kind === "provision_token" ? "Provision token" : "Activation code") },
    { key: "prefix", header: "Prefix", cell: (c) => <span className="mono">{c.tokenPrefix}…</span> },
    { key: "label", header: "Label", cell: (c) => c.label ?? "—" },
    { key: "created", header: "Created", cell: (c) => <span title={dateTime(c.createdAt)}>{ago(c.createdAt)}</span> },
    { key: "used", header: "Last used", cell: (c) => <span title={dateTime(c.lastUsedAt ?? c.usedAt)}>{ago(c.lastUsedAt ?? c.usedAt)}</span> },
    { key: "status", header: "Status", cell: (c) => <StatusBadge status={credentialStatus(c)} /> },
    ...(write
      ? [{
          key: "actions",
          header: <span className="sr-only">Actions</span>,
          cell: (c: Credential) =>
            credentialStatus(c) === "ACTIVE" ? (
              <ConfirmButton confirm={`Revoke ${c.tokenPrefix}…?`} busy={busy === c.credentialId} onConfirm={() => void revoke(c)}>
                Revoke
              </ConfirmButton>
            ) : null,
        }]
      : []),
  ];
  return (
    <div className="stack">
      {issued ? <IssuedSecret issued={issued} onDismiss={() => setIssued(null)} /> : null}
      {write && !decommissioned ? (
        <Card title="New credentials">
          <p className="muted">Rotating revokes every provision token of this device and issues one new token. An activation code lets a device fetch its own token once.</p>
          <Rotate deviceId={deviceId} onIssued={setIssued} />
          <Button busy={busy === "code"} onClick={() => void activationCode()}>
            Issue activation code
          </Button>
        </Card>
      ) : null}
      {decommissioned ? <p className="muted">This device is decommissioned: it gets no new credentials.</p> : null}
      <Card title="Tokens and activation codes">
        <DataTable
          query={tokens}
          rows={tokens.data?.items}
          columns={columns}
          rowKey={(c) => c.credentialId}
          caption="Tokens and activation codes"
          empty={write ? "This device has no credentials. Rotate to issue a provision token." : "This device has no credentials."}
        />
      </Card>
    </div>
  );
}
