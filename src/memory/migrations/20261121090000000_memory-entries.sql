-- Up Migration
-- Memory entries: the persistent memory every agent reads before acting and writes after
-- (the memory context registry). Vocabularies are CHECKed here so
-- that no writer, however it reaches the table, can store an unknown type, layer or scope.
create extension if not exists pg_trgm;

create table memory_entries (
  id               uuid primary key default gen_random_uuid(),
  key              text not null check (length(key) between 1 and 512),
  value            jsonb not null default 'null'::jsonb,
  title            text,
  content          text,
  memory_type      text not null check (memory_type in (
                     'user_interaction', 'ai_response', 'agent_conversation',
                     'system_error', 'system_event', 'system_state', 'performance_metric', 'health_check',
                     'ai_insight', 'error_solution', 'optimization', 'knowledge',
                     'business_decision', 'workflow_state', 'task',
                     'api_call', 'webhook_event', 'integration_sync')),
  layer            text not null check (layer in ('ephemeral', 'session', 'short_term', 'long_term', 'permanent')),
  scope            text not null check (scope in ('global', 'tenant', 'user', 'session', 'agent')),
  priority         text not null default 'medium' check (priority in ('critical', 'high', 'medium', 'low')),
  importance       real not null default 0.5 check (importance between 0 and 1),
  category         text,
  source           text,
  tags             text[] not null default '{}',
  tenant_id        text,
  user_id          text,
  session_id       text,
  agent_id         text,
  metadata         jsonb not null default '{}'::jsonb,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  expires_at       timestamptz,
  access_count     bigint not null default 0,
  last_accessed_at timestamptz,
  sync_version     integer not null default 1,
  -- Idempotency key of the write that produced this version (workflow id + activity id), so a
  -- retried activity recognises its own earlier write instead of bumping sync_version again.
  last_write_id    text,
  archived_at      timestamptz,
  search_vector    tsvector generated always as (
                     setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
                     setweight(to_tsvector('english', coalesce(content, '')), 'B') ||
                     setweight(to_tsvector('simple', replace(key, '/', ' ')), 'C') ||
                     setweight(array_to_tsvector(tags), 'C')
                   ) stored
);

-- One entry per (key, scope, owners); NULL owners compare equal (PostgreSQL 15+).
create unique index memory_entries_identity
  on memory_entries (key, scope, tenant_id, user_id, session_id, agent_id) nulls not distinct;
create index memory_entries_search on memory_entries using gin (search_vector);
create index memory_entries_title_trgm on memory_entries using gin (title gin_trgm_ops);
create index memory_entries_tenant_type on memory_entries (tenant_id, memory_type, updated_at desc);
create index memory_entries_session on memory_entries (session_id) where session_id is not null;
create index memory_entries_tags on memory_entries using gin (tags);
create index memory_entries_expires on memory_entries (expires_at) where expires_at is not null;

-- Expired and deleted entries are moved here, never destroyed ("nothing lost").
create table memory_archive (
  id               uuid primary key,
  key              text not null,
  value            jsonb not null,
  title            text,
  content          text,
  memory_type      text not null,
  layer            text not null,
  scope            text not null,
  priority         text not null,
  importance       real not null,
  category         text,
  source           text,
  tags             text[] not null,
  tenant_id        text,
  user_id          text,
  session_id       text,
  agent_id         text,
  metadata         jsonb not null,
  created_at       timestamptz not null,
  updated_at       timestamptz not null,
  expires_at       timestamptz,
  access_count     bigint not null,
  last_accessed_at timestamptz,
  sync_version     integer not null,
  last_write_id    text,
  archived_at      timestamptz not null default now(),
  archive_reason   text not null
);
create index memory_archive_key on memory_archive (key, tenant_id);

-- Every process keeps a read-through cache; a change to a row, by any writer, tells them all.
create function memory_entries_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('brainops_memory_changed', coalesce(old.id, new.id)::text);
  return null;
end $$;
-- Reads bump access_count without a new sync_version; only real changes invalidate caches.
create trigger memory_entries_changed
  after update on memory_entries
  for each row
  when (old.sync_version <> new.sync_version
        or old.expires_at is distinct from new.expires_at
        or old.archived_at is distinct from new.archived_at)
  execute function memory_entries_notify();
create trigger memory_entries_deleted
  after delete on memory_entries
  for each row execute function memory_entries_notify();

-- Down Migration
drop table memory_archive;
drop table memory_entries;
drop function memory_entries_notify();
