-- What the REST API adds: device tags and groups, the built-in identity's signing keys and
-- refresh sessions.

create table device_tags (
  tenant_id  t_tenant_id not null,
  device_id  t_device_id not null,
  tag        text not null check (tag ~ '^[^[:cntrl:],]{1,64}$'),
  created_at timestamptz not null default now(),
  primary key (tenant_id, device_id, tag),
  foreign key (tenant_id, device_id) references device_registry on delete cascade
);
create index device_tags_tag_idx on device_tags (tenant_id, tag);
select pulse_tenant_table('device_tags');

-- A static group lists its members; a dynamic group holds a filter (the same filters as the
-- device list) and its members are whatever matches it now.
create table device_groups (
  group_id    uuid primary key default gen_random_uuid(),
  tenant_id   t_tenant_id not null references tenants on delete cascade,
  name        text not null check (length(name) between 1 and 200),
  description text,
  kind        text not null check (kind in ('static', 'dynamic')),
  filter      jsonb check (jsonb_typeof(filter) = 'object'),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  unique (tenant_id, name),
  check ((kind = 'dynamic') = (filter is not null))
);
create trigger device_groups_touch before update on device_groups
  for each row execute function pulse_touch_updated_at();
select pulse_tenant_table('device_groups');

create table device_group_members (
  tenant_id  t_tenant_id not null,
  group_id   uuid not null references device_groups on delete cascade,
  device_id  t_device_id not null,
  added_at   timestamptz not null default now(),
  primary key (group_id, device_id),
  foreign key (tenant_id, device_id) references device_registry on delete cascade
);
create index device_group_members_device_idx on device_group_members (tenant_id, device_id);
select pulse_tenant_table('device_group_members');

-- Signing keys of the built-in issuer (installs without Keycloak). The newest unretired key
-- signs; every key not retired long ago verifies, so a rotation does not log anyone out.
create table identity_keys (
  kid         text primary key,
  alg         text not null check (alg in ('ES256', 'RS256', 'EdDSA')),
  private_jwk jsonb not null,
  public_jwk  jsonb not null,
  created_at  timestamptz not null default now(),
  retired_at  timestamptz
);
select pulse_platform_table('identity_keys');

-- Refresh sessions of the built-in issuer. Only a digest of the refresh token is kept; each
-- refresh replaces the token, and presenting a replaced one revokes the whole family.
create table user_sessions (
  session_id   uuid primary key default gen_random_uuid(),
  family_id    uuid not null,
  user_id      uuid not null references users on delete cascade,
  token_hash   bytea not null unique check (length(token_hash) = 32),
  created_at   timestamptz not null default now(),
  expires_at   timestamptz not null,
  replaced_at  timestamptz,
  revoked_at   timestamptz,
  user_agent   text,
  ip           inet
);
create index user_sessions_user_idx on user_sessions (user_id);
create index user_sessions_family_idx on user_sessions (family_id);
select pulse_platform_table('user_sessions');
