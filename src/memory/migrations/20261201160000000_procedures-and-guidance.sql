-- Up Migration

-- Operational procedures: named and versioned definitions (steps of registered kinds).
create table procedures (
  name         text not null,
  version      integer not null check (version >= 1),
  description  text not null default '',
  enforcement  text not null check (enforcement in ('strict', 'warn', 'off')),
  definition   jsonb not null,
  source       text not null check (source in ('builtin', 'file', 'client')),
  created_at   timestamptz not null default now(),
  primary key (name, version)
);

-- One run of a procedure version (procedureWorkflow), its result and the guidance it followed.
create table procedure_runs (
  workflow_id     text primary key,
  procedure_name  text not null,
  version         integer not null,
  status          text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
  guidance_decision_id bigint,
  started_at      timestamptz not null default now(),
  finished_at     timestamptz,
  error           text
);
create index procedure_runs_recent on procedure_runs (finished_at desc);
create index procedure_runs_name on procedure_runs (procedure_name, version);

-- What happened to each step: ran, failed, skipped (with its approver), blocked, released, warned.
create table procedure_step_events (
  id            bigserial primary key,
  workflow_id   text not null,
  procedure_name text not null,
  version       integer not null,
  step_id       text not null,
  event         text not null check (event in ('ran', 'failed', 'skipped', 'blocked', 'released', 'warned', 'approved')),
  approved_by   text,
  reason        text,
  detail        jsonb not null default '{}'::jsonb,
  at            timestamptz not null default now(),
  unique (workflow_id, step_id, event)
);
create index procedure_step_events_recent on procedure_step_events (at desc);

-- The outcome of an operation a guidance decision guided.
alter table decision_log
  add column outcome_success boolean,
  add column outcome_at timestamptz,
  add column outcome_detail jsonb;

-- Orchestrated tasks: the outcome of each, against the task's signature (learned by guidance).
create table task_outcomes (
  workflow_id   text primary key,
  signature     text not null,
  goal          text not null,
  success       boolean not null,
  plan          jsonb not null default '[]'::jsonb,
  results       jsonb not null default '{}'::jsonb,
  guidance_decision_id bigint,
  finished_at   timestamptz not null default now()
);
create index task_outcomes_signature on task_outcomes using gin (signature gin_trgm_ops);

-- Each orchestrated step: the agent it was given to, when it ran, how it went.
create table orchestration_steps (
  workflow_id   text not null,
  step_id       text not null,
  capability    text not null,
  agent_id      text not null,
  status        text not null check (status in ('running', 'succeeded', 'failed')),
  started_at    timestamptz not null default now(),
  finished_at   timestamptz,
  detail        jsonb not null default '{}'::jsonb,
  primary key (workflow_id, step_id)
);

-- Down Migration
drop table orchestration_steps;
drop table task_outcomes;
alter table decision_log drop column outcome_success, drop column outcome_at, drop column outcome_detail;
drop table procedure_step_events;
drop table procedure_runs;
drop table procedures;
