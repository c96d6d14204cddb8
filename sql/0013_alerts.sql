-- Rules, alerts and what the evaluator keeps between runs.
-- Severity is one scale everywhere (rules, alerts, routing, senders, the console):
-- 1 info, 2 low, 3 medium, 4 high, 5 critical.

-- When a silent device turns STALE, then OFFLINE: the tenant default (template_id NULL) or a
-- template's own thresholds. Without a row the evaluator uses 90 s and 600 s.
create table device_status_policies (
  policy_id             uuid primary key default gen_random_uuid(),
  tenant_id             t_tenant_id not null references tenants on delete cascade,
  template_id           uuid references device_templates on delete cascade,
  stale_after_seconds   integer not null check (stale_after_seconds between 10 and 604800),
  offline_after_seconds integer not null check (offline_after_seconds between 20 and 2592000),
  no_heartbeat_alert    boolean not null default true,
  no_heartbeat_severity smallint not null default 4 check (no_heartbeat_severity between 1 and 5),
  updated_at            timestamptz not null default now(),
  check (offline_after_seconds > stale_after_seconds)
);
create unique index device_status_policies_key on device_status_policies (tenant_id, coalesce(template_id, '00000000-0000-0000-0000-000000000000'));
create trigger device_status_policies_touch before update on device_status_policies
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('device_status_policies');

-- CONNECTED when a device turns ONLINE, DISCONNECTED when it turns STALE, OFFLINE after that.
create table device_connection_events (
  event_id    bigint generated always as identity primary key,
  tenant_id   t_tenant_id not null,
  device_id   t_device_id not null,
  event       text not null check (event in ('CONNECTED', 'DISCONNECTED', 'OFFLINE')),
  reason      text not null,
  status_from text check (status_from in ('ONLINE', 'STALE', 'OFFLINE')),
  status_to   text not null check (status_to in ('ONLINE', 'STALE', 'OFFLINE')),
  at          timestamptz not null,
  foreign key (tenant_id, device_id) references device_registry on delete cascade
);
create index device_connection_events_device_idx on device_connection_events (tenant_id, device_id, at desc);
select pulse_tenant_table('device_connection_events', app_privileges => 'select');

create table escalation_policies (
  policy_id   uuid primary key default gen_random_uuid(),
  tenant_id   t_tenant_id not null references tenants on delete cascade,
  name        text not null check (length(name) between 1 and 200),
  description text,
  -- Applied to alerts whose rule names no policy (and to NO_HEARTBEAT alerts).
  is_default  boolean not null default false,
  -- [{"delayMinutes": 15, "channelIds": [...], "scheduleId": "…"}], 1 to 5 levels: level n fires
  -- delayMinutes after level n-1 (level 1: after the alert opened) while it stays unacknowledged.
  levels      jsonb not null check (jsonb_typeof(levels) = 'array' and jsonb_array_length(levels) between 1 and 5),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  unique (tenant_id, name)
);
create unique index escalation_policies_default_key on escalation_policies (tenant_id) where is_default;
create trigger escalation_policies_touch before update on escalation_policies
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('escalation_policies');

create table alert_rules (
  rule_id              uuid primary key default gen_random_uuid(),
  tenant_id            t_tenant_id not null references tenants on delete cascade,
  name                 text not null check (length(name) between 1 and 200),
  description          text,
  enabled              boolean not null default true,
  rule_type            text not null check (rule_type in ('threshold', 'window', 'telemetry_gap', 'anomaly')),
  severity             smallint not null check (severity between 1 and 5),
  -- The type's parameters (src/alerts/rules.ts validates them).
  definition           jsonb not null check (jsonb_typeof(definition) = 'object'),
  -- Which devices: {"siteIds": [], "groupIds": [], "templateIds": [], "tags": [], "deviceIds": []};
  -- every list given must match, an empty scope means every device.
  scope                jsonb not null default '{}' check (jsonb_typeof(scope) = 'object'),
  escalation_policy_id uuid references escalation_policies on delete set null,
  created_by           text,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  unique (tenant_id, name)
);
create index alert_rules_changed_idx on alert_rules (tenant_id, updated_at);
create trigger alert_rules_touch before update on alert_rules
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('alert_rules');

