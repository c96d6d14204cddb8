/**
 * One tenant's evaluation in memory: its devices (scope and status), rules, maintenance
 * windows, the state of every (rule, device) and the fingerprints of its live alerts. Rows
 * and timers go in; effects (status changes, firings, clears) come out for the handler to
 * write. Nothing here does I/O, so a tenant's work is a plain function of its inputs.
 */
import { onSample, onTime, type RuleState, type Step } from "../../alerts/conditions";
import { activeWindow, type MaintenanceWindow } from "../../alerts/maintenance";
import { ALERT_TYPE_OF, durationText, fingerprintOf, inScope, type Rule, type ScopeDevice } from "../../alerts/rules";
import type { Firing, StatusChange } from "../../alerts/evaluator-queries";
import { TimerWheel } from "./timers";

export interface StatusPolicy {
  staleMs: number;
  offlineMs: number;
  alert: boolean;
  severity: number;
}

export const DEFAULT_POLICY: StatusPolicy = { staleMs: 90_000, offlineMs: 600_000, alert: true, severity: 4 };

export interface DeviceModel extends ScopeDevice {
  status: "ONLINE" | "STALE" | "OFFLINE";
  lastSeen: number | null;
  /** Rules in scope, worked out on first use and dropped when rules or scope change. */
  rules: CompiledRule[] | null;
  /** Its NO_HEARTBEAT was held back by a maintenance window: try again. */
  heartbeatHeld?: boolean;
}

export interface CompiledRule {
  rule: Rule;
  metrics: readonly string[];
  gap: boolean;
  /**
   * Its state is worth a checkpoint. A single-condition threshold without a hold is decided
   * by the next sample alone, so rewriting its state on every sample would cost the database
   * for nothing (at 10,000 devices, most of the rule_state writes).
   */
  persist: boolean;
  alertType: string;
  escalateAfterMinutes: number | null;
  escalationPolicyId: string | null;
}

interface PairState {
  state: RuleState;
  dueAt: number | null;
  dirty: boolean;
}

export interface Effects {
  status: StatusChange[];
  firings: Map<string, Firing & { closeAfter?: boolean }>;
  /** Live alerts to close: fingerprint → reason. */
  clears: Map<string, string>;
  /** (rule, device) states gone for good (the pair left the rule's scope). */
  dropped: Array<{ ruleId: string; deviceId: string }>;
}

export const noEffects = (): Effects => ({ status: [], firings: new Map(), clears: new Map(), dropped: [] });
export const hasEffects = (fx: Effects) => fx.status.length > 0 || fx.firings.size > 0 || fx.clears.size > 0 || fx.dropped.length > 0;

/** A firing held back by a maintenance window is tried again this often, so a device that died during maintenance still alerts after it. */
const SUPPRESSED_RECHECK_MS = 60_000;

const heartbeatFingerprint = (deviceId: string) => `NO_HEARTBEAT:${deviceId}`;

export class TenantModel {
  readonly devices = new Map<string, DeviceModel>();
  rules: CompiledRule[] = [];
  private ruleById = new Map<string, CompiledRule>();
  windows: MaintenanceWindow[] = [];
  policies = { fallback: DEFAULT_POLICY, byTemplate: new Map<string, StatusPolicy>() };
  defaultEscalation: { policyId: string; afterMinutes: number } | null = null;
  readonly states = new Map<string, PairState>();
  readonly live = new Set<string>();
  readonly timers: TimerWheel;
  /** Out of step with the database (a round it refused): read the tenant again. */
  stale = false;

  constructor(readonly tenant: string, now: number) {
    this.timers = new TimerWheel(now);
  }

  setRules(rules: CompiledRule[]): void {
    this.rules = rules;
    this.ruleById = new Map(rules.map((r) => [r.rule.ruleId, r]));
    for (const d of this.devices.values()) d.rules = null;
  }

  /** Adds or refreshes a device's scope; its status and last-seen time stay as they are in memory. */
  putDevice(d: Omit<DeviceModel, "rules">, now: number): void {
    const cur = this.devices.get(d.deviceId);
    if (cur) {
      Object.assign(cur, { siteId: d.siteId, templateId: d.templateId, tags: d.tags, groupIds: d.groupIds, rules: null });
      return;
    }
    this.devices.set(d.deviceId, { ...d, rules: null });
    this.scheduleStatus(this.devices.get(d.deviceId)!, now);
  }

  restoreState(ruleId: string, deviceId: string, saved: { s: RuleState; d: number | null }): void {
    this.states.set(`${ruleId}|${deviceId}`, { state: saved.s, dueAt: saved.d, dirty: false });
    if (saved.d !== null) this.timers.schedule(`r:${ruleId}|${deviceId}`, saved.d);
  }

