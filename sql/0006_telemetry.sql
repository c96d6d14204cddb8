-- Telemetry: one row per accepted message. A TimescaleDB hypertable when the extension is
-- installed and preloaded, otherwise a table range-partitioned by UTC day. Either way the
-- columns, indexes, policies and queries are the same, and retention drops whole days.

-- Creates the daily partitions of p_table that cover [p_from, p_to]; returns how many it made.
-- Safe to call concurrently and repeatedly; a no-op on a hypertable. Ingest calls it when a
-- row has no partition, so a device with a wrong clock never loses data to a missing day.
create function pulse_ensure_partitions(p_table regclass, p_from timestamptz, p_to timestamptz)
  returns integer
  language plpgsql security definer set search_path = public, pg_temp
  as $$
declare
  day timestamptz := date_trunc('day', p_from at time zone 'UTC') at time zone 'UTC';
  made integer := 0;
  part text;
  tbl text := (select c.relname from pg_class c where c.oid = p_table);
begin
  if not exists (select from pg_partitioned_table where partrelid = p_table) then
    return 0;
  end if;
  if p_to < p_from or p_to - p_from > interval '3660 days' then
    raise invalid_parameter_value using message = format('refusing partition range %s .. %s', p_from, p_to);
  end if;
  while day <= p_to loop
    part := format('%s_p%s', tbl, to_char(day at time zone 'UTC', 'YYYYMMDD'));
    if to_regclass(part) is null then
      begin
        execute format('create table %I partition of %s for values from (%L) to (%L)',
                       part, p_table, day, day + interval '1 day');
        made := made + 1;
      exception when duplicate_table or unique_violation then
        null; -- another session created it first
      end;
    end if;
    day := day + interval '1 day';
  end loop;
  return made;
end $$;

-- Drops the partitions of p_table that hold only rows older than p_before; returns their names.
create function pulse_drop_partitions(p_table regclass, p_before timestamptz)
  returns setof text
  language plpgsql security definer set search_path = public, pg_temp
  as $$
declare
  r record;
begin
  for r in
    select c.oid::regclass as part,
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz as upper_bound
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    where i.inhparent = p_table
  loop
    if r.upper_bound is not null and r.upper_bound <= p_before then
      execute format('drop table %s', r.part);
      return next r.part::text;
    end if;
  end loop;
end $$;

do $$
declare
  hyper boolean := exists (select from pg_available_extensions where name = 'timescaledb')
                   and current_setting('shared_preload_libraries', true) like '%timescaledb%';
begin
  if hyper then
    create extension if not exists timescaledb;
  end if;
  -- msg_id identifies the message on the bus; with time it makes writes idempotent, so a
  -- message delivered twice is stored once. The unique index also serves device time ranges.
  execute format($ddl$
    create table telemetry (
      time      timestamptz not null,
      tenant_id t_tenant_id not null,
      device_id t_device_id not null,
      site_id   t_site_id,
      msg_type  text not null check (msg_type ~ '^[a-z][a-z0-9_]{0,31}$'),
      seq       bigint,
      metrics   jsonb not null default '{}' check (jsonb_typeof(metrics) = 'object'),
      msg_id    uuid not null
    ) %s $ddl$, case when hyper then '' else 'partition by range (time)' end);
  if hyper then
    perform create_hypertable('telemetry', 'time', chunk_time_interval => interval '1 day');
    execute 'alter table telemetry set (timescaledb.compress, timescaledb.compress_segmentby = ''tenant_id, device_id'')';
    perform add_compression_policy('telemetry', interval '2 days');
  else
    perform pulse_ensure_partitions('telemetry', now() - interval '1 day', now() + interval '7 days');
  end if;
end $$;

create unique index telemetry_device_time_key on telemetry (tenant_id, device_id, time, msg_id);
select pulse_tenant_table('telemetry');

revoke execute on function pulse_ensure_partitions(regclass, timestamptz, timestamptz) from public;
revoke execute on function pulse_drop_partitions(regclass, timestamptz) from public;
grant execute on function pulse_ensure_partitions(regclass, timestamptz, timestamptz) to pulse_worker, pulse_operator;
grant execute on function pulse_drop_partitions(regclass, timestamptz) to pulse_worker, pulse_operator;
