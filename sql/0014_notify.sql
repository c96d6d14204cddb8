-- Where alerts and device messages go: channels, routing rules, on-call schedules, message
-- routes, and the record of every delivery and every delivery given up on.

-- config holds the channel's settings including secrets (webhook URLs, keys, SMTP passwords);
-- the API never returns them, only a masked copy.
create table notification_channels (
  channel_id   uuid primary key default gen_random_uuid(),
  tenant_id    t_tenant_id not null references tenants on delete cascade,
  name         text not null check (length(name) between 1 and 200),
  channel_type text not null check (channel_type in ('webhook', 'slack', 'teams', 'pagerduty', 'email')),
  config       jsonb not null check (jsonb_typeof(config) = 'object'),
  enabled      boolean not null default true,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  unique (tenant_id, name)
);
create trigger notification_channels_touch before update on notification_channels
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('notification_channels');

-- Which alert transitions reach which channel. Every enabled rule that matches sends (each
-- channel once per transition), in priority order (lowest first).
create table notification_routes (
  route_id         uuid primary key default gen_random_uuid(),
  tenant_id        t_tenant_id not null references tenants on delete cascade,
  name             text not null check (length(name) between 1 and 200),
  channel_id       uuid not null references notification_channels on delete cascade,
  enabled          boolean not null default true,
  priority         integer not null default 100,
  min_severity     smallint not null default 1 check (min_severity between 1 and 5),
  alert_types      text[] not null default '{}',
  site_ids         text[] not null default '{}',
  tags             text[] not null default '{}',
  device_prefixes  text[] not null default '{}',
  transitions      text[] not null default '{OPEN,CLOSED}'
                     check (transitions <@ array['OPEN', 'ACKNOWLEDGED', 'CLOSED']::text[] and cardinality(transitions) > 0),
  throttle_minutes integer not null default 0 check (throttle_minutes between 0 and 1440),
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  unique (tenant_id, name)
);
create index notification_routes_tenant_idx on notification_routes (tenant_id, priority);
create trigger notification_routes_touch before update on notification_routes
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('notification_routes');

-- On-call: a schedule (in its own time zone) has layers, each rotating through responders;
-- a higher layer_order wins where layers overlap; overrides beat every layer.
create table oncall_schedules (
  schedule_id uuid primary key default gen_random_uuid(),
  tenant_id   t_tenant_id not null references tenants on delete cascade,
  name        text not null check (length(name) between 1 and 200),
  description text,
  timezone    text not null default 'UTC',
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  unique (tenant_id, name)
);
create trigger oncall_schedules_touch before update on oncall_schedules
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('oncall_schedules');

create table oncall_layers (
  layer_id       uuid primary key default gen_random_uuid(),
  tenant_id      t_tenant_id not null,
  schedule_id    uuid not null references oncall_schedules on delete cascade,
  name           text not null check (length(name) between 1 and 200),
  layer_order    integer not null default 0,
  rotation       text not null check (rotation in ('daily', 'weekly', 'custom')),
  -- custom rotations: the shift length; daily = 24, weekly = 168.
  shift_hours    integer not null check (shift_hours between 1 and 8760),
  -- The first shift starts here (wall-clock time in the schedule's time zone).
  starts_at      timestamptz not null,
  -- [{"name": "Ann", "email": "ann@example.com"}, …] in rotation order.
  responders     jsonb not null check (jsonb_typeof(responders) = 'array' and jsonb_array_length(responders) > 0),
  created_at     timestamptz not null default now()
);
create index oncall_layers_schedule_idx on oncall_layers (schedule_id);
select pulse_tenant_table('oncall_layers');

create table oncall_overrides (
  override_id uuid primary key default gen_random_uuid(),
  tenant_id   t_tenant_id not null,
  schedule_id uuid not null references oncall_schedules on delete cascade,
  responder   jsonb not null check (jsonb_typeof(responder) = 'object'),
  starts_at   timestamptz not null,
  ends_at     timestamptz not null,
  reason      text,
  created_at  timestamptz not null default now(),
  check (ends_at > starts_at)
);
create index oncall_overrides_schedule_idx on oncall_overrides (schedule_id, starts_at);
select pulse_tenant_table('oncall_overrides');

-- One row per (alert transition, channel): its key makes a redelivered job send once.
create table notification_deliveries (
  delivery_id     bigint generated always as identity primary key,
  tenant_id       t_tenant_id not null,
  idempotency_key text not null,
  alert_id        bigint references alerts on delete cascade,
  event_id        bigint,
  channel_id      uuid references notification_channels on delete set null,
  channel_type    text not null,
  transition      text not null,
  level           smallint not null default 0,
  recipients      text[] not null default '{}',
  status          text not null default 'PENDING' check (status in ('PENDING', 'SENT', 'FAILED', 'DEAD')),
  attempts        integer not null default 0,
  last_error      text,
  response_status integer,
  created_at      timestamptz not null default now(),
  sent_at         timestamptz,
  updated_at      timestamptz not null default now(),
  unique (tenant_id, idempotency_key)
);
create index notification_deliveries_tenant_idx on notification_deliveries (tenant_id, created_at desc);
create index notification_deliveries_alert_idx on notification_deliveries (alert_id);
create index notification_deliveries_throttle_idx on notification_deliveries (tenant_id, channel_id, sent_at) where status = 'SENT';
select pulse_tenant_table('notification_deliveries');

-- Device messages forwarded as they arrive: an MQTT-style topic filter and a payload filter
-- pick them, a webhook or an MQTT republish receives them.
create table message_routes (
  route_id           uuid primary key default gen_random_uuid(),
  tenant_id          t_tenant_id not null references tenants on delete cascade,
  name               text not null check (length(name) between 1 and 200),
  topic_filter       text not null check (topic_filter ~ '^[A-Za-z0-9_:/+#-]+$' and length(topic_filter) <= 256),
  payload_filter     jsonb not null default '{}' check (jsonb_typeof(payload_filter) = 'object'),
  destination_type   text not null check (destination_type in ('webhook', 'mqtt_republish')),
  destination_config jsonb not null check (jsonb_typeof(destination_config) = 'object'),
  enabled            boolean not null default true,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  unique (tenant_id, name)
);
create index message_routes_changed_idx on message_routes (tenant_id, updated_at);
create trigger message_routes_touch before update on message_routes
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('message_routes');

-- A notification given up on points at its delivery row, so a replay sends exactly that one.
-- (Route dead letters carry the ROUTES message itself in payload.)
alter table dead_letter_messages
  add column delivery_id bigint references notification_deliveries on delete cascade;
create index dead_letter_messages_tenant_idx on dead_letter_messages (tenant_id, status, last_failed_at desc);
