-- Up Migration
-- Writes that survive retries and rows PostgreSQL refuses.

-- Time to resolution in ms: an int overflows after 24.8 days.
alter table error_events alter column resolution_ms type bigint;

-- One row per activity that changed a solution's record (its write id: workflow, run, activity),
-- so a retried learnSolution or recordSolutionOutcome counts once.
create table knowledge_base_writes (
  write_id    text primary key,
  solution_id bigint not null references knowledge_base (id),
  kind        text not null check (kind in ('learn', 'outcome')),
  written_at  timestamptz not null default now()
);

-- What could not be stored, with why: a work-history row PostgreSQL refused (kept as escaped JSON
-- text, which always stores), or a SystemMonitor run whose results could not be recorded.
create table unstored_records (
  id          bigserial primary key,
  kind        text not null check (kind in ('work_history', 'health_results')),
  dedupe_key  text unique,
  workflow_id text,
  reason      text not null,
  payload     text not null,
  recorded_at timestamptz not null default now()
);
create index unstored_records_recent on unstored_records (kind, recorded_at desc);

-- Down Migration
drop table unstored_records;
drop table knowledge_base_writes;
alter table error_events alter column resolution_ms type integer
  using least(resolution_ms, 2147483647)::integer;
