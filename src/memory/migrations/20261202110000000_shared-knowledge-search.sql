-- Up Migration
-- A tenant's search also looks in shared knowledge (entries of no tenant, scope `global`). That part
-- is gathered by its own index scan: the (tenant, words) index cannot find rows of no tenant, and
-- without this index the words' postings of the whole table were AND-ed with every untenanted row.
-- Only shared entries are written to it, so other writes do not pay for it.
create index memory_entries_search_shared on memory_entries using gin (search_vector)
  where tenant_id is null and scope = 'global';

-- Down Migration
drop index memory_entries_search_shared;
