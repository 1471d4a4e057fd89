-- Up Migration
-- Every action an agent took, so that work is not done twice. One row per activity attempt:
-- the natural key makes a re-recorded attempt a no-op.
create table work_history (
  id            bigserial primary key,
  agent_id      text not null,
  action        text not null,
  input         jsonb,
  output        jsonb,
  success       boolean not null,
  error         text,
  duration_ms   integer not null,
  workflow_id   text not null,
  run_id        text not null,
  activity_id   text not null,
  attempt       integer not null,
  tenant_id     text,
  session_id    text,
  started_at    timestamptz not null,
  finished_at   timestamptz not null,
  unique (workflow_id, run_id, activity_id, attempt)
);
create index work_history_agent on work_history (agent_id, finished_at desc);
create index work_history_recent on work_history (finished_at desc);

-- Errors seen by agents (normalised signature, status); the input of error-learning.
create table error_events (
  id            bigserial primary key,
  signature     text not null,
  error_type    text not null,
  message       text not null,
  stack         text,
  context       jsonb not null default '{}'::jsonb,
  source        text not null,
  agent_id      text,
  status        text not null default 'open' check (status in ('open', 'resolved', 'ignored', 'escalated')),
  -- Idempotency key of the activity that recorded it.
  dedupe_key    text unique,
  occurred_at   timestamptz not null default now()
);
create index error_events_recent on error_events (occurred_at desc);
create index error_events_signature on error_events using gin (signature gin_trgm_ops);

-- Down Migration
drop table error_events;
drop table work_history;