create table alerts (
  alert_id             bigint generated always as identity primary key,
  tenant_id            t_tenant_id not null references tenants on delete cascade,
  device_id            t_device_id,
  site_id              t_site_id,
  rule_id              uuid references alert_rules on delete set null,
  alert_type           text not null check (alert_type in
                         ('NO_HEARTBEAT', 'THRESHOLD', 'WINDOW', 'ANOMALY', 'NO_TELEMETRY', 'SYSTEM_HEALTH', 'CERT_EXPIRING')),
  -- One live alert per fingerprint: RULE:{rule}:{device}, NO_HEARTBEAT:{device}.
  fingerprint          text not null,
  status               text not null default 'OPEN' check (status in ('OPEN', 'ACKNOWLEDGED', 'CLOSED')),
  severity             smallint not null check (severity between 1 and 5),
  summary              text not null,
  details              jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  trigger_count        integer not null default 1,
  opened_at            timestamptz not null default now(),
  last_triggered_at    timestamptz not null default now(),
  acknowledged_at      timestamptz,
  acknowledged_by      text,
  closed_at            timestamptz,
  closed_by            text,
  close_reason         text,
  silenced_until       timestamptz,
  escalation_policy_id uuid references escalation_policies on delete set null,
  escalation_level     smallint not null default 0,
  next_escalation_at   timestamptz,
  check ((status = 'CLOSED') = (closed_at is not null)),
  check (status = 'OPEN' or next_escalation_at is null)
);
create unique index alerts_live_key on alerts (tenant_id, fingerprint) where status in ('OPEN', 'ACKNOWLEDGED');
create index alerts_tenant_idx on alerts (tenant_id, opened_at desc);
create index alerts_tenant_status_idx on alerts (tenant_id, status, severity);
create index alerts_device_idx on alerts (tenant_id, device_id, opened_at desc);
create index alerts_escalation_idx on alerts (next_escalation_at) where next_escalation_at is not null;
select pulse_tenant_table('alerts');

-- Every transition of an alert, in order: the alert's history, and the source of its
-- notifications (published to NOTIFY through bus_outbox in the same transaction).
create table alert_events (
  event_id   bigint generated always as identity primary key,
  tenant_id  t_tenant_id not null,
  alert_id   bigint not null references alerts on delete cascade,
  transition text not null check (transition in ('OPEN', 'ACKNOWLEDGED', 'CLOSED', 'ESCALATED', 'SILENCED', 'UNSILENCED')),
  level      smallint not null default 0,
  actor      text not null,
  details    jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  at         timestamptz not null default now()
);
create index alert_events_alert_idx on alert_events (alert_id, event_id);
select pulse_tenant_table('alert_events', app_privileges => 'select, insert');

-- Suppress opening alerts (never closing them) while a window is on: one-off between starts_at
-- and ends_at (NULL: open-ended), or recurring {"days": [0-6, Sunday 0], "start": "HH:MM",
-- "end": "HH:MM", "timezone": "Europe/Amsterdam"} inside that span.
create table maintenance_windows (
  window_id  uuid primary key default gen_random_uuid(),
  tenant_id  t_tenant_id not null references tenants on delete cascade,
  name       text not null check (length(name) between 1 and 200),
  enabled    boolean not null default true,
  starts_at  timestamptz not null,
  ends_at    timestamptz,
  recurrence jsonb check (recurrence is null or jsonb_typeof(recurrence) = 'object'),
  scope      jsonb not null default '{}' check (jsonb_typeof(scope) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_at is null or ends_at > starts_at)
);
create trigger maintenance_windows_touch before update on maintenance_windows
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('maintenance_windows');

-- The evaluator's memory per (rule, device): held-since times, window samples, anomaly
-- buckets, last-seen times. Written in the background so it survives restarts of the
-- evaluator. Unlogged: rewritten constantly, it would otherwise be a large share of the WAL
-- (and of checkpoint I/O that slows ingest); a PostgreSQL crash empties it, and the evaluator
-- then starts those states afresh from the next samples.
create unlogged table rule_state (
  tenant_id  t_tenant_id not null,
  rule_id    uuid not null references alert_rules on delete cascade,
  device_id  t_device_id not null,
  state      jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, rule_id, device_id)
);
select pulse_tenant_table('rule_state');

-- Messages to publish once their transaction commits (the transactional outbox): a relay in
-- `pulse evaluate` publishes and deletes them, so no commit is ever left unannounced.
create table bus_outbox (
  outbox_id  bigint generated always as identity primary key,
  tenant_id  t_tenant_id not null,
  stream     text not null check (stream in ('NOTIFY', 'ROUTES')),
  msg_id     text not null,
  payload    jsonb not null,
  created_at timestamptz not null default now()
);
select pulse_tenant_table('bus_outbox', app_privileges => 'select, insert');