  /** State rows changed since the last checkpoint (and marks them saved). */
  takeDirty(): Array<{ ruleId: string; deviceId: string; state: unknown }> {
    const out: Array<{ ruleId: string; deviceId: string; state: unknown }> = [];
    for (const [key, ps] of this.states) {
      if (!ps.dirty) continue;
      ps.dirty = false;
      const bar = key.indexOf("|");
      out.push({ ruleId: key.slice(0, bar), deviceId: key.slice(bar + 1), state: { s: ps.state, d: ps.dueAt } });
    }
    return out;
  }

  /** A checkpoint that failed: these are still to be saved. */
  markDirty(rows: ReadonlyArray<{ ruleId: string; deviceId: string }>): void {
    for (const r of rows) {
      const ps = this.states.get(`${r.ruleId}|${r.deviceId}`);
      if (ps) ps.dirty = true;
    }
  }

  policyOf(d: DeviceModel): StatusPolicy {
    return (d.templateId && this.policies.byTemplate.get(d.templateId)) || this.policies.fallback;
  }

  applyRow(d: DeviceModel, t: number, metrics: Readonly<Record<string, unknown>>, now: number, fx: Effects): void {
    const before = d.lastSeen;
    if (d.lastSeen === null || t > d.lastSeen) d.lastSeen = t;
    const p = this.policyOf(d);
    if (d.status !== "ONLINE" && now - d.lastSeen < p.staleMs) {
      const reason = before === null ? "first_seen" : "heartbeat_resumed";
      fx.status.push({ deviceId: d.deviceId, from: d.status, to: "ONLINE", event: "CONNECTED", reason, at: new Date(d.lastSeen) });
      d.status = "ONLINE";
      d.heartbeatHeld = false;
      this.clearAlert(heartbeatFingerprint(d.deviceId), fx);
    }
    this.scheduleStatus(d, now);
    d.rules ??= this.rules.filter((r) => inScope(r.rule.scope, d));
    for (const r of d.rules) {
      const key = `${r.rule.ruleId}|${d.deviceId}`;
      const ps = this.states.get(key);
      if (!carriesAny(metrics, r.metrics) && !(r.gap && !ps)) continue;
      this.record(r, d, key, onSample(r.rule, ps?.state, { t, metrics }), t, fx);
    }
  }

  applyTimers(now: number, fx: Effects): void {
    for (const key of this.timers.due(now)) {
      if (key.startsWith("d:")) this.statusTimer(key.slice(2), now, fx);
      else this.ruleTimer(key.slice(2), now, fx);
    }
  }

  private ruleTimer(key: string, now: number, fx: Effects): void {
    const ps = this.states.get(key);
    if (!ps || ps.dueAt === null) return;
    if (ps.dueAt > now) return this.timers.schedule(`r:${key}`, ps.dueAt);
    const bar = key.indexOf("|");
    const r = this.ruleById.get(key.slice(0, bar));
    const d = this.devices.get(key.slice(bar + 1));
    if (!r || !d) return void this.states.delete(key);
    this.record(r, d, key, onTime(r.rule, ps.state, now), ps.dueAt, fx);
  }

  private statusTimer(deviceId: string, now: number, fx: Effects): void {
    const d = this.devices.get(deviceId);
    if (!d || d.lastSeen === null) return;
    const p = this.policyOf(d);
    const age = now - d.lastSeen;
    if (d.status === "ONLINE" && age >= p.staleMs) {
      const at = new Date(d.lastSeen + p.staleMs);
      fx.status.push({ deviceId, from: "ONLINE", to: "STALE", event: "DISCONNECTED", reason: "heartbeat_timeout", at });
      d.status = "STALE";
      if (p.alert) this.fireHeartbeat(d, p, at, fx);
    }
    else if (d.heartbeatHeld && d.status !== "ONLINE" && p.alert) this.fireHeartbeat(d, p, new Date(now), fx);
    if (d.status === "STALE" && age >= p.offlineMs) {
      fx.status.push({ deviceId, from: "STALE", to: "OFFLINE", event: "OFFLINE", reason: "offline_timeout", at: new Date(d.lastSeen + p.offlineMs) });
      d.status = "OFFLINE";
    }
    this.scheduleStatus(d, now);
  }

  private scheduleStatus(d: DeviceModel, now: number): void {
    if (d.lastSeen === null) return;
    const p = this.policyOf(d);
    if (d.status === "ONLINE") this.timers.schedule(`d:${d.deviceId}`, d.lastSeen + p.staleMs);
    else if (d.status === "STALE") this.timers.schedule(`d:${d.deviceId}`, Math.max(now, d.lastSeen + p.offlineMs));
    if (d.heartbeatHeld && d.status !== "ONLINE") this.timers.schedule(`d:${d.deviceId}`, now + SUPPRESSED_RECHECK_MS);
  }

