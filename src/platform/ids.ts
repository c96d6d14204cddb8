/**
 * Identifier formats shared by the database (the `t_*` domains in sql/0001_foundation.sql),
 * MQTT topics and NATS subjects. None may contain `/`, `+`, `#` (MQTT) or `.`, `*`, `>`
 * (NATS), so an id is always exactly one topic level and one subject token.
 */
import { z } from "zod";

export const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_:-]{0,127}$/;
export const SITE_ID = /^[A-Za-z0-9][A-Za-z0-9_:-]{0,63}$/;

export const TenantId = z.string().regex(TENANT_ID, {
  error: "tenant id: 1-63 of a-z, 0-9, '_' or '-', starting with a letter or digit",
});
export const DeviceId = z.string().regex(DEVICE_ID, {
  error: "device id: 1-128 of A-Z, a-z, 0-9, '_', ':' or '-', starting with a letter or digit",
});
export const SiteId = z.string().regex(SITE_ID, {
  error: "site id: 1-64 of A-Z, a-z, 0-9, '_', ':' or '-', starting with a letter or digit",
});
