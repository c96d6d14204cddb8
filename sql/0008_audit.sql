-- Who did what. audit_log is per tenant (NULL tenant: platform events, operators only);
-- operator_audit_log records every cross-tenant access by an operator and is never visible
-- to tenants.

create table audit_log (
  audit_id       bigint generated always as identity primary key,
  time           timestamptz not null default now(),
  tenant_id      t_tenant_id,
  category       text not null check (category ~ '^[a-z][a-z0-9_]{0,31}$'),
  action         text not null check (action ~ '^[a-z][a-z0-9_.]{0,63}$'),
  severity       text not null default 'info' check (severity in ('info', 'warning', 'critical')),
  entity_type    text,
  entity_id      text,
  entity_name    text,
  message        text,
  details        jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  actor_type     text not null check (actor_type in ('user', 'device', 'system', 'operator')),
  actor_id       text,
  actor_name     text,
  source_service text,
  ip             inet,
  request_id     text
);
create index audit_log_tenant_time_idx on audit_log (tenant_id, time);
create index audit_log_entity_idx on audit_log (tenant_id, entity_type, entity_id, time);
select pulse_tenant_table('audit_log', app_privileges => 'select, insert');

create table operator_audit_log (
  audit_id   bigint generated always as identity primary key,
  time       timestamptz not null default now(),
  actor_id   text not null,
  action     text not null,
  target_tenant_id t_tenant_id,
  resource   text not null,
  request_id text,
  ip         inet,
  user_agent text,
  details    jsonb not null default '{}' check (jsonb_typeof(details) = 'object')
);
create index operator_audit_log_time_idx on operator_audit_log (time);
create index operator_audit_log_actor_idx on operator_audit_log (actor_id, time);
select pulse_platform_table('operator_audit_log');
