-- Device instances: the registry, what is plugged into them, what they measure, how they
-- connect, their live state and their credentials.

create table device_registry (
  tenant_id          t_tenant_id not null references tenants on delete cascade,
  device_id          t_device_id not null,
  site_id            t_site_id,
  display_name       text,
  status             text not null default 'ACTIVE'
                       check (status in ('ACTIVE', 'INACTIVE', 'SUSPENDED', 'DECOMMISSIONED')),
  template_id        uuid references device_templates,
  parent_device_id   t_device_id,
  device_type        text,
  -- identity and hardware
  serial_number      text,
  mac_address        text,
  imei               text check (imei ~ '^[0-9]{14,16}$'),
  iccid              text check (iccid ~ '^[0-9]{18,22}F?$'),
  meid               text,
  manufacturer       text,
  model              text,
  hw_revision        text,
  board_revision     text,
  fw_version         text,
  bootloader_version text,
  modem_model        text,
  modem_fw_version   text,
  chipset            text,
  batch_id           text,
  deployment_date    date,
  -- location: 'auto' lets telemetry (lat/lng in the envelope) move the device, 'manual' pins it
  lat                double precision check (lat between -90 and 90),
  lng                double precision check (lng between -180 and 180),
  address            text,
  location_source    text not null default 'auto' check (location_source in ('auto', 'manual')),
  sensor_limit       integer not null default 20 check (sensor_limit between 0 and 1000),
  notes              text,
  attributes         jsonb not null default '{}' check (jsonb_typeof(attributes) = 'object'),
  decommissioned_at  timestamptz,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  search_vector      tsvector generated always as (to_tsvector('simple',
                       coalesce(device_id, '') || ' ' || coalesce(display_name, '') || ' ' ||
                       coalesce(serial_number, '') || ' ' || coalesce(model, '') || ' ' ||
                       coalesce(mac_address, '') || ' ' || coalesce(imei, ''))) stored,
  primary key (tenant_id, device_id),
  foreign key (tenant_id, site_id) references sites (tenant_id, site_id),
  -- Same-tenant parent, enforced by the key itself; children are orphaned, not deleted.
  foreign key (tenant_id, parent_device_id) references device_registry (tenant_id, device_id)
    on delete set null (parent_device_id),
  check (parent_device_id is distinct from device_id),
  check ((lat is null) = (lng is null)),
  check ((status = 'DECOMMISSIONED') = (decommissioned_at is not null))
);
create index device_registry_site_idx on device_registry (tenant_id, site_id);
create index device_registry_template_idx on device_registry (template_id);
create index device_registry_parent_idx on device_registry (tenant_id, parent_device_id) where parent_device_id is not null;
create index device_registry_search_idx on device_registry using gin (search_vector);
create trigger device_registry_touch before update on device_registry
  for each row execute function pulse_touch_updated_at();

-- A device may use a system template or one of its own tenant's, and its gateway chain may
-- not loop back to itself.
create function pulse_device_registry_check() returns trigger
  language plpgsql
  as $$
begin
  if new.template_id is not null and not exists (
    select from device_templates t
    where t.template_id = new.template_id and (t.tenant_id is null or t.tenant_id = new.tenant_id)
  ) then
    raise foreign_key_violation using message = format('template %s does not exist', new.template_id);
  end if;
  if new.parent_device_id is not null and exists (
    with recursive chain(device_id, depth) as (
      select d.parent_device_id, 1 from device_registry d
      where d.tenant_id = new.tenant_id and d.device_id = new.parent_device_id
      union all
      select d.parent_device_id, c.depth + 1 from device_registry d
      join chain c on d.tenant_id = new.tenant_id and d.device_id = c.device_id
      where c.depth < 64
    )
    select from chain where device_id = new.device_id
  ) then
    raise check_violation using message = format('device %s cannot be its own ancestor', new.device_id);
  end if;
  return new;
end $$;
create trigger device_registry_check before insert or update of template_id, parent_device_id on device_registry
  for each row execute function pulse_device_registry_check();
select pulse_tenant_table('device_registry');

-- Modules installed in a device's slots. metric_key_map renames raw metric keys the module
-- reports to the semantic keys stored ({"t1": "temp_c"}).
create table device_modules (
  module_id          uuid primary key default gen_random_uuid(),
  tenant_id          t_tenant_id not null,
  device_id          t_device_id not null,
  slot_key           t_key not null,
  bus_address        text,
  module_template_id uuid references device_templates,
  label              text,
  serial_number      text,
  metric_key_map     jsonb not null default '{}' check (jsonb_typeof(metric_key_map) = 'object'),
  status             text not null default 'active' check (status in ('active', 'inactive', 'removed')),
  installed_at       timestamptz not null default now(),
  removed_at         timestamptz,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  foreign key (tenant_id, device_id) references device_registry on delete cascade,
  check ((status = 'removed') = (removed_at is not null))
);
create unique index device_modules_position_key on device_modules (tenant_id, device_id, slot_key, coalesce(bus_address, ''))
  where status <> 'removed';
