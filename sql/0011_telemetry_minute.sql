-- Per-minute aggregates of every numeric (and boolean, as 0/1) metric, written by ingest in
-- the same statement that stores the raw rows, from exactly the rows that were new — so a
-- redelivered message is counted once, like the raw row. Charts over hours and days read
-- these instead of parsing every raw message (24 h of one device: 1,440 rows, not 100,000).

create table telemetry_minute (
  tenant_id  t_tenant_id not null,
  device_id  t_device_id not null,
  metric_key text not null,
  minute     timestamptz not null,
  count      integer not null,
  sum        double precision not null,
  min        double precision not null,
  max        double precision not null,
  primary key (tenant_id, device_id, metric_key, minute)
) with (fillfactor = 70); -- a minute's row is updated by every batch in it: leave room for HOT updates
select pulse_tenant_table('telemetry_minute');

insert into retention_policies (table_name, time_column, keep) values ('telemetry_minute', 'minute', interval '400 days');

-- Recomputes the aggregates of the whole minutes covering [p_from, p_to] from the raw rows
-- (after a bulk load that bypassed ingest, or a repair); returns how many rows it wrote.
create function pulse_rebuild_telemetry_minutes(p_from timestamptz, p_to timestamptz) returns bigint
  language plpgsql
  as $$
declare
  lo timestamptz := date_trunc('minute', p_from);
  hi timestamptz := date_trunc('minute', p_to) + interval '1 minute';
  written bigint;
begin
  delete from telemetry_minute where minute >= lo and minute < hi;
  insert into telemetry_minute (tenant_id, device_id, metric_key, minute, count, sum, min, max)
  select t.tenant_id, t.device_id, e.key, date_trunc('minute', t.time), count(*), sum(x.v), min(x.v), max(x.v)
  from telemetry t
  cross join lateral jsonb_each(t.metrics) e
  cross join lateral (select case jsonb_typeof(e.value) when 'number' then e.value::float8
                                                        when 'boolean' then e.value::boolean::int::float8 end as v) x
  where t.time >= lo and t.time < hi and x.v is not null
  group by 1, 2, 3, 4;
  get diagnostics written = row_count;
  return written;
end $$;
revoke execute on function pulse_rebuild_telemetry_minutes(timestamptz, timestamptz) from public;
grant execute on function pulse_rebuild_telemetry_minutes(timestamptz, timestamptz) to pulse_worker, pulse_operator;

-- Whatever telemetry is already stored.
select pulse_rebuild_telemetry_minutes(coalesce(min(time), now()), coalesce(max(time), now())) from telemetry;
