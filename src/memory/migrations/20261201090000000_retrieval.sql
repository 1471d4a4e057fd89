-- Up Migration
-- Retrieval: session messages are searchable by their words like memory entries, and entries and
-- messages get embeddings, computed after the write by the embedding catch-up workflow (never on
-- the write path). An embedding belongs to one model: a new model embeds everything again into
-- its own rows, and searches compare only vectors of the model they embed the query with.

-- A search always stays in one tenant: a GIN index over (tenant, words) finds a tenant's documents
-- holding a word by intersecting two posting lists, instead of AND-ing a bitmap of every document
-- holding the word with a bitmap of every document of the tenant (btree_gin ships with
-- PostgreSQL's contrib modules; PostgreSQL docs, "btree_gin").
create extension if not exists btree_gin;

alter table session_messages
  add column search_vector tsvector generated always as (to_tsvector('english', content)) stored,
  -- When the row was written (created_at is when the session accepted the message, which can be
  -- earlier): the catch-up reads messages in the order they were stored.
  add column stored_at timestamptz not null default now();
create index session_messages_search on session_messages using gin (tenant_id, search_vector);
-- The same for entries; the composite index also serves searches by words alone.
drop index memory_entries_search;
create index memory_entries_search on memory_entries using gin (tenant_id, search_vector);
create index session_messages_stored on session_messages (stored_at, tenant_id, session_id, seq);

-- The catch-up reads entries in the order they were last written.
create index memory_entries_updated on memory_entries (updated_at, id);
-- A hit's conversational neighbours: the entries of its session written just before and after it.
drop index memory_entries_session;
create index memory_entries_session on memory_entries (session_id, created_at, id) where session_id is not null;

-- Vectors are float4, little-endian, unit length: `dimensions` × 4 bytes.
create table entry_embeddings (
  model          text not null,
  entry_id       uuid not null references memory_entries (id) on delete cascade,
  tenant_id      text,
  -- The entry's sync_version that was embedded: a later write makes the embedding stale.
  source_version integer not null,
  dimensions     integer not null check (dimensions between 1 and 8192),
  vector         bytea not null check (length(vector) = dimensions * 4),
  computed_at    timestamptz not null default clock_timestamp(),
  primary key (model, entry_id)
);
create index entry_embeddings_loaded on entry_embeddings (model, tenant_id, computed_at);

create table message_embeddings (
  model       text not null,
  tenant_id   text not null,
  session_id  text not null,
  seq         bigint not null,
  dimensions  integer not null check (dimensions between 1 and 8192),
  vector      bytea not null check (length(vector) = dimensions * 4),
  computed_at timestamptz not null default clock_timestamp(),
  primary key (model, tenant_id, session_id, seq),
  foreign key (tenant_id, session_id, seq) references session_messages on delete cascade
);
create index message_embeddings_loaded on message_embeddings (model, tenant_id, computed_at);

-- How far the catch-up of each model has read each source (keyset: time, then key).
create table embedding_progress (
  model      text not null,
  source     text not null check (source in ('entries', 'messages')),
  cursor_at  timestamptz not null,
  cursor_key text not null,
  embedded   bigint not null default 0,
  updated_at timestamptz not null default now(),
  primary key (model, source)
);

-- Down Migration
drop table embedding_progress;
drop table message_embeddings;
drop table entry_embeddings;
drop index memory_entries_session;
create index memory_entries_session on memory_entries (session_id) where session_id is not null;
drop index memory_entries_updated;
drop index session_messages_stored;
drop index session_messages_search;
alter table session_messages drop column stored_at, drop column search_vector;
drop index memory_entries_search;
create index memory_entries_search on memory_entries using gin (search_vector);
