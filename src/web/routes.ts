/**
 * Every page of the console: its path under /app, who sees it, where it sits in the navigation
 * and the module that renders it (loaded on first visit, so the first paint carries no page
 * code it does not show).
 */
import { createElement, lazy, type ComponentType } from "react";

export type Area = "customer" | "operator";
export interface PageRoute {
  path: string;
  area: Area;
  /** Shown in the navigation under this group, when set. */
  nav?: { group: string; label: string };
  page: ComponentType;
  /** Loads the page's code (once); resolves when it can render without suspending. */
  preload: () => Promise<void>;
}

/**
 * A page loaded on first use. Once its module is in, it renders directly, never through
 * Suspense: React holds a revealed Suspense boundary back for up to 300 ms after its fallback,
 * so a page that suspended even briefly would paint that much later.
 */
function p(load: () => Promise<{ default: ComponentType }>): Pick<PageRoute, "page" | "preload"> {
  let loaded: ComponentType | null = null;
  let pending: Promise<void> | null = null;
  const preload = () => (pending ??= load().then((m) => void (loaded = m.default)));
  const Lazy = lazy(() => preload().then(() => ({ default: loaded! })));
  const page = () => createElement(loaded ?? Lazy);
  return { page, preload };
}

export const ROUTES: PageRoute[] = [
  { path: "/", area: "customer", nav: { group: "Fleet", label: "Home" }, ...p(() => import("./pages/fleet/home")) },
  { path: "/devices", area: "customer", nav: { group: "Fleet", label: "Devices" }, ...p(() => import("./pages/fleet/devices")) },
  { path: "/devices/new", area: "customer", ...p(() => import("./pages/fleet/wizard")) },
  { path: "/devices/import", area: "customer", ...p(() => import("./pages/fleet/import")) },
  { path: "/devices/:deviceId", area: "customer", ...p(() => import("./pages/device/detail")) },
  { path: "/sites", area: "customer", nav: { group: "Fleet", label: "Sites" }, ...p(() => import("./pages/fleet/sites")) },
  { path: "/groups", area: "customer", nav: { group: "Fleet", label: "Groups" }, ...p(() => import("./pages/fleet/groups")) },
  { path: "/templates", area: "customer", nav: { group: "Fleet", label: "Templates" }, ...p(() => import("./pages/device/templates")) },
  { path: "/templates/:templateId", area: "customer", ...p(() => import("./pages/device/template")) },
  { path: "/alerts", area: "customer", nav: { group: "Alerts", label: "Inbox" }, ...p(() => import("./pages/alerts/inbox")) },
  { path: "/rules", area: "customer", nav: { group: "Alerts", label: "Rules" }, ...p(() => import("./pages/alerts/rules")) },
  { path: "/rules/:ruleId", area: "customer", ...p(() => import("./pages/alerts/rule-editor")) },
  { path: "/maintenance", area: "customer", nav: { group: "Alerts", label: "Maintenance" }, ...p(() => import("./pages/alerts/maintenance")) },
  { path: "/channels", area: "customer", nav: { group: "Notify", label: "Channels & routing" }, ...p(() => import("./pages/notify/channels")) },
  { path: "/escalation", area: "customer", nav: { group: "Notify", label: "Escalation" }, ...p(() => import("./pages/notify/escalation")) },
  { path: "/oncall", area: "customer", nav: { group: "Notify", label: "On-call" }, ...p(() => import("./pages/notify/oncall")) },
  { path: "/oncall/:scheduleId", area: "customer", ...p(() => import("./pages/notify/oncall-schedule")) },
  { path: "/message-routes", area: "customer", nav: { group: "Notify", label: "Message routes" }, ...p(() => import("./pages/notify/message-routes")) },
  { path: "/deliveries", area: "customer", nav: { group: "Notify", label: "Deliveries & dead letters" }, ...p(() => import("./pages/notify/deliveries")) },
  { path: "/users", area: "customer", nav: { group: "Admin", label: "Users & roles" }, ...p(() => import("./pages/admin/users")) },
  { path: "/audit", area: "customer", nav: { group: "Admin", label: "Audit log" }, ...p(() => import("./pages/admin/audit")) },
  { path: "/operator", area: "operator", nav: { group: "Platform", label: "System health" }, ...p(() => import("./pages/operator/system")) },
  { path: "/operator/tenants", area: "operator", nav: { group: "Platform", label: "Tenants" }, ...p(() => import("./pages/operator/tenants")) },
  { path: "/operator/tenants/:tenantId", area: "operator", ...p(() => import("./pages/operator/tenant")) },
  { path: "/operator/devices", area: "operator", nav: { group: "Platform", label: "Devices" }, ...p(() => import("./pages/operator/devices")) },
  { path: "/operator/alerts", area: "operator", nav: { group: "Platform", label: "Alerts" }, ...p(() => import("./pages/operator/alerts")) },
  { path: "/operator/quarantine", area: "operator", nav: { group: "Platform", label: "Quarantine" }, ...p(() => import("./pages/operator/quarantine")) },
  { path: "/operator/templates", area: "operator", nav: { group: "Platform", label: "System templates" }, ...p(() => import("./pages/operator/templates")) },
  { path: "/operator/users", area: "operator", nav: { group: "Platform", label: "Users" }, ...p(() => import("./pages/operator/users")) },
  { path: "/operator/audit", area: "operator", nav: { group: "Platform", label: "Audit log" }, ...p(() => import("./pages/operator/audit")) },
];

const pattern = (path: string) => new RegExp(`^${path.replace(/:[^/]+/g, "[^/]+")}/?$`);
const PATTERNS = ROUTES.map((r) => [pattern(r.path), r] as const);

/** Loads the code of the page at `path` (below /app); resolves at once when none matches. */
export function preloadPage(path: string): Promise<void> {
  const hit = PATTERNS.find(([re]) => re.test(path));
  return hit ? hit[1].preload().catch(() => {}) : Promise.resolve();
}

/**
 * Every other page's code, fetched one at a time while nothing else is loading (`busy`), so
 * moving between pages never waits and the page being looked at is never slowed down.
 */
export function preloadAllPages(busy: () => boolean): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout>;
  const next = (i: number) => {
    if (stopped || i >= ROUTES.length) return;
    if (busy()) return void (timer = setTimeout(() => next(i), 1000));
    void ROUTES[i]!.preload()
      .catch(() => {})
      .then(() => (timer = setTimeout(() => next(i + 1), 50)));
  };
  timer = setTimeout(() => next(0), 2000);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
