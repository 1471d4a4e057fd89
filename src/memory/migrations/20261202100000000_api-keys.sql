-- API keys of the HTTP and MCP servers: each binds its caller to one tenant and one role. Only a
-- sha256 of the key is kept (the key is 256 random bits, shown once when it is created).
create table if not exists api_keys (
  id text primary key,
  key_hash text not null unique,
  prefix text not null,
  tenant_id text not null,
  role text not null check (role in ('reader', 'writer', 'admin')),
  name text,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index if not exists api_keys_tenant on api_keys (tenant_id, created_at desc);

-- Memory reads and writes through the API, written in batches (never on the request's path).
create table if not exists api_access_log (
  id bigserial primary key,
  at timestamptz not null,
  key_id text not null,
  tenant_id text not null,
  operation text not null,
  status int not null,
  latency_ms real not null,
  cache_hit boolean
);
create index if not exists api_access_log_key on api_access_log (key_id, at desc);
create index if not exists api_access_log_tenant on api_access_log (tenant_id, at desc);
