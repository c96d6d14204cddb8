-- Device templates define what a kind of device can do: its metrics, the commands it
-- accepts and the slots modules plug into. System templates (tenant_id NULL) are locked and
-- readable by every tenant; tenants write only their own templates.

create table device_templates (
  template_id        uuid primary key default gen_random_uuid(),
  tenant_id          t_tenant_id references tenants on delete cascade,
  slug               text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
  name               text not null check (length(name) between 1 and 200),
  description        text,
  category           text not null check (category in
                       ('gateway', 'edge_device', 'standalone_sensor', 'controller', 'expansion_module')),
  manufacturer       text,
  model              text,
  firmware_pattern   text,
  transport_defaults jsonb not null default '{}' check (jsonb_typeof(transport_defaults) = 'object'),
  image_url          text,
  is_locked          boolean not null default false,
  source             text generated always as (case when tenant_id is null then 'system' else 'tenant' end) stored,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  unique nulls not distinct (tenant_id, slug),
  check (tenant_id is not null or is_locked)
);
create trigger device_templates_touch before update on device_templates
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('device_templates', shared_rows => true);

-- Template parts carry their template's tenant_id (set by trigger, never by the caller) so the
-- same tenant policy applies to them without a join per row.
create function pulse_template_part_tenant() returns trigger
  language plpgsql
  as $$
declare
  owner text;
begin
  select t.tenant_id into owner from device_templates t where t.template_id = new.template_id;
  if not found then
    raise foreign_key_violation using message = format('template %s does not exist', new.template_id);
  end if;
  new.tenant_id := owner;
  return new;
end $$;

create table template_metrics (
  metric_id      uuid primary key default gen_random_uuid(),
  template_id    uuid not null references device_templates on delete cascade,
  tenant_id      t_tenant_id,
  metric_key     t_metric_key not null,
  display_name   text not null,
  description    text,
  data_type      text not null check (data_type in ('float', 'integer', 'boolean', 'string', 'enum')),
  unit           text,
  min_value      double precision,
  max_value      double precision,
  precision_digits smallint check (precision_digits between 0 and 12),
  is_required    boolean not null default false,
  enum_values    text[],
  sort_order     integer not null default 0,
  unique (template_id, metric_key),
  check (min_value is null or max_value is null or min_value <= max_value),
  check ((data_type = 'enum') = (enum_values is not null and cardinality(enum_values) > 0))
);
create index template_metrics_tenant_idx on template_metrics (tenant_id);
create trigger template_metrics_tenant before insert or update of template_id, tenant_id on template_metrics
  for each row execute function pulse_template_part_tenant();
select pulse_tenant_table('template_metrics', shared_rows => true);

create table template_commands (
  command_id        uuid primary key default gen_random_uuid(),
  template_id       uuid not null references device_templates on delete cascade,
  tenant_id         t_tenant_id,
  command_key       t_key not null,
  display_name      text not null,
  description       text,
  parameters_schema jsonb not null default '{}' check (jsonb_typeof(parameters_schema) = 'object'),
  response_schema   jsonb not null default '{}' check (jsonb_typeof(response_schema) = 'object'),
  sort_order        integer not null default 0,
  unique (template_id, command_key)
);
create index template_commands_tenant_idx on template_commands (tenant_id);
create trigger template_commands_tenant before insert or update of template_id, tenant_id on template_commands
  for each row execute function pulse_template_part_tenant();
select pulse_tenant_table('template_commands', shared_rows => true);

create table template_slots (
  slot_id        uuid primary key default gen_random_uuid(),
  template_id    uuid not null references device_templates on delete cascade,
  tenant_id      t_tenant_id,
  slot_key       t_key not null,
  display_name   text not null,
  description    text,
  slot_type      text not null check (slot_type in ('expansion', 'sensor', 'accessory')),
  interface_type text not null check (interface_type in
                   ('analog', 'rs485', 'i2c', 'spi', '1-wire', 'fsk', 'ble', 'lora', 'gpio', 'usb')),
  max_devices    integer not null default 1 check (max_devices between 1 and 1024),
  sort_order     integer not null default 0,
  unique (template_id, slot_key)
);
create index template_slots_tenant_idx on template_slots (tenant_id);
create trigger template_slots_tenant before insert or update of template_id, tenant_id on template_slots
  for each row execute function pulse_template_part_tenant();
select pulse_tenant_table('template_slots', shared_rows => true);

-- Which module templates fit a slot. A tenant may make its own modules fit its own slots,
-- and system modules fit any slot; it cannot point at another tenant's template.
create table template_slot_modules (
  slot_id            uuid not null references template_slots on delete cascade,
  module_template_id uuid not null references device_templates on delete cascade,
  tenant_id          t_tenant_id,
  primary key (slot_id, module_template_id)
);
create index template_slot_modules_module_idx on template_slot_modules (module_template_id);
create function pulse_slot_module_check() returns trigger
  language plpgsql
  as $$
declare
  slot_owner text;
  module_owner text;
  module_category text;
begin
  select s.tenant_id into slot_owner from template_slots s where s.slot_id = new.slot_id;
  if not found then
    raise foreign_key_violation using message = format('slot %s does not exist', new.slot_id);
  end if;
  select t.tenant_id, t.category into module_owner, module_category
    from device_templates t where t.template_id = new.module_template_id;
  if not found then
    raise foreign_key_violation using message = format('template %s does not exist', new.module_template_id);
  end if;
  if module_category <> 'expansion_module' then
    raise check_violation using message = format('template %s is not an expansion module', new.module_template_id);
  end if;
  if module_owner is not null and module_owner is distinct from slot_owner then
    raise check_violation using message = 'a slot can only accept system modules or modules of its own tenant';
  end if;
  new.tenant_id := slot_owner;
  return new;
end $$;
create trigger template_slot_modules_check before insert or update on template_slot_modules
  for each row execute function pulse_slot_module_check();
select pulse_tenant_table('template_slot_modules', shared_rows => true);
