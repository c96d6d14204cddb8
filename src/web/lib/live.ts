/**
 * Live updates: one Server-Sent Events stream per tab (GET /api/v1/customer/live), read with
 * fetch so the bearer token goes in a header. Components subscribe to devices or the fleet;
 * the stream reconnects (with backoff) when the subscription set changes, when the server
 * ends it at token expiry, or when the network drops. Alert events refresh alert queries.
 */
import { useEffect, useRef, useSyncExternalStore } from "react";
import type { QueryClient } from "@tanstack/react-query";
import { session } from "./session";

export interface LiveDevice {
  deviceId: string;
  connectivity: "ONLINE" | "STALE" | "OFFLINE";
  lastSeenAt: string | null;
  lastTelemetryAt: string | null;
  latestMetrics: Record<string, { value: number | boolean | string; time: string | null }>;
}
export interface LiveFleet {
  devices: { total: number; byConnectivity: Record<"ONLINE" | "STALE" | "OFFLINE", number> };
  openAlerts: { total: number; bySeverity: Record<string, number> };
}
export interface LiveAlert {
  alertId: number;
  deviceId: string | null;
  status: "OPEN" | "ACKNOWLEDGED" | "CLOSED";
  severity: number;
  alertType: string;
  summary: string;
  event: string;
  at: string;
}
export type LiveStatus = "connecting" | "live" | "offline";

type Handlers = { device?: (d: LiveDevice) => void; alert?: (a: LiveAlert) => void; onFleet?: (f: LiveFleet) => void; resync?: () => void };
interface Sub {
  devices: string[];
  fleet: boolean;
  handlers: Handlers;
}

const subs = new Set<Sub>();
let status: LiveStatus = "offline";
let lastFleet: LiveFleet | null = null;
const statusListeners = new Set<() => void>();
let queryClient: QueryClient | null = null;
let abort: AbortController | null = null;
let key = "";
let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
let failures = 0;

function setStatus(s: LiveStatus) {
  if (s === status) return;
  status = s;
  for (const fn of statusListeners) fn();
}

function wanted(): { devices: string[]; fleet: boolean } {
  const devices = new Set<string>();
  let fleet = false;
  for (const s of subs) {
    s.devices.forEach((d) => devices.add(d));
    fleet ||= s.fleet;
  }
  return { devices: [...devices].sort().slice(0, 50), fleet };
}

/** Reconnects only when the union of subscriptions changed (debounced a tick). */
function reconcile(): void {
  clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(() => {
    const w = wanted();
    const next = subs.size && session.get() ? JSON.stringify(w) : "";
    if (next === key && abort) return;
    key = next;
    abort?.abort();
    abort = null;
    if (next) void connect(w);
    else {
      // Signed out or nothing watched: counts from this stream must not outlive it.
      lastFleet = null;
      setStatus("offline");
      for (const fn of statusListeners) fn();
    }
  }, 30);
}

async function connect(w: { devices: string[]; fleet: boolean }): Promise<void> {
  const ctrl = new AbortController();
  abort = ctrl;
  setStatus("connecting");
  const q = new URLSearchParams();
  if (w.devices.length) q.set("devices", w.devices.join(","));
  if (w.fleet) q.set("fleet", "true");
  try {
    const token = await session.token();
    if (!token) throw new Error("signed out");
    const res = await fetch(`/api/v1/customer/live?${q}`, { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" }, signal: ctrl.signal });
    if (!res.ok || !res.body) throw new Error(`live stream refused: ${res.status}`);
    failures = 0;
    setStatus("live");
    await read(res.body, ctrl.signal);
  } catch {
    if (ctrl.signal.aborted) return;
    failures++;
  }
  if (ctrl.signal.aborted || abort !== ctrl) return;
  // Ended by the server (token expiry) or dropped: come back, sooner the first time.
  abort = null;
  setStatus("connecting");
  const delay = failures === 0 ? 200 : Math.min(30_000, 1000 * 2 ** Math.min(failures, 5)) * (0.5 + Math.random() / 2);
  setTimeout(() => {
    if (!abort && key) void connect(wanted());
  }, delay);
}

async function read(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  while (!signal.aborted) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) dispatch(event, JSON.parse(data.join("\n")));
    }
  }
}

/**
 * Query families to refetch, gathered for a second: a burst of alert events (or one resync a
 * second from a busy fleet) refreshes each family once, and a fetch in flight is not restarted.
 */
const stale = new Set<string>();
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
function refreshSoon(keys: string[]): void {
  keys.forEach((k) => stale.add(k));
  refreshTimer ??= setTimeout(() => {
    refreshTimer = undefined;
    for (const k of stale) void queryClient?.invalidateQueries({ queryKey: [k] }, { cancelRefetch: false });
    stale.clear();
  }, 1000);
}

function dispatch(event: string, data: unknown): void {
  if (event === "fleet") lastFleet = data as LiveFleet;
  if (event === "alert") refreshSoon(["alerts", "fleet"]);
  if (event === "resync") refreshSoon(["devices", "alerts", "fleet"]);
  for (const s of subs) {
    if (event === "device") {
      const d = data as LiveDevice;
      if (s.fleet || s.devices.includes(d.deviceId)) s.handlers.device?.(d);
    } else if (event === "alert") s.handlers.alert?.(data as LiveAlert);
    else if (event === "fleet") s.handlers.onFleet?.(data as LiveFleet);
    else if (event === "resync") s.handlers.resync?.();
  }
  if (event === "fleet") for (const fn of statusListeners) fn();
}

export function initLive(qc: QueryClient): void {
  queryClient = qc;
  session.subscribe(() => reconcile());
}

/** Subscribes while mounted; handlers may change every render without reconnecting. */
export function useLive(o: { devices?: string[]; fleet?: boolean } & Handlers): void {
  const devicesKey = (o.devices ?? []).join(",");
  const sub = useRef<Sub | null>(null);
  useEffect(() => {
    const s: Sub = { devices: devicesKey ? devicesKey.split(",") : [], fleet: !!o.fleet, handlers: {} };
    sub.current = s;
    subs.add(s);
    reconcile();
    return () => {
      subs.delete(s);
      reconcile();
    };
  }, [devicesKey, o.fleet]);
  if (sub.current) sub.current.handlers = o;
  useEffect(() => {
    if (sub.current) sub.current.handlers = o;
  });
}

export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore((fn) => (statusListeners.add(fn), () => statusListeners.delete(fn)), () => status);
}

/** The latest fleet counts pushed by the server (null until the first). */
export function useLiveFleet(): LiveFleet | null {
  return useSyncExternalStore((fn) => (statusListeners.add(fn), () => statusListeners.delete(fn)), () => lastFleet);
}
