-- Up Migration
-- DatabaseGuardian (backups and migration runs) and the learning cycles (agent performance per
-- window, one result per cycle window, layer changes and archive provenance of the daily cycle).

-- Every backup DatabaseGuardian took: where, its checksum, the row counts of the main tables at
-- the dump's snapshot, and whether a restore into a scratch database reproduced them.
create table database_backups (
  id              bigserial primary key,
  database_name   text not null,
  file_path       text not null unique,
  status          text not null check (status in ('taken', 'verified', 'failed', 'pruned')),
  size_bytes      bigint,
  sha256          text,
  pg_dump_path    text,
  pg_dump_version text,
  server_version  text,
  -- Row counts of the main tables, counted in the snapshot pg_dump used.
  row_counts      jsonb,
  -- What the restore check found: scratch database, restored counts, duration.
  verification    jsonb,
  error           text,
  workflow_id     text,
  -- Idempotency key of the activity that took it.
  dedupe_key      text unique,
  started_at      timestamptz not null,
  finished_at     timestamptz,
  verified_at     timestamptz,
  pruned_at       timestamptz
);
create index database_backups_recent on database_backups (database_name, started_at desc);

-- Every schema sync that applied migrations: what was pending, what was applied, what failed.
create table migration_runs (
  id            bigserial primary key,
  database_name text not null,
  pending       text[] not null,
  applied       text[] not null default '{}',
  failed        text,
  error         text,
  workflow_id   text,
  dedupe_key    text unique,
  started_at    timestamptz not null default now(),
  finished_at   timestamptz
);

-- Agent performance per 5-minute window, per agent and capability (the activity type in work
-- history). A window is recomputed, never incremented, so re-running it cannot double count.
create table agent_performance (
  agent_id     text not null,
  capability   text not null,
  window_start timestamptz not null,
  window_end   timestamptz not null,
  runs         integer not null,
  successes    integer not null,
  total_ms     bigint not null,
  p95_ms       integer not null,
  primary key (agent_id, capability, window_start)
);
create index agent_performance_window on agent_performance (window_start);

-- One result per learning cycle and window; a re-run replaces it with the same figures.
create table learning_cycle_runs (
  cycle        text not null check (cycle in ('five-minute', 'hourly', 'daily')),
  window_start timestamptz not null,
  window_end   timestamptz not null,
  result       jsonb not null,
  workflow_id  text,
  completed_at timestamptz not null default now(),
  primary key (cycle, window_start)
);

-- Which run moved an entry to the archive (the daily cycle's window), so its report counts the
-- same rows however often it runs.
alter table memory_archive add column archived_by text;
create index memory_archive_archived_by on memory_archive (archived_by) where archived_by is not null;

-- Layer promotions and demotions, one row per entry and daily window (the entry's history).
create table memory_layer_changes (
  window_key  text not null,
  entry_id    uuid not null,
  key         text not null,
  from_layer  text not null,
  to_layer    text not null,
  reason      text not null,
  changed_at  timestamptz not null default now(),
  primary key (window_key, entry_id)
);

-- Down Migration
drop table memory_layer_changes;
drop index memory_archive_archived_by;
alter table memory_archive drop column archived_by;
drop table learning_cycle_runs;
drop table agent_performance;
drop table migration_runs;
drop table database_backups;
