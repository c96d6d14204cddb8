/**
 * What the fleet pages read from the API: the response shapes they use (a subset of the route
 * schemas), the shared lookups (sites, templates, static groups) and a clock for "ago" columns.
 */
import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { CONNECTIVITY, DEVICE_STATUSES } from "../../../http/api/bodies/devices";
import { api, type Page } from "../../lib/api";
import { ago } from "../../lib/format";
import { useLive, type LiveDevice } from "../../lib/live";

export { CONNECTIVITY, DEVICE_STATUSES };

export const API = "/api/v1/customer";

export type Connectivity = (typeof CONNECTIVITY)[number];

export interface Device {
  deviceId: string;
  displayName: string | null;
  siteId: string | null;
  status: (typeof DEVICE_STATUSES)[number];
  templateId: string | null;
  serialNumber: string | null;
  model: string | null;
  lat: number | null;
  lng: number | null;
  tags: string[];
  state: { connectivity: Connectivity; lastSeenAt: string | null; lastTelemetryAt: string | null };
}

export interface Site {
  siteId: string;
  name: string;
  address: string | null;
  lat: number | null;
  lng: number | null;
  timezone: string;
  deviceCount: number;
  updatedAt: string;
}

export interface Template {
  templateId: string;
  name: string;
  category: string;
  source: "system" | "tenant";
}

export interface Group {
  groupId: string;
  name: string;
  description: string | null;
  kind: "static" | "dynamic";
  filter: Record<string, unknown> | null;
  memberCount: number;
  updatedAt: string;
}

export interface FleetSummary {
  devices: { total: number; byStatus: Record<string, number>; byConnectivity: Record<Connectivity, number> };
  sites: number;
  lastTelemetryAt: string | null;
}

export interface AlertSummary {
  total: number;
  silenced: number;
  byStatus: { OPEN: number; ACKNOWLEDGED: number };
  bySeverity: Record<string, number>;
}

export interface Alert {
  alertId: number;
  deviceId: string | null;
  status: string;
  severity: number;
  summary: string;
  openedAt: string;
}

/** Lookups change rarely; one fetch serves every select and name column on the page. */
const LOOKUP = { staleTime: 60_000 } as const;

export function useSites() {
  return useQuery({ queryKey: ["sites", "all"], queryFn: () => api.get<Page<Site>>(`${API}/sites`, { limit: 1000 }), ...LOOKUP });
}

export function useTemplates() {
  return useQuery({ queryKey: ["templates", "all"], queryFn: () => api.get<Page<Template>>(`${API}/templates`, { limit: 1000 }), ...LOOKUP });
}

export function useTags() {
  return useQuery({ queryKey: ["tags", "all"], queryFn: () => api.get<Page<{ tag: string; deviceCount: number }>>(`${API}/tags`, { limit: 1000 }), ...LOOKUP });
}

export function useStaticGroups(enabled = true) {
  return useQuery({ queryKey: ["groups", "static"], queryFn: () => api.get<Page<Group>>(`${API}/device-groups`, { kind: "static", limit: 1000 }), enabled, ...LOOKUP });
}

/** id → name, for columns that show a name where the API gives an id. */
export const byId = <T, K extends keyof T>(items: T[] | undefined, key: K, name: (t: T) => string): Map<string, string> =>
  new Map((items ?? []).map((t) => [String(t[key]), name(t)]));

/** Re-renders every `ms`, so relative times ("2 minutes ago") stay true. */
export function useNow(ms = 15_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** "2 minutes ago"; a time slightly ahead of this browser's clock reads "now", not "in 1 second". */
export const seen = (iso: string | null | undefined, now = Date.now()) => (iso ? ago(iso, Math.max(now, Date.parse(iso))) : ago(iso, now));

/** Device events of the whole fleet. */
export function useFleetDevices(device: (d: LiveDevice) => void, resync: () => void): void {
  useLive({ fleet: true, device, resync });
}
