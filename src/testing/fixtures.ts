/**
 * Test data: `seedTenant` puts at least one row for a tenant into every tenant-owned table,
 * so isolation tests can prove that another tenant sees none of them. When a migration adds
 * a tenant table, the schema test fails until this seed covers it.
 */
import { createHash, randomUUID } from "node:crypto";
import { asWorker, type Sql, type Tx } from "../platform/db";

export const LIFELINE_GATEWAY = "00000000-0000-4000-8000-000000000101";
export const TEMP_PROBE = "00000000-0000-4000-8000-000000000102";

export const tokenHash = (token: string) => createHash("sha256").update(token).digest();

export async function seedTenant(sql: Sql, tenantId: string): Promise<void> {
  await asWorker(sql, async (tx) => {
    await tx`insert into tenants (tenant_id, name) values (${tenantId}, ${`Tenant ${tenantId}`})`;
    await tx`insert into sites (tenant_id, site_id, name, lat, lng) values (${tenantId}, 'site-1', 'Plant 1', 52.1, 4.3)`;
    await tx`insert into users (tenant_id, email, roles) values (${tenantId}, ${`admin@${tenantId}.test`}, '{tenant-admin}')`;

    const [tpl] = await tx<{ templateId: string }[]>`
      insert into device_templates (tenant_id, slug, name, category)
      values (${tenantId}, 'probe-x', 'Probe X', 'expansion_module') returning template_id`;
    const [gw] = await tx<{ templateId: string }[]>`
      insert into device_templates (tenant_id, slug, name, category)
      values (${tenantId}, 'gateway-x', 'Gateway X', 'gateway') returning template_id`;
    await tx`insert into template_metrics (template_id, metric_key, display_name, data_type)
             values (${tpl!.templateId}, 'temp_c', 'Temperature', 'float')`;
    await tx`insert into template_commands (template_id, command_key, display_name)
             values (${gw!.templateId}, 'reboot', 'Reboot')`;
    const [slot] = await tx<{ slotId: string }[]>`
      insert into template_slots (template_id, slot_key, display_name, slot_type, interface_type)
      values (${gw!.templateId}, 'port_a', 'Port A', 'expansion', 'analog') returning slot_id`;
    await tx`insert into template_slot_modules (slot_id, module_template_id) values (${slot!.slotId}, ${tpl!.templateId})`;

    await tx`insert into device_registry (tenant_id, device_id, site_id, template_id)
             values (${tenantId}, 'gw-1', 'site-1', ${LIFELINE_GATEWAY})`;
    await tx`insert into device_registry (tenant_id, device_id, site_id, template_id, parent_device_id)
             values (${tenantId}, 'probe-1', 'site-1', ${tpl!.templateId}, 'gw-1')`;
    const [mod] = await tx<{ moduleId: string }[]>`
      insert into device_modules (tenant_id, device_id, slot_key, module_template_id, metric_key_map)
      values (${tenantId}, 'gw-1', 'analog_1', ${TEMP_PROBE}, ${tx.json({ t1: "temp_c" })}) returning module_id`;
    await tx`insert into device_sensors (tenant_id, device_id, metric_key, module_id, source)
             values (${tenantId}, 'gw-1', 'temp_c', ${mod!.moduleId}, 'optional')`;
    await tx`insert into device_transports (tenant_id, device_id, ingestion_protocol, is_primary)
             values (${tenantId}, 'gw-1', 'mqtt_direct', true)`;
    await tx`insert into device_state (tenant_id, device_id, status) values (${tenantId}, 'gw-1', 'ONLINE')`;
    await tx`insert into device_credentials (tenant_id, device_id, kind, token_hash, token_prefix)
             values (${tenantId}, 'gw-1', 'provision_token', ${tokenHash(`${tenantId}-${randomUUID()}`)}, 'pt_abcd')`;

    await tx`insert into telemetry (time, tenant_id, device_id, site_id, msg_type, seq, metrics, msg_id)
             values (now(), ${tenantId}, 'gw-1', 'site-1', 'telemetry', 1, ${tx.json({ temp_c: 21.5 })}, ${randomUUID()})`;
    await tx`insert into telemetry_minute (tenant_id, device_id, metric_key, minute, count, sum, min, max)
             values (${tenantId}, 'gw-1', 'temp_c', date_trunc('minute', now()), 1, 21.5, 21.5, 21.5)`;
    await tx`insert into quarantine_events (tenant_id, device_id, source, topic, reason, payload, payload_size)
             values (${tenantId}, 'gw-1', 'mqtt', ${`tenant/${tenantId}/device/gw-1/telemetry`}, 'MISSING_SITE_ID',
                     ${Buffer.from("{}")}, 2)`;
    await tx`insert into quarantine_counters_minute (minute, tenant_id, reason, count)
             values (date_trunc('minute', now()), ${tenantId}, 'MISSING_SITE_ID', 1)`;
    await tx`insert into dead_letter_messages (tenant_id, source, payload, destination_type, destination, error_message, attempts)
             values (${tenantId}, 'route', ${Buffer.from("{}")}, 'webhook', 'https://example.test/hook', 'HTTP 500', 3)`;
    await tx`insert into device_tags (tenant_id, device_id, tag) values (${tenantId}, 'gw-1', 'north')`;
    const [group] = await tx<{ groupId: string }[]>`
      insert into device_groups (tenant_id, name, kind) values (${tenantId}, 'Gateways', 'static') returning group_id`;
    await tx`insert into device_group_members (tenant_id, group_id, device_id) values (${tenantId}, ${group!.groupId}, 'gw-1')`;
    await tx`insert into audit_log (tenant_id, category, action, actor_type, actor_id)
             values (${tenantId}, 'devices', 'device.created', 'user', 'u-1')`;
    await seedAlerting(tx, tenantId);
  });
}

