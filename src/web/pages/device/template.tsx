/**
 * One template (/templates/:templateId): its fields, metrics, commands and slots. System
 * templates are read-only (clone them); the tenant's own can be edited and deleted.
 */
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useParams } from "wouter";
import { api, ApiError, errorMessage } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { dateTime } from "../../lib/format";
import { Button, ConfirmButton } from "../../ui/controls";
import { Card, KeyValue, PageHeader } from "../../ui/layout";
import { Empty, ErrorBox, Loading } from "../../ui/table";
import { toast } from "../../ui/toast";
import { TEMPLATES } from "./queries";
import { CloneModal, EditTemplateModal, SourceBadge } from "./template-modals";
import { TemplateParts } from "./template-parts";
import type { TemplateDetail } from "./types";

function NotFound({ templateId }: { templateId: string }) {
  return (
    <>
      <PageHeader title="Template not found" subtitle={<span className="mono">{templateId}</span>} />
      <Empty>
        No template with this id is visible to you: it may have been deleted, or the link is wrong. <Link href="/templates">Browse the templates</Link>
      </Empty>
    </>
  );
}

function About({ t }: { t: TemplateDetail }) {
  return (
    <Card title="About">
      <KeyValue
        items={[
          ["Description", t.description],
          ["Category", t.category.replaceAll("_", " ")],
          ["Manufacturer", t.manufacturer],
          ["Model", t.model],
          ["Firmware pattern", t.firmwarePattern ? <code>{t.firmwarePattern}</code> : null],
          ["Transport defaults", Object.keys(t.transportDefaults).length ? <code>{JSON.stringify(t.transportDefaults)}</code> : null],
          ["Image", t.imageUrl ? <a href={t.imageUrl} rel="noreferrer noopener" target="_blank">{t.imageUrl}</a> : null],
          ["Updated", dateTime(t.updatedAt)],
        ]}
      />
    </Card>
  );
}

export default function TemplatePage() {
  const { templateId = "" } = useParams<{ templateId: string }>();
  const write = canWrite(useAuth().me);
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [dialog, setDialog] = useState<"clone" | "edit" | null>(null);
  const [deleting, setDeleting] = useState(false);
  const q = useQuery({ queryKey: ["template", templateId], queryFn: () => api.get<TemplateDetail>(`${TEMPLATES}/${encodeURIComponent(templateId)}`) });
  // A malformed id (400) is as missing as an unknown one (404).
  if (q.error instanceof ApiError && (q.error.status === 404 || q.error.status === 400)) return <NotFound templateId={templateId} />;
  if (q.isError) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  if (q.isPending) return <Loading />;
  const t = q.data;
  const own = t.source === "tenant" && !t.isLocked;
  const editable = write && own;
  const remove = async () => {
    setDeleting(true);
    try {
      await api.del(`${TEMPLATES}/${t.templateId}`);
      qc.removeQueries({ queryKey: ["template", t.templateId] });
      await qc.invalidateQueries({ queryKey: ["templates"] });
      toast(`Template ${t.name} deleted`);
      navigate("/templates");
    } catch (err) {
      toast(`Could not delete ${t.name}: ${errorMessage(err)}`, "bad");
      setDeleting(false);
    }
  };
  return (
    <>
      <PageHeader
        title={t.name}
        subtitle={
          <span className="device-meta">
            <span className="mono">{t.slug}</span>
            <SourceBadge t={t} />
            <span>{t.category.replaceAll("_", " ")}</span>
          </span>
        }
        actions={
          <>
            <Link href="/templates">All templates</Link>
            {write ? <Button onClick={() => setDialog("clone")}>Clone</Button> : null}
            {editable ? <Button onClick={() => setDialog("edit")}>Edit</Button> : null}
            {editable ? <ConfirmButton confirm={`Delete ${t.name}?`} busy={deleting} onConfirm={() => void remove()}>Delete</ConfirmButton> : null}
          </>
        }
      />
      {!own ? (
        <p className="device-locked" role="note">
          A system template: the platform operators maintain it, and it is read-only here.{write ? " Clone it to make a version of your own." : ""}
        </p>
      ) : null}
      <div className="stack">
        <About t={t} />
        <TemplateParts template={t} editable={editable} />
      </div>
      {dialog === "clone" ? <CloneModal template={t} onClose={() => setDialog(null)} /> : null}
      {dialog === "edit" ? <EditTemplateModal template={t} onClose={() => setDialog(null)} /> : null}
    </>
  );
}
