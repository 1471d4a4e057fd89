-- Up Migration
-- DeploymentManager's deployment records: what was deployed, by whom, how each step went, the
-- pre-check's risk and why, the outcome and any rollback. The pre-check of the next deployment
-- reads them (recent failures of the target, failures that touched the same paths).
create table deployments (
  id              bigserial primary key,
  workflow_id     text not null,
  run_id          text not null,
  target          text not null,
  ref             text not null,
  commit_sha      text,
  kind            text not null default 'deploy' check (kind in ('deploy', 'rollback')),
  started_by      text not null,
  status          text not null default 'running' check (status in (
                    'running', 'succeeded', 'failed', 'rolled_back', 'rollback_failed', 'cancelled', 'blocked', 'rejected')),
  -- Pre-check: risk 0..1, the reasons, and the last good commit the changed paths are diffed against.
  risk            real check (risk between 0 and 1),
  risk_reasons    jsonb not null default '[]'::jsonb,
  base_commit     text,
  changed_paths   text[] not null default '{}',
  environments    text[] not null default '{}',
  failed_step     text,
  error_message   text,
  -- Signature of the failure, shared with error_events and error-learning.
  error_signature text,
  -- {"to": "<sha>" | null, "verified": bool, "environments": [...]}
  rollback        jsonb,
  started_at      timestamptz not null default now(),
  finished_at     timestamptz,
  unique (workflow_id, run_id)
);
create index deployments_target on deployments (target, started_at desc);
create index deployments_changed_paths on deployments using gin (changed_paths);

-- Every step of a deployment (checkout, build steps, release and verification per environment,
-- rollback), with its duration, result and a bounded tail of its output.
create table deployment_steps (
  deployment_id bigint not null references deployments on delete cascade,
  seq           integer not null,
  name          text not null,
  environment   text,
  status        text not null check (status in ('succeeded', 'failed', 'cancelled', 'skipped')),
  exit_code     integer,
  duration_ms   integer not null,
  log_tail      text,
  error         text,
  started_at    timestamptz not null,
  finished_at   timestamptz not null,
  primary key (deployment_id, seq)
);

-- Down Migration
drop table deployment_steps;
drop table deployments;
