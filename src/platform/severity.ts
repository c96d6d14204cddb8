/** Severity: one scale everywhere (rules, alerts, routing, senders, the console); larger is worse. */
import { z } from "zod";

export const SEVERITY_NAMES = { 1: "info", 2: "low", 3: "medium", 4: "high", 5: "critical" } as const;
export type SeverityName = (typeof SEVERITY_NAMES)[keyof typeof SEVERITY_NAMES];
export const Severity = z.number().int().min(1).max(5);
export const severityName = (n: number): string => SEVERITY_NAMES[n as keyof typeof SEVERITY_NAMES] ?? `severity ${n}`;
