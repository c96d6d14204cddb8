/**
 * System templates, the device models every tenant builds on: list and search them, open one
 * (its id in the URL) to see its metrics, commands and slots, and, as an operator admin, create,
 * edit and delete them. A tenant's own templates can be looked at, not changed.
 */
import { useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, errorMessage, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { ago, dateTime } from "../../lib/format";
import { useUrlState } from "../../lib/url-state";
import { Tag } from "../../ui/badges";
import { Button, ConfirmButton, SelectField } from "../../ui/controls";
import { Card, KeyValue, PageHeader } from "../../ui/layout";
import { DataTable, Pagination, QueryView } from "../../ui/table";
import { toast } from "../../ui/toast";
import { CATEGORIES } from "../device/template-forms";
import type { Template, TemplateDetail } from "../device/types";
import { PAGE_SIZE, pretty } from "./model";
import { SearchBox } from "./search-box";
import { TenantFilter } from "./tenant-filter";
import { categoryName, TEMPLATES_API, TemplateFormModal } from "./template-form";
import { TemplateParts } from "./template-parts";

const CATEGORY_OPTIONS = [{ value: "", label: "Any category" }, ...CATEGORIES.map((c) => ({ value: c, label: categoryName(c) }))];

function Detail({ id, onBack }: { id: string; onBack: () => void }) {
  const { me } = useAuth();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const q = useQuery({ queryKey: ["operator", "templates", "detail", id], queryFn: () => api.get<TemplateDetail>(`${TEMPLATES_API}/${id}`) });
  const refresh = () => qc.invalidateQueries({ queryKey: ["operator", "templates"] });
  const remove = async (t: TemplateDetail) => {
    setDeleting(true);
    try {
      await api.del(`${TEMPLATES_API}/${t.templateId}`);
      toast(`Deleted ${t.name}`);
      onBack();
      // Not the deleted one's own query, which would ask for it once more and get a 404.
      qc.removeQueries({ queryKey: ["operator", "templates", "detail", t.templateId] });
      void qc.invalidateQueries({ queryKey: ["operator", "templates"], predicate: (q) => q.queryKey[3] !== t.templateId });
    } catch (e) {
      toast(`Could not delete ${t.name}: ${errorMessage(e)}`, "bad");
    } finally {
      setDeleting(false);
    }
  };
  const back = <Button variant="ghost" onClick={onBack}>← All templates</Button>;
  return (
    <QueryView query={q}>
      {(t) => {
        const writable = canWrite(me) && t.source === "system";
        return (
          <>
            <PageHeader
              title={t.name}
              subtitle={<><span className="mono">{t.slug}</span> · {categoryName(t.category)} · {t.source === "system" ? "system template" : "a tenant's own template (read-only here)"}</>}
              actions={
                <>
                  {back}
                  {writable ? <Button onClick={() => setEditing(true)}>Edit</Button> : null}
                  {writable ? <ConfirmButton busy={deleting} confirm={`Delete ${t.name}? Devices using it block this.`} onConfirm={() => void remove(t)}>Delete</ConfirmButton> : null}
                </>
              }
            />
            <div className="stack">
              <Card title="Template">
                <KeyValue
                  items={[
                    ["Manufacturer", t.manufacturer],
                    ["Model", t.model],
                    ["Firmware pattern", t.firmwarePattern ? <span className="mono">{t.firmwarePattern}</span> : null],
                    ["Locked for tenants", t.isLocked ? "yes" : "no"],
                    ["Updated", dateTime(t.updatedAt)],
                    ["Id", <span className="mono">{t.templateId}</span>],
                  ]}
                />
                {t.description ? <p>{t.description}</p> : null}
                {Object.keys(t.transportDefaults).length ? (
                  <>
                    <h3 className="operator-h3">Transport defaults</h3>
                    <pre className="operator-json">{pretty(t.transportDefaults)}</pre>
                  </>
                ) : null}
              </Card>
              <TemplateParts t={t} writable={writable} onChanged={refresh} />
            </div>
            {editing ? (
              <TemplateFormModal
                template={t}
                onClose={() => setEditing(false)}
                onSaved={(saved) => {
                  setEditing(false);
                  toast(`Saved ${saved.name}`);
                  void refresh();
                }}
              />
            ) : null}
          </>
        );
      }}
    </QueryView>
  );
}

export default function OperatorTemplates() {
  const { me } = useAuth();
  const qc = useQueryClient();
  const [f, set] = useUrlState({ q: "", category: "", tenant: "", offset: "0", id: "" });
  const [creating, setCreating] = useState(false);
  const query = { search: f.q.trim(), category: f.category, tenantId: f.tenant, limit: PAGE_SIZE, offset: Math.max(0, Number(f.offset) || 0) };
  const list = useQuery({ queryKey: ["operator", "templates", query], queryFn: () => api.get<Page<Template>>(TEMPLATES_API, query), placeholderData: keepPreviousData, enabled: !f.id });
  const filter = (patch: Partial<Record<keyof typeof f, string | null>>) => set({ ...patch, offset: null });
  if (f.id) return <Detail id={f.id} onBack={() => set({ id: null }, true)} />;
  const mayCreate = canWrite(me) && !f.tenant;
  return (
    <>
      <PageHeader
        title="System templates"
        subtitle="Device models every tenant can use or copy: their metrics, commands and slots."
        actions={mayCreate ? <Button variant="primary" onClick={() => setCreating(true)}>New system template</Button> : null}
      />
      <div className="toolbar" role="search" aria-label="Filter templates">
        <SearchBox label="Search" placeholder="name, slug, model…" value={f.q} onCommit={(q) => filter({ q })} />
        <SelectField label="Category" value={f.category} options={CATEGORY_OPTIONS} onChange={(category) => filter({ category })} />
        <TenantFilter label="Owner" emptyLabel="System templates" value={f.tenant} onChange={(tenant) => filter({ tenant })} />
      </div>
      <DataTable
        query={list}
        rows={list.data?.items}
        rowKey={(t) => t.templateId}
        caption="Templates"
        onRowClick={(t) => set({ id: t.templateId }, true)}
        empty={f.q || f.category ? "No template matches. Clear the search or the category." : f.tenant ? "This tenant has no templates of its own." : "No system templates yet. Create the first with “New system template”."}
        columns={[
          { key: "name", header: "Template", cell: (t) => <button type="button" className="operator-link" onClick={() => set({ id: t.templateId }, true)}>{t.name}</button> },
          { key: "slug", header: "Slug", cell: (t) => <span className="mono">{t.slug}</span> },
          { key: "cat", header: "Category", cell: (t) => <Tag>{categoryName(t.category)}</Tag> },
          { key: "make", header: "Manufacturer · model", cell: (t) => [t.manufacturer, t.model].filter(Boolean).join(" · ") || "—" },
          { key: "parts", header: "Metrics · commands · slots", cell: (t) => `${t.counts.metrics} · ${t.counts.commands} · ${t.counts.slots}` },
          { key: "updated", header: "Updated", className: "operator-nowrap", cell: (t) => <span title={dateTime(t.updatedAt)}>{ago(t.updatedAt)}</span> },
        ]}
      />
      {list.data ? <Pagination total={list.data.total} limit={PAGE_SIZE} offset={list.data.offset} onChange={(o) => set({ offset: String(o) }, true)} /> : null}
      {creating ? (
        <TemplateFormModal
          onClose={() => setCreating(false)}
          onSaved={(t) => {
            setCreating(false);
            toast(`Created ${t.name}`);
            void qc.invalidateQueries({ queryKey: ["operator", "templates"] });
            set({ id: t.templateId }, true);
          }}
        />
      ) : null}
    </>
  );
}
