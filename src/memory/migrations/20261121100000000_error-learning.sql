-- Up Migration
-- Error-learning: errors carry where they came from and
-- how they were resolved; the knowledge base holds solutions, each naming a remediation action
-- registered in configuration (never a command of its own); the decision log says why.
alter table error_events
  add column workflow_id    text,
  add column activity_type  text,
  add column attempt        integer,
  add column resolved_by    bigint,
  add column resolved_at    timestamptz,
  add column resolution_ms  integer;

create table knowledge_base (
  id                bigserial primary key,
  problem_signature text not null unique,
  description       text not null,
  -- Name of a remediation action registered in configuration, and its parameters.
  action            text not null,
  params            jsonb not null default '{}'::jsonb,
  success_count     integer not null default 0,
  failure_count     integer not null default 0,
  usage_count       integer not null default 0,
  success_rate      real generated always as (
                      case when success_count + failure_count = 0 then null
                           else success_count::real / (success_count + failure_count) end) stored,
  last_used_at      timestamptz,
  source            text not null default 'human' check (source in ('human', 'learned')),
  disabled_at       timestamptz,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now()
);
create index knowledge_base_signature_trgm on knowledge_base using gin (problem_signature gin_trgm_ops);

alter table error_events add foreign key (resolved_by) references knowledge_base (id);

create table decision_log (
  id          bigserial primary key,
  agent_id    text not null,
  decision    text not null,
  context     jsonb not null default '{}'::jsonb,
  confidence  real,
  patterns    jsonb not null default '[]'::jsonb,
  outcome     text,
  dedupe_key  text unique,
  decided_at  timestamptz not null default now()
);
create index decision_log_recent on decision_log (agent_id, decided_at desc);

-- Down Migration
drop table decision_log;
alter table error_events drop constraint error_events_resolved_by_fkey;
drop table knowledge_base;
alter table error_events
  drop column workflow_id, drop column activity_type, drop column attempt,
  drop column resolved_by, drop column resolved_at, drop column resolution_ms;
