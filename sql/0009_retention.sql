-- How long each kind of record is kept, and the one function that enforces it. Partitioned
-- tables lose whole days (cheap, no bloat), hypertables whole chunks, other tables rows.
-- `pulse ops` runs pulse_apply_retention() periodically; operators change `keep`.

create table retention_policies (
  table_name  text primary key check (to_regclass(table_name) is not null),
  time_column text not null,
  keep        interval not null check (keep >= interval '1 hour'),
  updated_at  timestamptz not null default now()
);
create trigger retention_policies_touch before update on retention_policies
  for each row execute function pulse_touch_updated_at();
select pulse_platform_table('retention_policies');

insert into retention_policies (table_name, time_column, keep) values
  ('telemetry', 'time', interval '30 days'),
  ('quarantine_events', 'received_at', interval '14 days'),
  ('quarantine_counters_minute', 'minute', interval '90 days'),
  ('dead_letter_messages', 'resolved_at', interval '30 days'),
  ('audit_log', 'time', interval '365 days'),
  ('operator_audit_log', 'time', interval '365 days');

-- removed counts partitions, chunks or rows, as `method` says.
create function pulse_apply_retention(p_now timestamptz default now())
  returns table (table_name text, cutoff timestamptz, method text, removed bigint)
  language plpgsql security definer set search_path = public, pg_temp
  as $$
declare
  p record;
  is_hypertable boolean;
begin
  for p in select r.table_name, r.time_column, r.keep from retention_policies r order by r.table_name loop
    table_name := p.table_name;
    cutoff := p_now - p.keep;
    is_hypertable := false;
    if exists (select from pg_extension where extname = 'timescaledb') then
      execute 'select exists (select from timescaledb_information.hypertables where hypertable_name = $1)'
        into is_hypertable using p.table_name;
    end if;
    if exists (select from pg_partitioned_table where partrelid = p.table_name::regclass) then
      method := 'drop_partitions';
      select count(*) into removed from pulse_drop_partitions(p.table_name::regclass, cutoff);
    elsif is_hypertable then
      method := 'drop_chunks';
      execute 'select count(*) from drop_chunks($1, older_than => $2)' into removed using p.table_name::regclass, cutoff;
    else
      method := 'delete_rows';
      execute format('delete from %I where %I < $1', p.table_name, p.time_column) using cutoff;
      get diagnostics removed = row_count;
    end if;
    return next;
  end loop;
end $$;

revoke execute on function pulse_apply_retention(timestamptz) from public;
grant execute on function pulse_apply_retention(timestamptz) to pulse_worker, pulse_operator;
