-- Up Migration
-- Forgetting: a deleted memory entry takes its version history with it (the tenant's own rows, so
-- the tenant's role may delete them), and an erasure of a data subject — a user of a tenant, or a
-- whole tenant — leaves a receipt: who asked, for whom, when, and how many rows of each table went.
-- A receipt holds no erased data: counts and ids of the request only.
grant delete on memory_entry_versions to brainops_tenant;

create table erasure_receipts (
  erasure_id   text primary key,
  tenant_id    text not null,
  subject      text not null check (subject in ('user', 'tenant')),
  -- The erased user's id (null for a whole tenant): what the receipt is evidence for.
  user_id      text,
  -- The key that asked: its id, prefix and name (never the key itself).
  requested_by jsonb not null,
  status       text not null default 'running' check (status in ('running', 'finished')),
  -- Rows deleted per table, e.g. {"memory_entries": 3, "sessions": 1}.
  counts       jsonb not null default '{}'::jsonb,
  started_at   timestamptz not null default now(),
  finished_at  timestamptz,
  check ((subject = 'user') = (user_id is not null))
);
create index erasure_receipts_tenant on erasure_receipts (tenant_id, started_at desc);

-- A tenant's admin reads its own receipts; writing them is the erasure's (the operator's pool).
grant select on erasure_receipts to brainops_tenant;
alter table erasure_receipts enable row level security;
create policy tenant_rows on erasure_receipts for select to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true));

-- Down Migration
drop policy tenant_rows on erasure_receipts;
drop table erasure_receipts;
revoke delete on memory_entry_versions from brainops_tenant;
