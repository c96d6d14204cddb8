/** API paths and the queries several device tabs share (one cache entry each). */
import { useQuery } from "@tanstack/react-query";
import { api } from "../../lib/api";
import type { MetricInfo } from "./types";

export const devicePath = (deviceId: string) => `/api/v1/customer/devices/${encodeURIComponent(deviceId)}`;
export const TEMPLATES = "/api/v1/customer/templates";

/** The device's metric keys, with unit, name and last value. */
export function useMetricList(deviceId: string) {
  return useQuery({
    queryKey: ["device", deviceId, "metrics"],
    queryFn: () => api.get<{ items: MetricInfo[] }>(`${devicePath(deviceId)}/telemetry/metrics`),
  });
}

/** Units by metric key, for chart labels. */
export const unitsOf = (items: MetricInfo[] | undefined): Record<string, string | null> => Object.fromEntries((items ?? []).map((m) => [m.metricKey, m.unit]));
