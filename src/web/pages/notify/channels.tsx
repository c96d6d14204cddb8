/**
 * Channels & routing: the tenant's notification channels (webhook, Slack, Teams, PagerDuty,
 * e-mail) with a test send, and the routing rules that pick which alerts reach which channel.
 * The tab, the type filter and the page offset live in the URL.
 */
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { CHANNEL_TYPES } from "../../../http/api/bodies/notify";
import { api, errorMessage, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useUrlState } from "../../lib/url-state";
import { Button, ConfirmButton, SelectField } from "../../ui/controls";
import { Modal, PageHeader, Tabs } from "../../ui/layout";
import { DataTable, Loading, Pagination, type Column } from "../../ui/table";
import { ChannelForm } from "./channel-form";
import { EnabledBadge, ResultBox, SendResultBox, useAction } from "./parts";
import { RoutingRules } from "./routing-rules";
import { CHANNEL_LABELS, PATHS, type Channel, type SendResult } from "./types";

const LIMIT = 50;

/** Where the channel sends, from its masked config. */
function target(c: Channel): string {
  const cfg = c.config;
  if (c.channelType === "webhook") return String(cfg.url ?? "");
  if (c.channelType === "email") return Array.isArray(cfg.to) ? cfg.to.join(", ") : "";
  if (c.channelType === "pagerduty") return `routing key ${String(cfg.routingKey ?? "")}`;
  return String(cfg.webhookUrl ?? "");
}

type Test = { channel: Channel; result?: SendResult; error?: string };

function TestDialog({ test, onClose }: { test: Test | null; onClose: () => void }) {
  return (
    <Modal open={!!test} title={`Test: ${test?.channel.name ?? ""}`} onClose={onClose}>
      {!test ? null : test.result ? (
        <SendResultBox result={test.result} />
      ) : test.error ? (
        <ResultBox ok={false}>{test.error}</ResultBox>
      ) : (
        <Loading label="Sending a test notice…" />
      )}
      <p className="muted">A test notice says “Test notification from Pulse” and stands for no real alert.</p>
      <div className="form-actions">
        <Button onClick={onClose}>Close</Button>
      </div>
    </Modal>
  );
}

function ChannelList() {
  const { me } = useAuth();
  const write = canWrite(me);
  const [url, setUrl] = useUrlState({ type: "", offset: "0" });
  const offset = Number(url.offset) || 0;
  const query = useQuery({
    queryKey: ["channels", { type: url.type, offset }],
    queryFn: () => api.get<Page<Channel>>(PATHS.channels, { channelType: url.type, limit: LIMIT, offset }),
  });
  const [editing, setEditing] = useState<Channel | "new" | null>(null);
  const [test, setTest] = useState<Test | null>(null);
  const { busy, run } = useAction();
  const keys = [["channels"]];

  async function sendTest(channel: Channel) {
    setTest({ channel });
    try {
      setTest({ channel, result: await api.post<SendResult>(`${PATHS.channels}/${channel.channelId}/test`) });
    } catch (err) {
      setTest({ channel, error: errorMessage(err) });
    }
  }

  const columns: Column<Channel>[] = [
    { key: "name", header: "Name", cell: (c) => <strong>{c.name}</strong> },
    { key: "type", header: "Type", cell: (c) => CHANNEL_LABELS[c.channelType] },
    { key: "target", header: "Sends to", cell: (c) => <span className="mono notify-clip" title={target(c)}>{target(c)}</span> },
    { key: "enabled", header: "State", cell: (c) => <EnabledBadge enabled={c.enabled} /> },
  ];
  if (write) {
    columns.push({
      key: "actions",
      header: <span className="sr-only">Actions</span>,
      className: "notify-actions",
      cell: (c) => (
        <div className="row">
          <Button onClick={() => void sendTest(c)} aria-label={`Send test: ${c.name}`}>Send test</Button>
          <Button onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>Edit</Button>
          <Button busy={busy === `toggle-${c.channelId}`} onClick={() => void run(`toggle-${c.channelId}`, () => api.patch(`${PATHS.channels}/${c.channelId}`, { enabled: !c.enabled }), { ok: `${c.name} ${c.enabled ? "disabled" : "enabled"}`, keys })}>
            {c.enabled ? "Disable" : "Enable"}
          </Button>
          <ConfirmButton busy={busy === `del-${c.channelId}`} confirm={`Delete ${c.name} and its routing rules?`} onConfirm={() => void run(`del-${c.channelId}`, () => api.del(`${PATHS.channels}/${c.channelId}`), { ok: `Deleted ${c.name}`, keys: [["channels"], ["routing-rules"]] })}>
            Delete
          </ConfirmButton>
        </div>
      ),
    });
  }

  return (
    <>
      <div className="toolbar">
        <SelectField label="Type" value={url.type} onChange={(type) => setUrl({ type, offset: null })} options={[{ value: "", label: "All types" }, ...CHANNEL_TYPES.map((t) => ({ value: t, label: CHANNEL_LABELS[t] }))]} />
        <span className="spacer" />
        {write ? <Button variant="primary" onClick={() => setEditing("new")}>New channel</Button> : null}
      </div>
      <DataTable
        query={query}
        rows={query.data?.items}
        columns={columns}
        rowKey={(c) => c.channelId}
        caption="Notification channels"
        empty={url.type ? "No channels of this type. Clear the filter or create one." : write ? "No channels yet. Create one (a webhook, Slack, Teams, PagerDuty or e-mail), then add a routing rule that sends alerts to it." : "No channels yet. A tenant admin can create them."}
      />
      {query.data ? <Pagination total={query.data.total} limit={LIMIT} offset={offset} onChange={(o) => setUrl({ offset: String(o) })} /> : null}
      <Modal open={editing !== null} title={editing === "new" ? "New channel" : `Edit ${editing?.name ?? ""}`} onClose={() => setEditing(null)} wide>
        <ChannelForm channel={editing === "new" ? null : editing} onDone={() => setEditing(null)} />
      </Modal>
      <TestDialog test={test} onClose={() => setTest(null)} />
    </>
  );
}

const TABS = [
  { id: "channels", label: "Channels" },
  { id: "routing", label: "Routing rules" },
] as const;

export default function ChannelsPage() {
  const [url, setUrl] = useUrlState({ tab: "channels", type: "", offset: "0" });
  const tab = url.tab === "routing" ? "routing" : "channels";
  return (
    <>
      <PageHeader title="Channels & routing" subtitle="Where alert notices go, and which alerts reach which channel." />
      <Tabs label="Channels and routing" tabs={TABS} value={tab} onChange={(t) => setUrl({ tab: t, type: null, offset: null }, true)} />
      <div role="tabpanel" aria-label={tab === "routing" ? "Routing rules" : "Channels"}>
        {tab === "channels" ? <ChannelList /> : <RoutingRules onNoChannels={() => setUrl({ tab: "channels" }, true)} />}
      </div>
    </>
  );
}