/** One row in every alerting and notification table (rules, alerts, channels, on-call, routes). */
async function seedAlerting(tx: Tx, tenantId: string): Promise<void> {
  await tx`insert into device_status_policies (tenant_id, stale_after_seconds, offline_after_seconds) values (${tenantId}, 60, 300)`;
  await tx`insert into device_connection_events (tenant_id, device_id, event, reason, status_to, at)
           values (${tenantId}, 'gw-1', 'CONNECTED', 'first_seen', 'ONLINE', now())`;
  const [policy] = await tx<{ policyId: string }[]>`
    insert into escalation_policies (tenant_id, name, levels) values (${tenantId}, 'Default', ${tx.json([{ delayMinutes: 15, channelIds: [] }])})
    returning policy_id`;
  const [rule] = await tx<{ ruleId: string }[]>`
    insert into alert_rules (tenant_id, name, rule_type, severity, definition, escalation_policy_id)
    values (${tenantId}, 'Hot', 'threshold', 4, ${tx.json({ conditions: [{ metric: "temp_c", op: "GT", value: 80 }] })}, ${policy!.policyId})
    returning rule_id`;
  const [alert] = await tx<{ alertId: string }[]>`
    insert into alerts (tenant_id, device_id, site_id, rule_id, alert_type, fingerprint, severity, summary)
    values (${tenantId}, 'gw-1', 'site-1', ${rule!.ruleId}, 'THRESHOLD', ${`RULE:${rule!.ruleId}:gw-1`}, 4, 'gw-1: temp_c above 80')
    returning alert_id`;
  const [event] = await tx<{ eventId: string }[]>`
    insert into alert_events (tenant_id, alert_id, transition, actor) values (${tenantId}, ${alert!.alertId}, 'OPEN', 'evaluator') returning event_id`;
  await tx`insert into maintenance_windows (tenant_id, name, starts_at) values (${tenantId}, 'Overhaul', now())`;
  await tx`insert into rule_state (tenant_id, rule_id, device_id, state) values (${tenantId}, ${rule!.ruleId}, 'gw-1', ${tx.json({ v: 1 })})`;
  await tx`insert into bus_outbox (tenant_id, stream, msg_id, payload) values (${tenantId}, 'NOTIFY', ${`event-${event!.eventId}`}, ${tx.json({ v: 1 })})`;
  const [channel] = await tx<{ channelId: string }[]>`
    insert into notification_channels (tenant_id, name, channel_type, config)
    values (${tenantId}, 'Ops hook', 'webhook', ${tx.json({ url: "https://example.test/hook" })}) returning channel_id`;
  await tx`insert into notification_routes (tenant_id, name, channel_id) values (${tenantId}, 'All', ${channel!.channelId})`;
  const [schedule] = await tx<{ scheduleId: string }[]>`
    insert into oncall_schedules (tenant_id, name) values (${tenantId}, 'Primary') returning schedule_id`;
  await tx`insert into oncall_layers (tenant_id, schedule_id, name, rotation, shift_hours, starts_at, responders)
           values (${tenantId}, ${schedule!.scheduleId}, 'Week', 'weekly', 168, now(), ${tx.json([{ name: "Ann", email: "ann@example.test" }])})`;
  await tx`insert into oncall_overrides (tenant_id, schedule_id, responder, starts_at, ends_at)
           values (${tenantId}, ${schedule!.scheduleId}, ${tx.json({ name: "Bob", email: "bob@example.test" })}, now(), now() + interval '1 hour')`;
  await tx`insert into notification_deliveries (tenant_id, idempotency_key, alert_id, event_id, channel_id, channel_type, transition)
           values (${tenantId}, ${`${event!.eventId}:${channel!.channelId}`}, ${alert!.alertId}, ${event!.eventId}, ${channel!.channelId}, 'webhook', 'OPEN')`;
  await tx`insert into message_routes (tenant_id, name, topic_filter, destination_type, destination_config)
           values (${tenantId}, 'Everything', ${`tenant/${tenantId}/device/+/telemetry`}, 'webhook', ${tx.json({ url: "https://example.test/in" })})`;
}

/** A registered, active device with a provision token; returns the token. */
export async function addDevice(
  sql: Sql,
  o: { tenant: string; device: string; siteId?: string | null; token?: string; status?: string },
): Promise<string> {
  const token = o.token ?? `pt_${randomUUID().replaceAll("-", "")}`;
  await asWorker(sql, async (tx) => {
    await tx`insert into tenants (tenant_id, name) values (${o.tenant}, ${o.tenant}) on conflict do nothing`;
    if (o.siteId) await tx`insert into sites (tenant_id, site_id, name) values (${o.tenant}, ${o.siteId}, ${o.siteId}) on conflict do nothing`;
    await tx`insert into device_registry (tenant_id, device_id, site_id, status, decommissioned_at)
             values (${o.tenant}, ${o.device}, ${o.siteId ?? null}, ${o.status ?? "ACTIVE"}, ${o.status === "DECOMMISSIONED" ? new Date() : null})`;
    await tx`insert into device_credentials (tenant_id, device_id, kind, token_hash, token_prefix)
             values (${o.tenant}, ${o.device}, 'provision_token', ${tokenHash(token)}, ${token.slice(0, 8)})`;
  });
  return token;
}
