-- Roles, identifier domains and the helpers every later migration uses.
-- Runs unchanged on PostgreSQL 15+ and PGlite. Creating the roles needs a superuser (or an
-- admin who pre-created them: see README "Database roles"); later migrations do not.

-- Roles are cluster-wide, so they may already exist (another database, a pre-created set).
do $$
begin
  if not exists (select from pg_roles where rolname = 'pulse_app') then
    create role pulse_app nologin nosuperuser nobypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'pulse_worker') then
    create role pulse_worker nologin nosuperuser bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'pulse_operator') then
    create role pulse_operator nologin nosuperuser bypassrls;
  end if;
  -- The connecting user switches into these roles per transaction (set_config('role', …)).
  if not pg_has_role(current_user, 'pulse_app', 'member') then
    execute format('grant pulse_app to %I', current_user);
  end if;
  if not pg_has_role(current_user, 'pulse_worker', 'member') then
    execute format('grant pulse_worker to %I', current_user);
  end if;
  if not pg_has_role(current_user, 'pulse_operator', 'member') then
    execute format('grant pulse_operator to %I', current_user);
  end if;
end $$;

grant usage on schema public to pulse_app, pulse_worker, pulse_operator;

-- Identifier formats; src/platform/ids.ts holds the same patterns. One MQTT topic level and
-- one NATS subject token each: no '/', '+', '#', '.', '*', '>'.
create domain t_tenant_id as text check (value ~ '^[a-z0-9][a-z0-9_-]{0,62}$');
create domain t_device_id as text check (value ~ '^[A-Za-z0-9][A-Za-z0-9_:-]{0,127}$');
create domain t_site_id as text check (value ~ '^[A-Za-z0-9][A-Za-z0-9_:-]{0,63}$');
-- Keys people choose for template slots and commands.
create domain t_key as text check (value ~ '^[a-z][a-z0-9_]{0,63}$');
-- Metric keys arrive from devices: any printable text up to 128 characters.
create domain t_metric_key as text check (value ~ '^[^[:cntrl:]]{1,128}$');

-- The tenant of the current transaction, or NULL. Never '' (a pooled connection that once ran
-- set_config(…, true) reports '' afterwards, which must mean "no tenant").
create function pulse_tenant() returns text
  language sql stable parallel safe
  as $$ select nullif(current_setting('app.tenant_id', true), '') $$;

create function pulse_touch_updated_at() returns trigger
  language plpgsql
  as $$ begin new.updated_at := now(); return new; end $$;

-- Identity and serial columns need their sequence granted to whoever inserts.
create function pulse_grant_sequences(p_table regclass, p_roles text) returns void
  language plpgsql
  as $$
declare
  seq text;
begin
  for seq in
    select pg_get_serial_sequence(p_table::text, a.attname)
    from pg_attribute a
    where a.attrelid = p_table and a.attnum > 0 and not a.attisdropped
      and pg_get_serial_sequence(p_table::text, a.attname) is not null
  loop
    execute format('grant usage on sequence %s to %s', seq, p_roles);
  end loop;
end $$;

-- Makes a table tenant-owned: row-level security enabled and forced, one policy per command
-- keyed on pulse_tenant(), and grants for the three roles. With shared_rows, rows whose
-- tenant_id is NULL (system rows) are readable by every tenant but writable by none.
-- app_privileges limits what pulse_app may do at all (e.g. 'select' for read-only tables).
create function pulse_tenant_table(
  p_table regclass,
  shared_rows boolean default false,
  app_privileges text default 'select, insert, update, delete'
) returns void
  language plpgsql
  as $$
begin
  execute format('alter table %s enable row level security', p_table);
  execute format('alter table %s force row level security', p_table);
  execute format(
    'create policy tenant_read on %s for select to pulse_app using (%s)',
    p_table,
    case when shared_rows then 'tenant_id is null or tenant_id = pulse_tenant()' else 'tenant_id = pulse_tenant()' end);
  execute format('create policy tenant_insert on %s for insert to pulse_app with check (tenant_id = pulse_tenant())', p_table);
  execute format(
    'create policy tenant_update on %s for update to pulse_app using (tenant_id = pulse_tenant()) with check (tenant_id = pulse_tenant())',
    p_table);
  execute format('create policy tenant_delete on %s for delete to pulse_app using (tenant_id = pulse_tenant())', p_table);
  execute format('grant %s on %s to pulse_app', app_privileges, p_table);
  execute format('grant select, insert, update, delete on %s to pulse_worker, pulse_operator', p_table);
  perform pulse_grant_sequences(p_table, 'pulse_app, pulse_worker, pulse_operator');
end $$;

-- A table that belongs to the platform, not to a tenant: pulse_app gets no access at all.
create function pulse_platform_table(p_table regclass) returns void
  language plpgsql
  as $$
begin
  execute format('revoke all on %s from public', p_table);
  execute format('grant select, insert, update, delete on %s to pulse_worker, pulse_operator', p_table);
  perform pulse_grant_sequences(p_table, 'pulse_worker, pulse_operator');
end $$;

revoke execute on function pulse_grant_sequences(regclass, text) from public;
revoke execute on function pulse_tenant_table(regclass, boolean, text) from public;
revoke execute on function pulse_platform_table(regclass) from public;
