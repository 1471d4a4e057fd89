/**
 * SQL of the console's memory pages: a keyset page of entries (newest first, filtered), one entry,
 * its earlier versions (`memory_entry_versions`), its layer changes and its archived incarnations.
 * Pages continue after the last row seen (`updated_at`, `id`), so any page costs what one page
 * costs, however large the table (no offset, no count). A tenant's reads run under its row-level
 * security (`store.console`) and name the tenant, so the (tenant, updated_at) index serves them.
 */
import type { Layer, MemoryEntry, MemoryType, Scope } from '../contracts/memory';
import { Conditions } from './conditions';
import type { Queryable } from './connections';
import { ENTRY_COLUMNS } from './entries';

/** Where a page of entries continues: after this entry in (updated_at desc, id desc) order. */
export interface EntryCursor {
  updatedAt: Date;
  id: string;
}

/** Filters of the entries page. */
export interface EntryBrowse {
  /** A tenant's entries; `null` with `noTenant` entries of no tenant; `null` alone every entry (operator). */
  tenantId: string | null;
  noTenant?: boolean;
  layer?: Layer;
  scope?: Scope;
  memoryType?: MemoryType;
  keyPrefix?: string;
  after?: EntryCursor;
  limit: number;
}

/** A row of the entries page (no value or content: the entry page shows those). */
export type EntryListRow = Pick<
  MemoryEntry,
  | 'id'
  | 'key'
  | 'title'
  | 'memoryType'
  | 'layer'
  | 'scope'
  | 'tenantId'
  | 'sessionId'
  | 'agentId'
  | 'updatedAt'
  | 'accessCount'
  | 'syncVersion'
  | 'expiresAt'
>;

/** One page of live entries, newest first; `limit + 1` rows are read to tell whether more follow. */
export async function browseEntries(db: Queryable, b: EntryBrowse): Promise<{ rows: EntryListRow[]; more: boolean }> {
  const where = new Conditions();
  if (b.tenantId !== null) where.bind((p) => `tenant_id = ${p}`, b.tenantId);
  else if (b.noTenant) where.add('tenant_id is null');
  if (b.layer) where.bind((p) => `layer = ${p}`, b.layer);
  if (b.scope) where.bind((p) => `scope = ${p}`, b.scope);
  if (b.memoryType) where.bind((p) => `memory_type = ${p}`, b.memoryType);
  if (b.keyPrefix) where.bind((p) => `starts_with(key, ${p})`, b.keyPrefix);
  if (b.after) {
    const at = where.param(b.after.updatedAt);
    where.bind((p) => `(updated_at, id) < (${at}, ${p}::uuid)`, b.after.id);
  }
  where.add('archived_at is null and (expires_at is null or expires_at > now())');
  const limit = where.param(b.limit + 1);
  const result = await db.query<EntryListRow>(
    `select id, key, title, memory_type as "memoryType", layer, scope, tenant_id as "tenantId",
       session_id as "sessionId", agent_id as "agentId", updated_at as "updatedAt",
       access_count::float8 as "accessCount", sync_version as "syncVersion", expires_at as "expiresAt"
     from memory_entries where ${where.sql}
     order by updated_at desc, id desc limit ${limit}`,
    where.params,
  );
  return { rows: result.rows.slice(0, b.limit), more: result.rows.length > b.limit };
}

/** One entry by id, with the write that produced its current version; null when it is not visible. */
export async function entryById(
  db: Queryable,
  id: string,
): Promise<(MemoryEntry & { lastWriteId: string | null }) | null> {
  const result = await db.query<MemoryEntry & { lastWriteId: string | null }>(
    `select ${ENTRY_COLUMNS}, last_write_id as "lastWriteId" from memory_entries where id = $1`,
    [id],
  );
  return result.rows[0] ?? null;
}

/** An earlier version of an entry: what told it apart, and when it was written and replaced. */
export interface EntryVersion {
  syncVersion: number;
  layer: string;
  memoryType: string;
  title: string | null;
  valueBytes: number;
  contentChars: number;
  valueSha256: string;
  writeId: string | null;
  writtenAt: Date;
  replacedAt: Date;
}

/** Earlier versions of an entry, newest first (at most `limit`). */
export async function entryVersions(db: Queryable, entryId: string, limit: number): Promise<EntryVersion[]> {
  const result = await db.query<EntryVersion>(
    `select sync_version as "syncVersion", layer, memory_type as "memoryType", title, value_bytes as "valueBytes",
       content_chars as "contentChars", value_sha256 as "valueSha256", write_id as "writeId",
       written_at as "writtenAt", replaced_at as "replacedAt"
     from memory_entry_versions where entry_id = $1 order by sync_version desc limit $2`,
    [entryId, limit],
  );
  return result.rows;
}

/** The size and digest of the current value, to compare with earlier versions. */
export async function currentValueDigest(
  db: Queryable,
  entryId: string,
): Promise<{ valueBytes: number; valueSha256: string } | null> {
  const result = await db.query<{ valueBytes: number; valueSha256: string }>(
    `select octet_length(value::text) as "valueBytes", encode(sha256(convert_to(value::text, 'UTF8')), 'hex') as "valueSha256"
     from memory_entries where id = $1`,
    [entryId],
  );
  return result.rows[0] ?? null;
}

/**
 * Promotions and demotions of an entry by the daily cycle, oldest first. `memory_layer_changes`
 * is an operator table: call this on the operator's pool, for an entry the viewer was shown.
 */
export async function entryLayerChanges(
  db: Queryable,
  entryId: string,
): Promise<{ fromLayer: string; toLayer: string; reason: string; changedAt: Date }[]> {
  const result = await db.query(
    `select from_layer as "fromLayer", to_layer as "toLayer", reason, changed_at as "changedAt"
     from memory_layer_changes where entry_id = $1 order by changed_at limit 100`,
    [entryId],
  );
  return result.rows as never;
}

/** Archived entries of the same key and tenant (deleted, expired or merged earlier), newest first. */
export async function archivedIncarnations(
  db: Queryable,
  key: string,
  tenantId: string | null,
  limit: number,
): Promise<{ id: string; scope: string; archivedAt: Date; reason: string; syncVersion: number }[]> {
  const result = await db.query(
    `select id, scope, archived_at as "archivedAt", archive_reason as reason, sync_version as "syncVersion"
     from memory_archive where key = $1 and tenant_id is not distinct from $2 order by archived_at desc limit $3`,
    [key, tenantId, limit],
  );
  return result.rows as never;
}
