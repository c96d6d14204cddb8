/**
 * Device templates (/templates): the system templates every tenant reads and the tenant's own,
 * filtered by source, category and text (all in the URL). Any template can be cloned into an
 * own, editable one.
 */
import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useLocation } from "wouter";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useUrlState } from "../../lib/url-state";
import { Button, SearchInput, SelectField } from "../../ui/controls";
import { PageHeader } from "../../ui/layout";
import { DataTable, Pagination, type Column } from "../../ui/table";
import { choices } from "./form-modal";
import { TEMPLATES } from "./queries";
import { CATEGORIES } from "./template-forms";
import { CloneModal, NewTemplateModal, SourceBadge } from "./template-modals";
import type { Template } from "./types";

const LIMIT = 50;
/** The URL says "own"; the API calls a tenant's templates "tenant". */
const SOURCES = [
  { value: "", label: "System and own" },
  { value: "system", label: "System" },
  { value: "own", label: "Own" },
];

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
const parts = (t: Template) => `${count(t.counts.metrics, "metric")} · ${count(t.counts.commands, "command")} · ${count(t.counts.slots, "slot")}`;

export default function TemplatesPage() {
  const write = canWrite(useAuth().me);
  const [, navigate] = useLocation();
  const [f, set] = useUrlState({ source: "", category: "", q: "", offset: "0" });
  const [cloning, setCloning] = useState<Template | null>(null);
  const [creating, setCreating] = useState(false);
  const offset = Math.max(0, Number(f.offset) || 0);
  const query = {
    source: f.source === "own" ? "tenant" : f.source === "system" ? "system" : undefined,
    category: f.category || undefined,
    search: f.q.trim() || undefined,
    limit: LIMIT,
    offset,
  };
  const list = useQuery({ queryKey: ["templates", query], queryFn: () => api.get<Page<Template>>(TEMPLATES, query), placeholderData: keepPreviousData });
  const columns: Column<Template>[] = [
    {
      key: "name",
      header: "Template",
      cell: (t) => (
        <>
          <Link href={`/templates/${t.templateId}`}>{t.name}</Link>
          <div className="muted mono">{t.slug}</div>
        </>
      ),
    },
    { key: "category", header: "Category", cell: (t) => t.category.replaceAll("_", " ") },
    { key: "source", header: "Source", cell: (t) => <SourceBadge t={t} /> },
    { key: "maker", header: "Manufacturer / model", cell: (t) => [t.manufacturer, t.model].filter(Boolean).join(" ") || "—" },
    { key: "parts", header: "Parts", cell: parts },
    ...(write ? [{ key: "actions", header: <span className="sr-only">Actions</span>, cell: (t: Template) => <Button variant="ghost" onClick={() => setCloning(t)} aria-label={`Clone ${t.name}`}>Clone</Button> }] : []),
  ];
  const filtered = !!(f.source || f.category || f.q);
  return (
    <>
      <PageHeader
        title="Templates"
        subtitle="What a kind of device reports (metrics), accepts (commands) and carries (slots). System templates are read-only: clone one to adapt it."
        actions={write ? <Button variant="primary" onClick={() => setCreating(true)}>New template</Button> : null}
      />
      <div className="toolbar">
        <SelectField label="Source" value={f.source} onChange={(v) => set({ source: v, offset: null })} options={SOURCES} />
        <SelectField label="Category" value={f.category} onChange={(v) => set({ category: v, offset: null })} options={choices(CATEGORIES, "All categories")} />
        <SearchInput label="Search templates" placeholder="Search name, slug, manufacturer…" value={f.q} onChange={(v) => set({ q: v, offset: null })} />
      </div>
      <DataTable
        query={list}
        rows={list.data?.items}
        columns={columns}
        rowKey={(t) => t.templateId}
        caption="Templates"
        onRowClick={(t) => navigate(`/templates/${t.templateId}`)}
        empty={filtered ? "No template matches these filters. Clear the search or pick another source or category." : write ? "No templates yet. Create one with New template." : "No templates yet."}
      />
      {list.data ? <Pagination total={list.data.total} limit={LIMIT} offset={offset} onChange={(o) => set({ offset: String(o) })} /> : null}
      {cloning ? <CloneModal template={cloning} onClose={() => setCloning(null)} /> : null}
      {creating ? <NewTemplateModal onClose={() => setCreating(false)} /> : null}
    </>
  );
}
