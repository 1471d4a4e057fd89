-- Up Migration
-- The daily cycle deletes access-log rows older than the retention (BRAINOPS_API_ACCESS_LOG_DAYS),
-- oldest first in bounded batches. The (key, at) and (tenant, at) indexes cannot find rows by age
-- alone, so without this index every batch, and the last one that finds nothing, read the whole table.
create index if not exists api_access_log_at on api_access_log (at);

-- Down Migration
drop index if exists api_access_log_at;
