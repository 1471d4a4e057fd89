-- Up Migration
-- Every session message has a stable idempotency key, unique per session: the caller's messageId
-- or one the workflow derives when it first receives the message. Old rows without one get
-- `legacy:<seq>`; a messageId stored twice (before this index) keeps its first row's key and the
-- later rows get `<messageId>~dup-<seq>`, so no row is lost.
update session_messages set message_id = 'legacy:' || seq where message_id is null;
update session_messages m set message_id = m.message_id || '~dup-' || m.seq
from (
  select tenant_id, session_id, seq,
    row_number() over (partition by tenant_id, session_id, message_id order by seq) as n
  from session_messages
) d
where d.tenant_id = m.tenant_id and d.session_id = m.session_id and d.seq = m.seq and d.n > 1;
create unique index session_messages_message_id on session_messages (tenant_id, session_id, message_id);

-- Where a workflow chain (its first run id) opened the session: a reset opens it again and must
-- number from the same place, not from the rows its first attempt already stored.
alter table sessions add column opened_by_chain text;
alter table sessions add column opened_base jsonb;

-- Dead letters: session messages that failed validation in the workflow or that PostgreSQL
-- refused. The payload is a bounded, escaped text rendering (NUL and lone surrogates escaped).
create table quarantined_messages (
  id             bigint generated always as identity primary key,
  tenant_id      text not null,
  session_id     text not null,
  quarantine_key text not null,
  seq            bigint,
  message_id     text,
  payload        text not null,
  reason         text not null,
  source         text not null check (source in ('validation', 'database')),
  quarantined_at timestamptz not null default now(),
  unique (tenant_id, session_id, quarantine_key)
);
create index quarantined_messages_session on quarantined_messages (tenant_id, session_id, quarantined_at desc);

-- Down Migration
drop table quarantined_messages;
alter table sessions drop column opened_base;
alter table sessions drop column opened_by_chain;
drop index session_messages_message_id;
