-- Up Migration
-- An entry is also found by the words of its value: the contract's entries often carry their meaning
-- in `value` alone (`{"theme": "dark"}` is found by "dark theme"). The value's keys and string leaves
-- are words of the lowest weight (D), after title (A), content (B), key and tags (C). A value whose
-- JSON text is over 64 KiB adds no words: a tsvector holds at most 1 MB, and a write must never fail
-- for the size of its index.
alter table memory_entries drop column search_vector;
alter table memory_entries add column search_vector tsvector generated always as (
  setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
  setweight(to_tsvector('english', coalesce(content, '')), 'B') ||
  setweight(to_tsvector('simple', replace(key, '/', ' ')), 'C') ||
  setweight(array_to_tsvector(tags), 'C') ||
  setweight(
    case when octet_length(value::text) <= 65536
      then jsonb_to_tsvector('english', value, '["string", "key"]')
      else ''::tsvector end,
    'D')
) stored;
create index memory_entries_search on memory_entries using gin (tenant_id, search_vector);
create index memory_entries_search_shared on memory_entries using gin (search_vector)
  where tenant_id is null and scope = 'global';

-- Down Migration
alter table memory_entries drop column search_vector;
alter table memory_entries add column search_vector tsvector generated always as (
  setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
  setweight(to_tsvector('english', coalesce(content, '')), 'B') ||
  setweight(to_tsvector('simple', replace(key, '/', ' ')), 'C') ||
  setweight(array_to_tsvector(tags), 'C')
) stored;
create index memory_entries_search on memory_entries using gin (tenant_id, search_vector);
create index memory_entries_search_shared on memory_entries using gin (search_vector)
  where tenant_id is null and scope = 'global';
