/** What a device carries: modules, sensors and transports. */
import { deviceModuleRoutes } from "./device-modules";
import { deviceSensorRoutes } from "./device-sensors";
import { deviceTransportRoutes } from "./device-transports";

export const devicePartRoutes = [...deviceModuleRoutes, ...deviceSensorRoutes, ...deviceTransportRoutes];
