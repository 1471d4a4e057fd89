-- Every tenant-owned row carries its tenant: error events too (an activity of a tenant's workflow
-- that failed, an error a tenant reported), so errors lists and the brief filter by it.
alter table error_events add column if not exists tenant_id text;
create index if not exists error_events_tenant on error_events (tenant_id, occurred_at desc);
create index if not exists work_history_tenant on work_history (tenant_id, finished_at desc);
