-- The running processes of every role (serve, ingest, evaluate, deliver, up …), for the
-- operator's system health page. Each process upserts its own row every heartbeat and deletes
-- it when it stops in order, so a row whose last_seen_at stops moving is a process that died.
-- Heartbeats also delete rows not seen for a day: crashed processes do not pile up.
-- info holds what the process says about itself (its heartbeat interval, the parts of `up`).

create table role_instances (
  instance_id  uuid primary key,
  role         text not null check (role ~ '^[a-z][a-z0-9_-]{0,31}$'),
  host         text not null,
  pid          integer not null,
  version      text not null,
  started_at   timestamptz not null,
  last_seen_at timestamptz not null,
  info         jsonb not null default '{}' check (jsonb_typeof(info) = 'object')
);
select pulse_platform_table('role_instances');

-- The ingest rate on that page sums the last 15 minutes of telemetry_minute across every
-- tenant; its key starts with the tenant, so without this it would read the whole table (400
-- days). Retention's delete by minute uses it too. Updates stay HOT: minute never changes.
create index telemetry_minute_minute_idx on telemetry_minute (minute);

-- Live updates read a tenant's new alert events by id every second; event ids are one global
-- sequence, so without the tenant first that read would cover every tenant's events.
create index alert_events_tenant_idx on alert_events (tenant_id, event_id);
