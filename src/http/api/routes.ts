/** Every API route group, in one visible list: the server, the OpenAPI document and the security tests read it. */
import type { RouteDef } from "./route";
import { authRoutes } from "../routes/auth";
import { mqttHookRoutes } from "../routes/internal/mqtt-hooks";
import { siteRoutes } from "../routes/customer/sites";
import { provisionRoutes } from "../routes/provision";
import { deviceGroupRoutes } from "../routes/customer/device-groups";
import { tenantRoutes } from "../routes/operator/tenants";
import { inventoryRoutes } from "../routes/operator/inventory";
import { operatorUserRoutes } from "../routes/operator/users";
import { customerUserRoutes } from "../routes/customer/users";
import { deviceRoutes } from "../routes/customer/devices";
import { deviceImportRoutes } from "../routes/customer/device-import";
import { deviceCredentialRoutes } from "../routes/customer/device-credentials";
import { deviceTagRoutes } from "../routes/customer/device-tags";
import { customerTemplateRoutes } from "../routes/customer/templates";
import { operatorTemplateRoutes } from "../routes/operator/templates";
import { devicePartRoutes } from "../routes/customer/device-parts";
import { telemetryRoutes } from "../routes/customer/telemetry";
import { fleetRoutes } from "../routes/customer/fleet";
import { auditRoutes } from "../routes/customer/audit";
import { notificationChannelRoutes } from "../routes/customer/notification-channels";
import { notificationRouteRoutes } from "../routes/customer/notification-routes";
import { escalationPolicyRoutes } from "../routes/customer/escalation-policies";
import { oncallRoutes } from "../routes/customer/oncall";
import { messageRouteRoutes } from "../routes/customer/message-routes";
import { deliveryRoutes } from "../routes/customer/deliveries";
import { deadLetterRoutes } from "../routes/customer/dead-letters";
import { alertRuleRoutes } from "../routes/customer/alert-rules";
import { alertRoutes } from "../routes/customer/alerts";
import { maintenanceWindowRoutes } from "../routes/customer/maintenance-windows";
import { deviceStatusRoutes } from "../routes/customer/device-status";
import { operatorAlertRoutes } from "../routes/operator/alerts";
import { systemRoutes } from "../routes/operator/system";
import { liveRoutes } from "../routes/customer/live";

export const API_ROUTES: readonly RouteDef[] = [
  ...authRoutes,
  ...provisionRoutes,
  ...mqttHookRoutes,
  ...siteRoutes,
  ...deviceGroupRoutes,
  ...deviceImportRoutes, ...deviceRoutes, ...deviceCredentialRoutes, ...deviceTagRoutes,
  ...tenantRoutes, ...inventoryRoutes, ...operatorUserRoutes, ...customerUserRoutes,
  ...customerTemplateRoutes, ...operatorTemplateRoutes, ...devicePartRoutes,
  ...telemetryRoutes, ...fleetRoutes, ...auditRoutes,
  ...notificationChannelRoutes, ...notificationRouteRoutes, ...escalationPolicyRoutes, ...oncallRoutes, ...messageRouteRoutes, ...deliveryRoutes, ...deadLetterRoutes,
  ...alertRuleRoutes, ...alertRoutes, ...maintenanceWindowRoutes, ...deviceStatusRoutes, ...operatorAlertRoutes, ...systemRoutes,
  ...liveRoutes,
];
