/** Every API route group, in one visible list: the server, the OpenAPI document and the security tests read it. */
import type { RouteDef } from "./route";
import { authRoutes } from "../routes/auth";
import { mqttHookRoutes } from "../routes/internal/mqtt-hooks";
import { siteRoutes } from "../routes/customer/sites";
import { provisionRoutes } from "../routes/provision";
import { deviceGroupRoutes } from "../routes/customer/device-groups";

export const API_ROUTES: readonly RouteDef[] = [
  ...authRoutes,
  ...provisionRoutes,
  ...mqttHookRoutes,
  ...siteRoutes,
  ...deviceGroupRoutes,
];
