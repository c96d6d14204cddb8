#!/bin/bash
# Roles and databases for Pulse and Keycloak on the TimescaleDB server. The image runs it once,
# as the superuser, from /docker-entrypoint-initdb.d when the data volume is empty. It is
# idempotent, so it can also be run by hand against any PostgreSQL 15+ (timescaledb optional):
#   PGHOST=db.lan PGUSER=postgres PULSE_DB_PASSWORD=... PULSE_DB_STATS_PASSWORD=... \
#     KEYCLOAK_DB_PASSWORD=... ./10-pulse.sh
# Re-running sets the three passwords again from the environment.
#
# Pulse's first migration creates pulse_app, pulse_worker and pulse_operator only when they
# are missing, which needs a superuser; `pulse` is not one, so they are created here.
set -euo pipefail

: "${PULSE_DB_PASSWORD:?PULSE_DB_PASSWORD is not set}"
: "${PULSE_DB_STATS_PASSWORD:?PULSE_DB_STATS_PASSWORD is not set}"
: "${KEYCLOAK_DB_PASSWORD:?KEYCLOAK_DB_PASSWORD is not set}"

# Passwords travel as psql variables and are quoted by format(%L): never echoed, never
# spliced into SQL text by the shell.
psql_as_superuser() {
  psql -X -q -v ON_ERROR_STOP=1 \
    --username "${POSTGRES_USER:-${PGUSER:-postgres}}" \
    -v pulse_pw="$PULSE_DB_PASSWORD" \
    -v stats_pw="$PULSE_DB_STATS_PASSWORD" \
    -v keycloak_pw="$KEYCLOAK_DB_PASSWORD" \
    "$@"
}

psql_as_superuser --dbname "${POSTGRES_DB:-postgres}" <<'SQL'
set client_min_messages = warning;

-- Pulse's login role: owns its database, is no superuser.
select 'create role pulse login' where not exists (select from pg_roles where rolname = 'pulse') \gexec
select format('alter role pulse with login nosuperuser nocreatedb nocreaterole nobypassrls password %L', :'pulse_pw') \gexec

-- The roles Pulse switches into per transaction (see sql/0001_foundation.sql).
select 'create role pulse_app nologin nosuperuser nobypassrls'
  where not exists (select from pg_roles where rolname = 'pulse_app') \gexec
select 'create role pulse_worker nologin nosuperuser bypassrls'
  where not exists (select from pg_roles where rolname = 'pulse_worker') \gexec
select 'create role pulse_operator nologin nosuperuser bypassrls'
  where not exists (select from pg_roles where rolname = 'pulse_operator') \gexec
grant pulse_app, pulse_worker, pulse_operator to pulse;
-- Migration 0006 reads shared_preload_libraries to decide on hypertables; only superusers
-- and members of pg_read_all_settings may.
grant pg_read_all_settings to pulse;

-- Read-only statistics for postgres-exporter (direct) and pgbouncer-exporter (SHOW commands).
select 'create role pulse_stats login' where not exists (select from pg_roles where rolname = 'pulse_stats') \gexec
select format('alter role pulse_stats with login nosuperuser nocreatedb nocreaterole password %L', :'stats_pw') \gexec
grant pg_monitor to pulse_stats;

select 'create role keycloak login' where not exists (select from pg_roles where rolname = 'keycloak') \gexec
select format('alter role keycloak with login nosuperuser nocreatedb nocreaterole password %L', :'keycloak_pw') \gexec

select 'create database pulse owner pulse' where not exists (select from pg_database where datname = 'pulse') \gexec
-- template0: keep extensions installed into template1 (timescaledb) out of Keycloak's database.
select 'create database keycloak owner keycloak template template0 encoding ''UTF8'''
  where not exists (select from pg_database where datname = 'keycloak') \gexec
alter database pulse owner to pulse;
alter database keycloak owner to keycloak;
revoke all on database pulse from public;
revoke all on database keycloak from public;
grant connect on database pulse to pulse_stats;
-- Ingest stages each batch in a transaction-scoped temporary table (COPY, then one INSERT … ON
-- CONFLICT DO NOTHING) as pulse_worker; the revoke above took TEMPORARY away from everyone.
grant temporary on database pulse to pulse_worker;
SQL

# The extension needs a superuser to create; Pulse's migrations then find it in place. A plain
# PostgreSQL without the package (or without it in shared_preload_libraries) skips it, and
# Pulse falls back to native partitioning.
psql_as_superuser --dbname pulse <<'SQL'
set client_min_messages = warning;
select 'create extension if not exists timescaledb'
  where exists (select from pg_available_extensions where name = 'timescaledb')
    and current_setting('shared_preload_libraries') like '%timescaledb%' \gexec
SQL

echo "10-pulse.sh: roles pulse, pulse_app, pulse_worker, pulse_operator, pulse_stats, keycloak and databases pulse, keycloak are in place"
