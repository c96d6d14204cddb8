/**
 * The alert rule editor (/rules/new, /rules/:ruleId): name, type and its parameters, severity,
 * scope, escalation and enabled, checked with the API's own schemas; a backtest of the draft;
 * save and delete. Read-only roles see the rule and may backtest it.
 */
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useLocation, useParams } from "wouter";
import { api, type Page } from "../../lib/api";
import { canWrite, useAuth } from "../../lib/auth";
import { useForm } from "../../lib/form";
import { SEVERITIES } from "../../lib/format";
import { Button, Checkbox, ConfirmButton, SelectField, TextArea, TextField } from "../../ui/controls";
import { Card, PageHeader } from "../../ui/layout";
import { QueryView } from "../../ui/table";
import { toast } from "../../ui/toast";
import { DefinitionFields } from "./rule-definition";
import { BacktestPanel } from "./rule-backtest";
import { EMPTY_RULE, fromRule, RULE_TYPES, RuleForm, toBody, visibleErrors, type RuleDraft } from "./rule-form";
import { plainErrors } from "./scope";
import { ScopePicker, useScopeNames } from "./scope-picker";
import type { AlertRule } from "./types";

const SEVERITY_OPTIONS = Object.entries(SEVERITIES).map(([n, name]) => ({ value: n, label: `${n} · ${name}` }));
const RULES = "/api/v1/customer/alert-rules";

function usePolicies() {
  return useQuery({
    queryKey: ["escalation-policies", "names"],
    queryFn: async () => (await api.get<Page<{ policyId: string; name: string; isDefault: boolean }>>("/api/v1/customer/escalation-policies", { limit: 1000 })).items,
    staleTime: 5 * 60_000,
  });
}

function Editor({ rule }: { rule: AlertRule | null }) {
  const { me } = useAuth();
  const write = canWrite(me);
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const names = useScopeNames();
  const policies = usePolicies();
  const [extra, setExtra] = useState<Record<string, string>>({});
  const [edited, setEdited] = useState<Set<keyof RuleDraft>>(new Set());
  const form = useForm<RuleDraft, typeof RuleForm>(rule ? fromRule(rule) : EMPTY_RULE, RuleForm, async (body) => {
    const saved = rule ? await api.patch<AlertRule>(`${RULES}/${rule.ruleId}`, body) : await api.post<AlertRule>(RULES, body);
    await qc.invalidateQueries({ queryKey: ["alert-rules"] });
    toast(rule ? `Rule "${saved.name}" saved` : `Rule "${saved.name}" created`);
    if (!rule) navigate(`/rules/${saved.ruleId}`, { replace: true });
  }, toBody);
  const d = form.values;
  const errors = plainErrors(visibleErrors({ ...extra, ...form.errors }, edited));
  const set = <K extends keyof RuleDraft>(k: K, v: RuleDraft[K]) => {
    setEdited((s) => (s.has(k) ? s : new Set(s).add(k)));
    form.set(k, v);
  };
  const showErrors = (e: Record<string, string>) => (setExtra(e), setEdited(new Set()));

  async function remove() {
    try {
      const r = await api.del<{ closedAlerts: number }>(`${RULES}/${rule!.ruleId}`);
      await qc.invalidateQueries({ queryKey: ["alert-rules"] });
      await qc.invalidateQueries({ queryKey: ["alerts"] });
      toast(`Rule "${rule!.name}" deleted${r.closedAlerts ? `; ${r.closedAlerts} live alert${r.closedAlerts === 1 ? "" : "s"} closed` : ""}`);
      navigate("/rules");
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), "bad");
    }
  }

  const typeHint = RULE_TYPES.find((t) => t.value === d.type)?.hint;
  return (
    <>
      <PageHeader title={rule ? rule.name : "New alert rule"} subtitle={rule ? `${RULE_TYPES.find((t) => t.value === rule.type)?.label} rule` : "Decide what should raise an alert, for which devices, and how loudly."} actions={<Button variant="ghost" onClick={() => navigate("/rules")}>Back to rules</Button>} />
      {!write ? <p className="muted alerts-lead">You can look at this rule and backtest it; changing it needs a tenant admin.</p> : null}
      <form className="stack" noValidate onSubmit={(e) => (setExtra({}), setEdited(new Set()), void form.submit(e))}>
        <fieldset className="alerts-plain stack" disabled={!write}>
          <Card title="Rule">
            <div className="form-grid">
              <TextField label="Name" value={d.name} onChange={(v) => set("name", v)} error={errors.name} maxLength={200} />
              <SelectField label="Type" value={d.type} onChange={(v) => set("type", v as RuleDraft["type"])} options={RULE_TYPES} hint={typeHint} error={errors.type} />
              <SelectField label="Severity" value={d.severity} onChange={(v) => set("severity", v)} options={SEVERITY_OPTIONS} error={errors.severity} />
              <SelectField
                label="Escalation policy"
                value={d.escalationPolicyId}
                onChange={(v) => set("escalationPolicyId", v)}
                options={[{ value: "", label: "The tenant's default" }, ...(policies.data ?? []).map((p) => ({ value: p.policyId, label: p.isDefault ? `${p.name} (default)` : p.name }))]}
                error={errors.escalationPolicyId}
              />
            </div>
            <TextArea label="Description (optional)" rows={2} value={d.description} onChange={(v) => set("description", v)} error={errors.description} />
            <Checkbox label="Enabled — the evaluator checks this rule" checked={d.enabled} onChange={(v) => set("enabled", v)} />
          </Card>
          <Card title="When it fires">
            <DefinitionFields draft={d} set={set} errors={errors} />
          </Card>
          <Card>
            <ScopePicker value={d.scope} onChange={(v) => set("scope", v)} errors={errors} names={names} disabled={!write} />
          </Card>
        </fieldset>
        {form.formError ? <div className="form-error" role="alert">{form.formError}</div> : null}
        {write ? (
          <div className="form-actions alerts-save">
            {rule ? <ConfirmButton confirm="Delete this rule? Its live alerts will be closed." onConfirm={() => void remove()}>Delete rule</ConfirmButton> : null}
            <span className="spacer" />
            <Button variant="ghost" onClick={() => navigate("/rules")}>Cancel</Button>
            <Button type="submit" variant="primary" busy={form.busy}>{rule ? "Save rule" : "Create rule"}</Button>
          </div>
        ) : null}
      </form>
      <BacktestPanel draft={d} onErrors={showErrors} />
    </>
  );
}

export default function RuleEditor() {
  const { ruleId } = useParams<{ ruleId: string }>();
  const isNew = ruleId === "new";
  const q = useQuery({ queryKey: ["alert-rules", "one", ruleId], queryFn: () => api.get<AlertRule>(`${RULES}/${ruleId}`), enabled: !isNew });
  if (isNew) return <Editor key="new" rule={null} />;
  return <QueryView query={q}>{(rule) => <Editor key={rule.ruleId} rule={rule} />}</QueryView>;
}
