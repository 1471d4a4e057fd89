-- Up Migration
-- Rate-limit counters shared by every API server over this database: one row per key and fixed
-- window (a request adds to its window's count in one upsert), so N servers give a key its limit
-- once, not N times. The rows hold counts by key id, no tenant data: an operator-owned table
-- without row-level security, like api_keys. Windows that have ended are deleted by the servers.
create table rate_limits (
  window_start timestamptz not null,
  key          text not null,
  count        integer not null,
  primary key (window_start, key)
);
