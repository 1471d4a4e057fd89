/**
 * SQL of the daily memory optimisation: archive what
 * expired or belonged to an ended session, promote and demote layers, merge exact duplicates,
 * refresh statistics. Every step is relative to the window's end (never `now()`), moves rows in
 * bounded batches, and tags what it did with the window's key (`memory_archive.archived_by`,
 * `memory_layer_changes.window_key`), so the report of a window counts the same rows however
 * often the window runs. Nothing is deleted: moved rows go to `memory_archive`.
 */
import type { MaintenanceCounts } from '../contracts/learning';
import { operatorRepository, type Connections, type Queryable } from './connections';
import { archiveMovedSql } from './entries';

/** One bounded step of a window's optimisation: relative to `windowEnd`, tagged `windowKey`, at most `limit` rows. */
export interface MaintenanceStep {
  windowEnd: Date;
  windowKey: string;
  limit: number;
}

/** When an entry is promoted `short_term` → `long_term`, and demoted back. */
export const LAYER_RULES = Object.freeze({
  /** Promote when read at least this often… */
  promoteAccessCount: 10,
  /** …or at least this important, or of priority `critical`. */
  promoteImportance: 0.8,
  /** Demote a `long_term` entry not read or changed for this many days… */
  demoteIdleDays: 90,
  /** …whose importance is below this and that was read at most once. */
  demoteImportanceBelow: 0.3,
});

/** Moves up to `limit` `session`-layer entries of sessions that ended by `windowEnd`. */
export async function archiveEndedSessionEntries(
  db: Queryable,
  { windowEnd, windowKey, limit }: MaintenanceStep,
): Promise<number> {
  const result = await db.query(
    `with moved as (
       delete from memory_entries where id in (
         select m.id from memory_entries m
         join sessions s on s.tenant_id = m.tenant_id and s.session_id = m.session_id
         where m.layer = 'session' and s.status = 'ended' and s.ended_at <= $1
         limit $3 for update of m skip locked)
       returning *)
     ${archiveMovedSql(`'session ended'`, '$2')}`,
    [windowEnd, windowKey, limit],
  );
  return result.rowCount ?? 0;
}

/** Moves up to `limit` entries that expired by `windowEnd`. */
export async function archiveEntriesExpiredBy(
  db: Queryable,
  { windowEnd, windowKey, limit }: MaintenanceStep,
): Promise<number> {
  const result = await db.query(
    `with moved as (
       delete from memory_entries where id in (
         select id from memory_entries where expires_at <= $1 order by expires_at limit $3 for update skip locked)
       returning *)
     ${archiveMovedSql(`'expired'`, '$2')}`,
    [windowEnd, windowKey, limit],
  );
  return result.rowCount ?? 0;
}

/** One layer change: which entries move from `from` to `to`, and their new expiry. */
interface LayerRule {
  from: 'short_term' | 'long_term';
  to: 'short_term' | 'long_term';
  /** Extra condition; `$3`, `$4` are `params`. */
  where: string;
  /** New `expires_at` (`$1` is the window's end). */
  expires: string;
  reason: string;
  params: [unknown, unknown];
}

const PROMOTE: LayerRule = {
  from: 'short_term',
  to: 'long_term',
  where: `(access_count >= $3 or importance >= $4 or priority = 'critical')`,
  expires: `greatest(coalesce(m.expires_at, $1), $1::timestamptz + interval '365 days')`,
  reason: 'often read or important',
  params: [LAYER_RULES.promoteAccessCount, LAYER_RULES.promoteImportance],
};

const DEMOTE: LayerRule = {
  from: 'long_term',
  to: 'short_term',
  where: `importance < $3 and access_count <= 1 and priority in ('low', 'medium')
    and coalesce(last_accessed_at, updated_at) < $1::timestamptz - make_interval(days => $4)`,
  expires: `least(coalesce(m.expires_at, 'infinity'), $1::timestamptz + interval '30 days')`,
  reason: 'idle and unimportant',
  params: [LAYER_RULES.demoteImportanceBelow, LAYER_RULES.demoteIdleDays],
};

/** Moves up to `limit` live entries by `rule`, recording each change; returns how many changed. */
async function changeLayer(
  db: Queryable,
  rule: LayerRule,
  windowEnd: Date,
  windowKey: string,
  limit: number,
): Promise<number> {
  const result = await db.query(
    `with cand as (
       select id from memory_entries
       where layer = '${rule.from}' and archived_at is null and (expires_at is null or expires_at > $1) and ${rule.where}
       limit $5 for update skip locked),
     changed as (
       update memory_entries m set layer = '${rule.to}', expires_at = ${rule.expires},
         updated_at = now(), sync_version = m.sync_version + 1
       from cand where m.id = cand.id returning m.id, m.key)
     insert into memory_layer_changes (window_key, entry_id, key, from_layer, to_layer, reason)
     select $2, id, key, '${rule.from}', '${rule.to}', '${rule.reason}' from changed
     on conflict do nothing`,
    [windowEnd, windowKey, ...rule.params, limit],
  );
  return result.rowCount ?? 0;
}