create trigger device_modules_touch before update on device_modules
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('device_modules');

-- Measurement points of a device, declared by its template, by a module, or discovered from
-- telemetry (source 'unmodeled'). Their latest values live in device_state.latest_metrics.
create table device_sensors (
  sensor_id          uuid primary key default gen_random_uuid(),
  tenant_id          t_tenant_id not null,
  device_id          t_device_id not null,
  metric_key         t_metric_key not null,
  display_name       text,
  template_metric_id uuid references template_metrics on delete set null,
  module_id          uuid references device_modules on delete set null,
  unit               text,
  min_range          double precision,
  max_range          double precision,
  precision_digits   smallint check (precision_digits between 0 and 12),
  status             text not null default 'active' check (status in ('active', 'inactive', 'disabled')),
  source             text not null default 'unmodeled' check (source in ('required', 'optional', 'unmodeled')),
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  unique (tenant_id, device_id, metric_key),
  foreign key (tenant_id, device_id) references device_registry on delete cascade,
  check (min_range is null or max_range is null or min_range <= max_range)
);
create trigger device_sensors_touch before update on device_sensors
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('device_sensors');

create table device_transports (
  transport_id          uuid primary key default gen_random_uuid(),
  tenant_id             t_tenant_id not null,
  device_id             t_device_id not null,
  ingestion_protocol    text not null check (ingestion_protocol in
                          ('mqtt_direct', 'http_api', 'lorawan', 'gateway_proxy', 'modbus_rtu')),
  physical_connectivity text check (physical_connectivity in
                          ('cellular', 'ethernet', 'wifi', 'satellite', 'lora', 'other')),
  protocol_config       jsonb not null default '{}' check (jsonb_typeof(protocol_config) = 'object'),
  connectivity_config   jsonb not null default '{}' check (jsonb_typeof(connectivity_config) = 'object'),
  is_primary            boolean not null default false,
  status                text not null default 'active' check (status in ('active', 'inactive', 'failed')),
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  unique (tenant_id, device_id, ingestion_protocol),
  foreign key (tenant_id, device_id) references device_registry on delete cascade
);
create unique index device_transports_primary_key on device_transports (tenant_id, device_id) where is_primary;
create trigger device_transports_touch before update on device_transports
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('device_transports');

-- What the platform currently believes about a device: written by ingest and the evaluator.
create table device_state (
  tenant_id            t_tenant_id not null,
  device_id            t_device_id not null,
  status               text not null default 'OFFLINE' check (status in ('ONLINE', 'STALE', 'OFFLINE')),
  last_heartbeat_at    timestamptz,
  last_telemetry_at    timestamptz,
  last_seen_at         timestamptz,
  last_state_change_at timestamptz,
  -- {"temp_c": {"v": 21.5, "t": "2026-11-27T12:00:00Z"}, …}: each metric's latest value and time
  latest_metrics       jsonb not null default '{}' check (jsonb_typeof(latest_metrics) = 'object'),
  desired_state        jsonb not null default '{}' check (jsonb_typeof(desired_state) = 'object'),
  desired_version      bigint not null default 0,
  reported_state       jsonb not null default '{}' check (jsonb_typeof(reported_state) = 'object'),
  reported_version     bigint not null default 0,
  shadow_updated_at    timestamptz,
  updated_at           timestamptz not null default now(),
  primary key (tenant_id, device_id),
  foreign key (tenant_id, device_id) references device_registry on delete cascade
) with (fillfactor = 70); -- room on each page for HOT updates: ingest rewrites these rows constantly
create index device_state_status_idx on device_state (tenant_id, status);
-- No updated_at trigger: writers set it, and a per-row trigger costs ingest dearly.
select pulse_tenant_table('device_state');

-- Device secrets. Only a SHA-256 digest of each token is kept (tokens are 256-bit random, so
-- a slow hash adds nothing); token_prefix lets people tell tokens apart in lists.
-- provision_token: long-lived credential for MQTT and HTTP ingest.
-- activation_code: short-lived, single-use code a device exchanges for a provision token.
create table device_credentials (
  credential_id uuid primary key default gen_random_uuid(),
  tenant_id     t_tenant_id not null,
  device_id     t_device_id not null,
  kind          text not null check (kind in ('provision_token', 'activation_code')),
  token_hash    bytea not null unique check (length(token_hash) = 32),
  token_prefix  text not null check (length(token_prefix) between 4 and 16),
  label         text,
  created_by    text,
  created_at    timestamptz not null default now(),
  expires_at    timestamptz,
  last_used_at  timestamptz,
  used_at       timestamptz,
  revoked_at    timestamptz,
  foreign key (tenant_id, device_id) references device_registry on delete cascade,
  check (kind <> 'activation_code' or expires_at is not null),
  check (used_at is null or kind = 'activation_code')
);
create index device_credentials_device_idx on device_credentials (tenant_id, device_id) where revoked_at is null;
select pulse_tenant_table('device_credentials');
