/**
 * Every page of the console: its path under /app, who sees it, where it sits in the navigation
 * and the module that renders it (loaded on first visit, so the first paint carries no page
 * code it does not show).
 */
import { lazy, type ComponentType, type LazyExoticComponent } from "react";

export type Area = "customer" | "operator";
export interface PageRoute {
  path: string;
  area: Area;
  /** Shown in the navigation under this group, when set. */
  nav?: { group: string; label: string };
  page: LazyExoticComponent<ComponentType>;
}

const p = (load: () => Promise<{ default: ComponentType }>) => lazy(load);

export const ROUTES: PageRoute[] = [
  { path: "/", area: "customer", nav: { group: "Fleet", label: "Home" }, page: p(() => import("./pages/fleet/home")) },
  { path: "/devices", area: "customer", nav: { group: "Fleet", label: "Devices" }, page: p(() => import("./pages/fleet/devices")) },
  { path: "/devices/new", area: "customer", page: p(() => import("./pages/fleet/wizard")) },
  { path: "/devices/import", area: "customer", page: p(() => import("./pages/fleet/import")) },
  { path: "/devices/:deviceId", area: "customer", page: p(() => import("./pages/device/detail")) },
  { path: "/sites", area: "customer", nav: { group: "Fleet", label: "Sites" }, page: p(() => import("./pages/fleet/sites")) },
  { path: "/groups", area: "customer", nav: { group: "Fleet", label: "Groups" }, page: p(() => import("./pages/fleet/groups")) },
  { path: "/templates", area: "customer", nav: { group: "Fleet", label: "Templates" }, page: p(() => import("./pages/device/templates")) },
  { path: "/templates/:templateId", area: "customer", page: p(() => import("./pages/device/template")) },
  { path: "/alerts", area: "customer", nav: { group: "Alerts", label: "Inbox" }, page: p(() => import("./pages/alerts/inbox")) },
  { path: "/rules", area: "customer", nav: { group: "Alerts", label: "Rules" }, page: p(() => import("./pages/alerts/rules")) },
  { path: "/rules/:ruleId", area: "customer", page: p(() => import("./pages/alerts/rule-editor")) },
  { path: "/maintenance", area: "customer", nav: { group: "Alerts", label: "Maintenance" }, page: p(() => import("./pages/alerts/maintenance")) },
  { path: "/channels", area: "customer", nav: { group: "Notify", label: "Channels & routing" }, page: p(() => import("./pages/notify/channels")) },
  { path: "/escalation", area: "customer", nav: { group: "Notify", label: "Escalation" }, page: p(() => import("./pages/notify/escalation")) },
  { path: "/oncall", area: "customer", nav: { group: "Notify", label: "On-call" }, page: p(() => import("./pages/notify/oncall")) },
  { path: "/oncall/:scheduleId", area: "customer", page: p(() => import("./pages/notify/oncall-schedule")) },
  { path: "/message-routes", area: "customer", nav: { group: "Notify", label: "Message routes" }, page: p(() => import("./pages/notify/message-routes")) },
  { path: "/deliveries", area: "customer", nav: { group: "Notify", label: "Deliveries & dead letters" }, page: p(() => import("./pages/notify/deliveries")) },
  { path: "/users", area: "customer", nav: { group: "Admin", label: "Users & roles" }, page: p(() => import("./pages/admin/users")) },
  { path: "/audit", area: "customer", nav: { group: "Admin", label: "Audit log" }, page: p(() => import("./pages/admin/audit")) },
  { path: "/operator", area: "operator", nav: { group: "Platform", label: "System health" }, page: p(() => import("./pages/operator/system")) },
  { path: "/operator/tenants", area: "operator", nav: { group: "Platform", label: "Tenants" }, page: p(() => import("./pages/operator/tenants")) },
  { path: "/operator/tenants/:tenantId", area: "operator", page: p(() => import("./pages/operator/tenant")) },
  { path: "/operator/devices", area: "operator", nav: { group: "Platform", label: "Devices" }, page: p(() => import("./pages/operator/devices")) },
  { path: "/operator/alerts", area: "operator", nav: { group: "Platform", label: "Alerts" }, page: p(() => import("./pages/operator/alerts")) },
  { path: "/operator/quarantine", area: "operator", nav: { group: "Platform", label: "Quarantine" }, page: p(() => import("./pages/operator/quarantine")) },
  { path: "/operator/templates", area: "operator", nav: { group: "Platform", label: "System templates" }, page: p(() => import("./pages/operator/templates")) },
  { path: "/operator/users", area: "operator", nav: { group: "Platform", label: "Users" }, page: p(() => import("./pages/operator/users")) },
  { path: "/operator/audit", area: "operator", nav: { group: "Platform", label: "Audit log" }, page: p(() => import("./pages/operator/audit")) },
];
