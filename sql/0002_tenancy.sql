-- Tenants, their sites, and the people who use Pulse.

create table tenants (
  tenant_id     t_tenant_id primary key,
  name          text not null check (length(name) between 1 and 200),
  status        text not null default 'ACTIVE' check (status in ('ACTIVE', 'SUSPENDED', 'DELETED')),
  contact_email text,
  legal_name    text,
  industry      text,
  country       text check (country ~ '^[A-Z]{2}$'),
  data_region   text,
  metadata      jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  deleted_at    timestamptz,
  -- Soft delete: a DELETED tenant keeps its rows until an operator purges it.
  check ((status = 'DELETED') = (deleted_at is not null))
);
create trigger tenants_touch before update on tenants for each row execute function pulse_touch_updated_at();
-- A tenant reads and edits its own profile; creating, suspending and deleting is operator work.
select pulse_tenant_table('tenants', app_privileges => 'select, update');

create table sites (
  tenant_id  t_tenant_id not null references tenants on delete cascade,
  site_id    t_site_id not null,
  name       text not null check (length(name) between 1 and 200),
  address    text,
  lat        double precision check (lat between -90 and 90),
  lng        double precision check (lng between -180 and 180),
  timezone   text not null default 'UTC',
  metadata   jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, site_id),
  check ((lat is null) = (lng is null))
);
create trigger sites_touch before update on sites for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('sites');

-- People. A tenant user (customer, tenant-admin) belongs to exactly one tenant; an operator
-- (operator, operator-admin) belongs to none and works across tenants. Local users have an
-- argon2id password hash; users from an OIDC issuer are matched by (issuer, subject).
create table users (
  user_id       uuid primary key default gen_random_uuid(),
  tenant_id     t_tenant_id references tenants on delete cascade,
  email         text not null check (email ~ '^[^@\s]+@[^@\s]+$'),
  display_name  text,
  roles         text[] not null,
  status        text not null default 'ACTIVE' check (status in ('ACTIVE', 'DISABLED')),
  password_hash text check (password_hash like '$argon2id$%'),
  oidc_issuer   text,
  oidc_subject  text,
  last_login_at timestamptz,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  check (cardinality(roles) > 0),
  check (
    (tenant_id is not null and roles <@ array['customer', 'tenant-admin'])
    or (tenant_id is null and roles <@ array['operator', 'operator-admin'])
  ),
  check ((oidc_issuer is null) = (oidc_subject is null)),
  unique (oidc_issuer, oidc_subject)
);
create unique index users_email_key on users (lower(email));
create index users_tenant_idx on users (tenant_id);
create trigger users_touch before update on users for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('users');
