-- Up Migration
-- Messages are data: the API writes a session message straight to session_messages, numbering it
-- from the session row's counter in the same statement (`update sessions set next_seq = next_seq
-- + n … returning`), so seqs are gap-free and in commit order whoever writes them. Existing
-- sessions continue after their highest stored seq.
alter table sessions add column next_seq bigint not null default 1;
update sessions s set next_seq = m.max_seq + 1
from (select tenant_id, session_id, max(seq) as max_seq from session_messages group by tenant_id, session_id) m
where m.tenant_id = s.tenant_id and m.session_id = s.session_id;

-- Down Migration
alter table sessions drop column next_seq;
