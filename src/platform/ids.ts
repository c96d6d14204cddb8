/**
 * Identifier formats shared by the database (the `t_*` domains in sql/0001_foundation.sql),
 * MQTT topics and NATS subjects. None may contain `/`, `+`, `#` (MQTT) or `.`, `*`, `>`
 * (NATS), so an id is always exactly one topic level and one subject token.
 */
export const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_:-]{0,127}$/;
export const SITE_ID = /^[A-Za-z0-9][A-Za-z0-9_:-]{0,63}$/;
