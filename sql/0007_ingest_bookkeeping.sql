-- What ingest and delivery could not accept or deliver. Nothing is dropped silently: a
-- rejected message is kept here with its reason, a delivery that ran out of retries becomes
-- a dead letter that can be replayed.

-- Rejected messages, byte for byte. tenant_id is NULL when the message named no valid tenant;
-- such rows are visible to operators only.
create table quarantine_events (
  event_id     bigint generated always as identity primary key,
  received_at  timestamptz not null default now(),
  event_ts     timestamptz,
  tenant_id    t_tenant_id,
  device_id    text,
  site_id      text,
  msg_type     text,
  source       text not null check (source in ('mqtt', 'http', 'bus')),
  topic        text,
  reason       text not null check (reason ~ '^[A-Z][A-Z0-9_]{1,63}$'),
  detail       text,
  payload      bytea,
  payload_size integer not null default 0 check (payload_size >= 0)
);
create index quarantine_events_tenant_time_idx on quarantine_events (tenant_id, received_at);
create index quarantine_events_time_idx on quarantine_events (received_at);
select pulse_tenant_table('quarantine_events', app_privileges => 'select');

-- Per-minute rejection counts by tenant and reason; kept even when payloads are not.
create table quarantine_counters_minute (
  minute    timestamptz not null check (minute = date_trunc('minute', minute)),
  tenant_id t_tenant_id,
  reason    text not null,
  count     bigint not null default 0 check (count >= 0),
  unique nulls not distinct (minute, tenant_id, reason)
);
create index quarantine_counters_tenant_idx on quarantine_counters_minute (tenant_id, minute);
select pulse_tenant_table('quarantine_counters_minute', app_privileges => 'select');

-- Route and notification deliveries that failed after all retries.
create table dead_letter_messages (
  dead_letter_id     uuid primary key default gen_random_uuid(),
  tenant_id          t_tenant_id not null references tenants on delete cascade,
  source             text not null check (source in ('route', 'notification')),
  source_id          uuid,
  original_topic     text,
  payload            bytea not null,
  destination_type   text not null,
  destination        text not null,
  error_message      text not null,
  attempts           integer not null check (attempts > 0),
  status             text not null default 'FAILED' check (status in ('FAILED', 'REPLAYED', 'DISCARDED')),
  first_failed_at    timestamptz not null default now(),
  last_failed_at     timestamptz not null default now(),
  resolved_at        timestamptz,
  resolved_by        text,
  check ((status = 'FAILED') = (resolved_at is null))
);
create index dead_letter_messages_open_idx on dead_letter_messages (tenant_id, last_failed_at) where status = 'FAILED';
select pulse_tenant_table('dead_letter_messages');
