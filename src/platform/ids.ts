/**
 * Identifier formats shared by the database (the `t_*` domains in sql/0001_foundation.sql),
 * MQTT topics and NATS subjects. None may contain `/`, `+`, `#` (MQTT) or `.`, `*`, `>`
 * (NATS), so an id is always exactly one topic level and one subject token.
 */
import { z } from "zod";

export const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_:-]{0,127}$/;
export const SITE_ID = /^[A-Za-z0-9][A-Za-z0-9_:-]{0,63}$/;

/** The same formats as zod schemas, for request bodies and messages. */
export const TenantId = z.string().regex(TENANT_ID, { error: "expected a tenant id: lowercase letters, digits, '_' or '-', up to 63" });
export const DeviceId = z.string().regex(DEVICE_ID, { error: "expected a device id: letters, digits, '_', ':' or '-', up to 128" });
export const SiteId = z.string().regex(SITE_ID, { error: "expected a site id: letters, digits, '_', ':' or '-', up to 64" });
export const Uuid = z.uuid({ error: "expected a UUID" });
/** A timestamp: Date objects from the database, ISO 8601 strings on the wire. */
export const Timestamp = z.date();