  /** Opens NO_HEARTBEAT, or (in a maintenance window) holds it back to try again later. */
  private fireHeartbeat(d: DeviceModel, p: StatusPolicy, at: Date, fx: Effects): void {
    const esc = this.defaultEscalation;
    const suppressed = activeWindow(this.windows, d, at.getTime()) !== null;
    d.heartbeatHeld = suppressed;
    this.addFiring(fx, {
      fingerprint: heartbeatFingerprint(d.deviceId), deviceId: d.deviceId, siteId: d.siteId, ruleId: null, alertType: "NO_HEARTBEAT",
      severity: p.severity, summary: `${d.deviceId}: nothing heard for ${durationText(p.staleMs / 1000)}`,
      details: { lastSeenAt: new Date(d.lastSeen!).toISOString(), staleAfterSeconds: p.staleMs / 1000 }, count: 1, at,
      escalationPolicyId: esc?.policyId ?? null, escalateAfterMinutes: esc?.afterMinutes ?? null, suppressed,
    });
  }

  private record(r: CompiledRule, d: DeviceModel, key: string, step: Step, t: number, fx: Effects): void {
    const fp = fingerprintOf(r.rule.ruleId, d.deviceId);
    const suppressed = (step.breach === true || step.late === true) && !this.live.has(fp) && activeWindow(this.windows, d, t) !== null;
    const wasPending = fx.firings.has(fp) && !fx.firings.get(fp)!.closeAfter;
    // A gap has no next sample to re-raise it: look again once the window may be over.
    const dueAt = suppressed && r.gap && step.dueAt === null ? t + SUPPRESSED_RECHECK_MS : step.dueAt;
    this.states.set(key, { state: step.state, dueAt, dirty: r.persist });
    if (dueAt !== null) this.timers.schedule(`r:${key}`, dueAt);
    if (step.breach === false) return this.clearAlert(fp, fx);
    if (step.breach !== true && !step.late) return;
    this.addFiring(fx, {
      fingerprint: fp, deviceId: d.deviceId, siteId: d.siteId, ruleId: r.rule.ruleId, alertType: r.alertType, severity: r.rule.severity,
      summary: `${d.deviceId}: ${step.summary}`, details: { ...step.details, rule: r.rule.name }, count: 1, at: new Date(t),
      escalationPolicyId: r.escalationPolicyId, escalateAfterMinutes: r.escalateAfterMinutes, suppressed,
    });
    // A late breach is over already, unless the alert was live (or opening) for newer samples.
    if (step.late && !this.live.has(fp) && !wasPending) this.clearAlert(fp, fx);
  }

  private addFiring(fx: Effects, f: Firing): void {
    fx.clears.delete(f.fingerprint);
    const cur = fx.firings.get(f.fingerprint);
    if (!cur) return void fx.firings.set(f.fingerprint, f);
    Object.assign(cur, { summary: f.summary, details: f.details, severity: f.severity, count: cur.count + 1, closeAfter: false });
  }

  private clearAlert(fp: string, fx: Effects, reason = "condition cleared"): void {
    const pending = fx.firings.get(fp);
    if (pending) pending.closeAfter = true;
    else if (this.live.has(fp)) fx.clears.set(fp, reason);
  }

  /**
   * After rules or devices changed: a (rule, device) pair no longer evaluated (the device left
   * the rule's scope, was deactivated or deleted, or the rule is gone) closes its live alert and
   * forgets its state, so nothing stays open that nothing could ever close.
   */
  sweep(fx: Effects): void {
    for (const d of this.devices.values()) d.rules = null;
    for (const fp of this.live) {
      const reason = this.outOfScope(fp);
      if (reason) this.clearAlert(fp, fx, reason);
    }
    for (const key of this.states.keys()) {
      const bar = key.indexOf("|");
      const [ruleId, deviceId] = [key.slice(0, bar), key.slice(bar + 1)];
      const r = this.ruleById.get(ruleId);
      const d = this.devices.get(deviceId);
      if (r && d && inScope(r.rule.scope, d)) continue;
      this.states.delete(key);
      fx.dropped.push({ ruleId, deviceId });
    }
  }

  private outOfScope(fp: string): string | null {
    if (fp.startsWith("NO_HEARTBEAT:")) return this.devices.has(fp.slice(13)) ? null : "device no longer evaluated";
    if (!fp.startsWith("RULE:")) return null;
    const at = fp.indexOf(":", 5);
    const r = this.ruleById.get(fp.slice(5, at));
    const d = this.devices.get(fp.slice(at + 1));
    if (!r) return null; // a disabled or deleted rule's alerts are closed by that change itself
    if (!d) return "device no longer evaluated";
    return inScope(r.rule.scope, d) ? null : "device left the rule's scope";
  }
}

function carriesAny(metrics: Readonly<Record<string, unknown>>, keys: readonly string[]): boolean {
  for (const k of keys) if (metrics[k] !== undefined) return true;
  return false;
}
