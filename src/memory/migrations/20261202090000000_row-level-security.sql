-- Up Migration
-- Row-level security on every tenant-owned table. Tenant-facing reads and writes run as the role
-- brainops_tenant with the tenant in the setting brainops.tenant_id (src/memory/tenant-scope.ts):
-- a query there that forgets its WHERE still sees only that tenant's rows, plus `global` entries
-- (operator-written, readable, not writable). The role that owns the tables (the one migrating,
-- which the application connects as) is not subject to these policies: operator and maintenance
-- paths — migrations, learning cycles, expiry, embedding catch-up, the guardian, operator lists —
-- see every tenant there, and only there.

-- Roles are cluster-wide: every database migrated on the server shares this one, and two
-- databases migrating at once may both try to create it.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'brainops_tenant') then
    begin
      create role brainops_tenant nologin nosuperuser nobypassrls;
    exception
      when duplicate_object or unique_violation then null;
      when insufficient_privilege then
        raise exception using
          message = format('role brainops_tenant is missing and %I may not create it', current_user),
          hint = format('as a role with CREATEROLE run: create role brainops_tenant nologin nosuperuser nobypassrls; grant brainops_tenant to %I;', current_user);
    end;
  end if;
  -- SET ROLE needs membership (a superuser has it implicitly).
  if not pg_has_role(current_user, 'brainops_tenant', 'member') then
    begin
      execute format('grant brainops_tenant to %I', current_user);
    exception
      when insufficient_privilege then
        raise exception using
          message = format('%I is not a member of role brainops_tenant and may not grant it', current_user),
          hint = format('as a role with CREATEROLE run: grant brainops_tenant to %I;', current_user);
    end;
  end if;
end
$$;

grant usage on schema public to brainops_tenant;
grant select, insert, update, delete on
  memory_entries, memory_archive, sessions, session_messages, session_tasks, handoffs,
  quarantined_messages, entry_embeddings, message_embeddings, work_history, error_events
  to brainops_tenant;
grant usage, select on sequence quarantined_messages_id_seq, work_history_id_seq, error_events_id_seq
  to brainops_tenant;

-- Entries and archived entries: a tenant's own rows, and global ones (no tenant) to read.
alter table memory_entries enable row level security;
create policy tenant_rows on memory_entries to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));
create policy shared_reads on memory_entries for select to brainops_tenant
  using (tenant_id is null and scope = 'global');

alter table memory_archive enable row level security;
create policy tenant_rows on memory_archive to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));
create policy shared_reads on memory_archive for select to brainops_tenant
  using (tenant_id is null and scope = 'global');

-- An embedding of an entry with no tenant is readable when its entry is (the subquery runs under
-- the entries' policies).
alter table entry_embeddings enable row level security;
create policy tenant_rows on entry_embeddings to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));
create policy shared_reads on entry_embeddings for select to brainops_tenant
  using (tenant_id is null and exists (select 1 from memory_entries e where e.id = entry_id));

-- The rest hold one tenant's rows each; rows of no tenant (system work, system errors) are the
-- operator's.
alter table sessions enable row level security;
create policy tenant_rows on sessions to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));
alter table session_messages enable row level security;
create policy tenant_rows on session_messages to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));
alter table session_tasks enable row level security;
create policy tenant_rows on session_tasks to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));
alter table handoffs enable row level security;
create policy tenant_rows on handoffs to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));
alter table quarantined_messages enable row level security;
create policy tenant_rows on quarantined_messages to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));
alter table message_embeddings enable row level security;
create policy tenant_rows on message_embeddings to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));
alter table work_history enable row level security;
create policy tenant_rows on work_history to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));
alter table error_events enable row level security;
create policy tenant_rows on error_events to brainops_tenant
  using (tenant_id = current_setting('brainops.tenant_id', true))
  with check (tenant_id = current_setting('brainops.tenant_id', true));

-- Down Migration
-- The role stays: other databases on the server may use it.
drop policy tenant_rows on error_events;
alter table error_events disable row level security;
drop policy tenant_rows on work_history;
alter table work_history disable row level security;
drop policy tenant_rows on message_embeddings;
alter table message_embeddings disable row level security;
drop policy tenant_rows on quarantined_messages;
alter table quarantined_messages disable row level security;
drop policy tenant_rows on handoffs;
alter table handoffs disable row level security;
drop policy tenant_rows on session_tasks;
alter table session_tasks disable row level security;
drop policy tenant_rows on session_messages;
alter table session_messages disable row level security;
drop policy tenant_rows on sessions;
alter table sessions disable row level security;
drop policy shared_reads on entry_embeddings;
drop policy tenant_rows on entry_embeddings;
alter table entry_embeddings disable row level security;
drop policy shared_reads on memory_archive;
drop policy tenant_rows on memory_archive;
alter table memory_archive disable row level security;
drop policy shared_reads on memory_entries;
drop policy tenant_rows on memory_entries;
alter table memory_entries disable row level security;
revoke all on
  memory_entries, memory_archive, sessions, session_messages, session_tasks, handoffs,
  quarantined_messages, entry_embeddings, message_embeddings, work_history, error_events
  from brainops_tenant;
revoke usage, select on sequence quarantined_messages_id_seq, work_history_id_seq, error_events_id_seq
  from brainops_tenant;
revoke usage on schema public from brainops_tenant;
