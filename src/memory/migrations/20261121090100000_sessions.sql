-- Up Migration
-- Sessions, their ordered messages, tasks and handoffs (ContextKeeper).
create table sessions (
  tenant_id        text not null,
  session_id       text not null,
  user_id          text,
  agent_id         text,
  title            text,
  status           text not null default 'active' check (status in ('active', 'ended')),
  workflow_id      text not null,
  message_count    bigint not null default 0,
  metadata         jsonb not null default '{}'::jsonb,
  context_snapshot jsonb,
  started_at       timestamptz not null default now(),
  last_activity_at timestamptz not null default now(),
  ended_at         timestamptz,
  primary key (tenant_id, session_id)
);
create index sessions_active on sessions (tenant_id, last_activity_at desc) where status = 'active';

create table session_messages (
  tenant_id   text not null,
  session_id  text not null,
  seq         bigint not null,
  role        text not null check (role in ('user', 'assistant', 'system', 'agent', 'tool')),
  agent_id    text,
  content     text not null,
  metadata    jsonb not null default '{}'::jsonb,
  message_id  text,
  created_at  timestamptz not null,
  primary key (tenant_id, session_id, seq),
  foreign key (tenant_id, session_id) references sessions on delete cascade
);

create table session_tasks (
  tenant_id    text not null,
  session_id   text not null,
  task_id      text not null,
  title        text not null,
  description  text,
  status       text not null default 'open' check (status in ('open', 'done', 'cancelled')),
  priority     text not null default 'medium' check (priority in ('critical', 'high', 'medium', 'low')),
  assigned_to  text,
  result       jsonb,
  created_at   timestamptz not null,
  completed_at timestamptz,
  primary key (tenant_id, session_id, task_id),
  foreign key (tenant_id, session_id) references sessions on delete cascade
);
create index session_tasks_open on session_tasks (tenant_id, created_at desc) where status = 'open';

create table handoffs (
  tenant_id                 text not null,
  session_id                text not null,
  handoff_id                text not null,
  from_agent                text,
  to_agent                  text not null,
  reason                    text not null,
  critical_info             jsonb not null default '{}'::jsonb,
  continuation_instructions text,
  context_snapshot          jsonb not null,
  created_at                timestamptz not null,
  primary key (tenant_id, session_id, handoff_id),
  foreign key (tenant_id, session_id) references sessions on delete cascade
);

-- Down Migration
drop table handoffs;
drop table session_tasks;
drop table session_messages;
drop table sessions;
