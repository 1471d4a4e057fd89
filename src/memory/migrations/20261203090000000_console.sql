-- Up Migration
-- The web console (/console): sign-in sessions, the record of what people did there, the history of
-- each memory entry's versions, when an error was escalated, and indexes its pages read through
-- (keyset pages, newest first) so that no page scans a large table.

-- A console sign-in: only a sha256 of the random session id is kept (the id is in an HttpOnly
-- cookie); the key it signed in with decides what it sees, and a revoked key ends it.
create table console_sessions (
  id_hash     text primary key,
  key_id      text not null references api_keys (id) on delete cascade,
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null
);
create index console_sessions_expires on console_sessions (expires_at);

-- What a person did in the console (approve or skip a procedure step, answer an escalation), with
-- who: the operator key's id, prefix and name (actions are the operator's: no tenant acts here).
create table console_actions (
  id          bigserial primary key,
  at          timestamptz not null default now(),
  key_id      text,
  actor       text not null,
  action      text not null,
  subject     text not null,
  detail      jsonb not null default '{}'::jsonb
);
create index console_actions_subject on console_actions (subject, at desc);
create index console_actions_recent on console_actions (at desc);

-- Every earlier version of a memory entry: a row per overwrite, written by a trigger when the
-- entry's sync_version moves, so every writer (store, insights, health, maintenance) is covered.
-- Only what tells the versions apart is kept — not the value itself, which would double the write
-- cost and the storage of entries that are overwritten all the time (health, insights).
create table memory_entry_versions (
  entry_id      uuid not null,
  sync_version  integer not null,
  tenant_id     text,
  scope         text not null,
  layer         text not null,
  memory_type   text not null,
  title         text,
  value_bytes   integer not null,
  content_chars integer not null,
  value_sha256  text not null,
  write_id      text,
  written_at    timestamptz not null,
  replaced_at   timestamptz not null default now(),
  primary key (entry_id, sync_version)
);

create function memory_entry_version_kept() returns trigger language plpgsql as $$
begin
  insert into memory_entry_versions (entry_id, sync_version, tenant_id, scope, layer, memory_type, title,
    value_bytes, content_chars, value_sha256, write_id, written_at)
  values (old.id, old.sync_version, old.tenant_id, old.scope, old.layer, old.memory_type, left(old.title, 200),
    octet_length(old.value::text), coalesce(length(old.content), 0), encode(sha256(convert_to(old.value::text, 'UTF8')), 'hex'),
    old.last_write_id, old.updated_at)
  on conflict do nothing;
  return null;
end $$;
create trigger memory_entries_version_kept
  after update on memory_entries
  for each row
  when (old.sync_version <> new.sync_version)
  execute function memory_entry_version_kept();

-- Tenant-owned like the entries: a tenant reads its own entries' versions and those of global
-- entries; its writes (through the trigger, as brainops_tenant) are its own entries' versions.
grant select, insert on memory_entry_versions to brainops_tenant;
alter table memory_entry_versions enable row level security;
create policy tenant_rows on memory_entry_versions to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));
create policy shared_reads on memory_entry_versions for select to brainops_tenant
  using (tenant_id is null and scope = 'global');

-- When error-learning escalated an error (kept when it is resolved later): an error resolved with no
-- escalation was resolved by automation, which is what the auto-resolved share counts.
alter table error_events add column escalated_at timestamptz;
create function error_events_escalated_at() returns trigger language plpgsql as $$
begin
  if new.status = 'escalated' and old.escalated_at is null then
    new.escalated_at := now();
  end if;
  return new;
end $$;
create trigger error_events_escalated
  before update of status on error_events
  for each row
  when (new.status = 'escalated')
  execute function error_events_escalated_at();
create index error_events_resolved on error_events (resolved_at) where resolved_at is not null;
create index error_events_signature_recent on error_events (signature, occurred_at desc);
create index error_events_unresolved on error_events (status, occurred_at desc) where status in ('open', 'escalated');

-- Keyset pages, newest first.
create index memory_layer_changes_entry on memory_layer_changes (entry_id, changed_at);
create index memory_entries_tenant_recent on memory_entries (tenant_id, updated_at desc, id desc);
create index sessions_recent on sessions (last_activity_at desc);
create index sessions_tenant_recent on sessions (tenant_id, last_activity_at desc);
create index procedure_runs_started on procedure_runs (started_at desc);
create index deployments_recent on deployments (started_at desc);
create index database_backups_started on database_backups (started_at desc);

-- Down Migration
drop index database_backups_started;
drop index deployments_recent;
drop index procedure_runs_started;
drop index sessions_tenant_recent;
drop index sessions_recent;
drop index memory_entries_tenant_recent;
drop index memory_layer_changes_entry;
drop index error_events_unresolved;
drop index error_events_signature_recent;
drop index error_events_resolved;
drop trigger error_events_escalated on error_events;
drop function error_events_escalated_at();
alter table error_events drop column escalated_at;
drop trigger memory_entries_version_kept on memory_entries;
drop function memory_entry_version_kept();
drop table memory_entry_versions;
drop table console_actions;
drop table console_sessions;