/** Promotes up to `limit` often-read or important `short_term` entries to `long_term` (expiry a year after the window). */
export function promoteEntries(db: Queryable, { windowEnd, windowKey, limit }: MaintenanceStep): Promise<number> {
  return changeLayer(db, PROMOTE, windowEnd, windowKey, limit);
}

/** Demotes up to `limit` idle, unimportant `long_term` entries to `short_term` (expiry at most 30 days after the window). */
export function demoteEntries(db: Queryable, { windowEnd, windowKey, limit }: MaintenanceStep): Promise<number> {
  return changeLayer(db, DEMOTE, windowEnd, windowKey, limit);
}

/**
 * Merges up to `limit` groups of exact duplicates: live entries with the same type, layer, scope,
 * owners, value, title and content under different keys. The oldest survives and takes over the
 * others' reads, tags and keys (`metadata.mergedKeys`); the others move to the archive with
 * reason `duplicate of <survivor id>`. Returns how many entries were merged away.
 */
export async function mergeDuplicateEntries(
  db: Queryable,
  { windowEnd, windowKey, limit }: MaintenanceStep,
): Promise<number> {
  const result = await db.query<{ merged: number }>(
    `with groups as (
       select (array_agg(id order by created_at, id))[1] as keep, (array_agg(id order by created_at, id))[2:] as dups
       from memory_entries
       where archived_at is null and (expires_at is null or expires_at > $1)
       group by memory_type, layer, scope, tenant_id, user_id, session_id, agent_id,
         md5(value::text), md5(coalesce(title, '') || E'\\x1f' || coalesce(content, ''))
       having count(*) > 1
       limit $3),
     pairs as (select keep, unnest(dups) as dup from groups),
     moved as (delete from memory_entries m using pairs where m.id = pairs.dup returning m.*, pairs.keep),
     archived as (${archiveMovedSql(`'duplicate of ' || keep::text`, '$2')} returning 1),
     agg as (select keep, sum(access_count) as reads, max(last_accessed_at) as last_read,
               jsonb_agg(key order by key) as keys from moved group by keep),
     tag_union as (select keep, array_agg(distinct t) as tags from moved, unnest(tags) as t group by keep),
     survivors as (
       update memory_entries m set access_count = m.access_count + agg.reads,
         last_accessed_at = greatest(m.last_accessed_at, agg.last_read),
         tags = (select coalesce(array_agg(distinct t), '{}') from unnest(m.tags || coalesce(tag_union.tags, '{}')) as t),
         metadata = m.metadata || jsonb_build_object('mergedKeys', coalesce(m.metadata->'mergedKeys', '[]'::jsonb) || agg.keys),
         updated_at = now(), sync_version = m.sync_version + 1
       from agg left join tag_union using (keep)
       where m.id = agg.keep returning 1)
     select (select count(*) from archived)::int as merged, (select count(*) from survivors)::int as survivors`,
    [windowEnd, windowKey, limit],
  );
  return result.rows[0]?.merged ?? 0;
}

/** Refreshes planner statistics of the memory tables (ANALYZE). Returns the tables analysed. */
export async function analyzeMemoryTables(db: Queryable): Promise<string[]> {
  const tables = [
    'memory_entries',
    'memory_archive',
    'work_history',
    'error_events',
    'agent_performance',
    'session_messages',
    'knowledge_base',
  ];
  for (const table of tables) await db.query(`analyze ${table}`);
  return tables;
}

/** What a window's optimisation did, counted from what it tagged. */
export async function maintenanceCounts(
  db: Queryable,
  { windowKey }: { windowKey: string },
): Promise<MaintenanceCounts> {
  const result = await db.query<MaintenanceCounts>(
    `select
       (select count(*) from memory_archive where archived_by = $1 and archive_reason = 'expired')::int as "archivedExpired",
       (select count(*) from memory_archive where archived_by = $1 and archive_reason = 'session ended')::int as "archivedSessionEnded",
       (select count(*) from memory_archive where archived_by = $1 and starts_with(archive_reason, 'duplicate of '))::int as "mergedDuplicates",
       (select count(*) from memory_layer_changes where window_key = $1 and to_layer = 'long_term')::int as promoted,
       (select count(*) from memory_layer_changes where window_key = $1 and to_layer = 'short_term')::int as demoted`,
    [windowKey],
  );
  return result.rows[0]!;
}

/** The daily memory optimisation, step by bounded step (operator work: it spans every tenant). */
export function maintenanceRepository(db: Connections) {
  return operatorRepository(db, {
    archiveEndedSessionEntries,
    archiveEntriesExpiredBy,
    promoteEntries,
    demoteEntries,
    mergeDuplicateEntries,
    analyzeMemoryTables: (q: Queryable) => analyzeMemoryTables(q),
    maintenanceCounts,
  });
}
export type MaintenanceRepository = ReturnType<typeof maintenanceRepository>;
