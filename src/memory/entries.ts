/**
 * SQL of memory entries. Functions receive a `Queryable` (pool or client) and never own the pool.
 * Inputs are already parsed by the edge that received them (`src/contracts/memory.ts`).
 */
import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';
import { StaleWriteError } from '../contracts/errors';
import type { z } from 'zod';
import type {
  ListCursor,
  listMemoryInputSchema,
  MemoryEntry,
  memoryIdentitySchema,
  MemoryStats,
  storeMemoryInputSchema,
} from '../contracts/memory';
import { Conditions } from './conditions';

import type { Queryable } from './connections';

export type { Queryable };
export type StoreInput = z.output<typeof storeMemoryInputSchema>;
export type Identity = z.output<typeof memoryIdentitySchema>;
export type ListInput = z.output<typeof listMemoryInputSchema>;

const statementNames = new Map<string, string>();

/**
 * A named (server-side prepared) statement for hot queries, so PostgreSQL parses and plans each
 * text once per connection. The name is derived from the text, so equal texts share it.
 */
function prepared(text: string, values: unknown[]): QueryConfig {
  let name = statementNames.get(text);
  if (!name) {
    name = `brainops_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

/** snake_case columns renamed to camelCase once, here. */
export const ENTRY_COLUMNS = `id, key, value, title, content, memory_type as "memoryType", layer, scope, priority,
  importance, category, source, tags, tenant_id as "tenantId", user_id as "userId",
  session_id as "sessionId", agent_id as "agentId", metadata, created_at as "createdAt",
  updated_at as "updatedAt", expires_at as "expiresAt", access_count::float8 as "accessCount",
  last_accessed_at as "lastAccessedAt", sync_version as "syncVersion", archived_at as "archivedAt"`;

const OWNER_COLUMNS = ['tenant_id', 'user_id', 'session_id', 'agent_id'] as const;
export const LIVE = `archived_at is null and (expires_at is null or expires_at > now())`;

function ownerValues(identity: Pick<Identity, 'tenantId' | 'userId' | 'sessionId' | 'agentId'>) {
  return [identity.tenantId, identity.userId, identity.sessionId, identity.agentId];
}

/**
 * `key = $1 and scope = $2 and <owners>`, with `is null` for absent owners so that the unique
 * btree index serves the lookup (`is not distinct from` would not use it).
 */
function identityPredicate(identity: Identity): { sql: string; params: unknown[] } {
  const params: unknown[] = [identity.key, identity.scope];
  const parts = ['key = $1', 'scope = $2'];
  ownerValues(identity).forEach((value, i) => {
    if (value === undefined) {
      parts.push(`${OWNER_COLUMNS[i]} is null`);
    } else {
      params.push(value);
      parts.push(`${OWNER_COLUMNS[i]} = $${params.length}`);
    }
  });
  return { sql: parts.join(' and '), params };
}

function entryParams(input: StoreInput, expiresAt: Date | null): unknown[] {
  return [
    input.key,
    JSON.stringify(input.value),
    input.title ?? null,
    input.content ?? null,
    input.memoryType,
    input.layer,
    input.scope,
    input.priority,
    input.importance,
    input.category ?? null,
    input.source ?? null,
    input.tags,
    ...ownerValues(input).map((v) => v ?? null),
    JSON.stringify(input.metadata),
    expiresAt,
    input.writeId ?? null,
  ];
}

/** The columns a write sets, in the order of `entryParams`. */
const WRITTEN = [
  'key',
  'value',
  'title',
  'content',
  'memory_type',
  'layer',
  'scope',
  'priority',
  'importance',
  'category',
  'source',
  'tags',
  'tenant_id',
  'user_id',
  'session_id',
  'agent_id',
  'metadata',
  'expires_at',
  'last_write_id',
] as const;
const WRITTEN_COLUMNS = WRITTEN.join(', ');

/** What a write to an existing identity does: value replaced, metadata merged, one more version. */
const ON_CONFLICT = `
  on conflict (key, scope, tenant_id, user_id, session_id, agent_id) do update set
    value = excluded.value, title = excluded.title, content = excluded.content,
    memory_type = excluded.memory_type, layer = excluded.layer, priority = excluded.priority,
    importance = excluded.importance, category = excluded.category, source = excluded.source,
    tags = excluded.tags, metadata = m.metadata || excluded.metadata, expires_at = excluded.expires_at,
    last_write_id = excluded.last_write_id, updated_at = now(), sync_version = m.sync_version + 1
  where excluded.last_write_id is null or m.last_write_id is distinct from excluded.last_write_id
  returning ${ENTRY_COLUMNS}`;

const UPSERT = `
  insert into memory_entries as m (${WRITTEN_COLUMNS})
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
  ${ON_CONFLICT}`;

/** The rows of one JSON array parameter (`entryParams` by column name), typed as their columns. */
const UPSERT_MANY = `
  insert into memory_entries as m (${WRITTEN_COLUMNS})
  select key, value::jsonb, title, content, memory_type, layer, scope, priority, importance, category,
    source, tags, tenant_id, user_id, session_id, agent_id, metadata::jsonb, expires_at, last_write_id
  from jsonb_to_recordset($1::jsonb) as r(key text, value text, title text, content text, memory_type text,
    layer text, scope text, priority text, importance real, category text, source text, tags text[],
    tenant_id text, user_id text, session_id text, agent_id text, metadata text, expires_at timestamptz,
    last_write_id text)
  ${ON_CONFLICT}`;

const UPDATE_AT_VERSION = `
  update memory_entries as m set
    value = $2, title = $3, content = $4, memory_type = $5, layer = $6, priority = $8,
    importance = $9, category = $10, source = $11, tags = $12, metadata = m.metadata || $17::jsonb,
    expires_at = $18, last_write_id = $19, updated_at = now(), sync_version = m.sync_version + 1
  where m.key = $1 and m.scope = $7 and %OWNERS% and m.sync_version = $20
  returning ${ENTRY_COLUMNS}`;

/** Owner predicate over the owner parameters $13..$16 of `entryParams`, index-friendly for NULLs. */
function ownerParamPredicate(input: StoreInput): string {
  return ownerValues(input)
    .map((value, i) => {
      const column = `m.${OWNER_COLUMNS[i]}`;
      const param = `$${13 + i}::text`;
      return value === undefined ? `${column} is null and ${param} is null` : `${column} = ${param}`;
    })
    .join(' and ');
}

/**
 * Inserts or replaces an entry (value replaced, metadata merged, `sync_version` + 1).
 * A repeat of the write that produced the stored version (same `writeId`) returns it unchanged.
 * @throws StaleWriteError when `expectedVersion` does not match the stored version.
 */
export async function upsertEntry(db: Queryable, input: StoreInput, expiresAt: Date | null): Promise<MemoryEntry> {
  const params = entryParams(input, expiresAt);
  if (input.expectedVersion !== undefined) {
    const sql = UPDATE_AT_VERSION.replace('%OWNERS%', ownerParamPredicate(input));
    const updated = await db.query<MemoryEntry>(sql, [...params, input.expectedVersion]);
    if (updated.rows[0]) return updated.rows[0];
  } else {
    const written = await db.query<MemoryEntry>(prepared(UPSERT, params));
    if (written.rows[0]) return written.rows[0];
  }
  return unwrittenEntry(db, input);
}

/**
 * For a write that changed no row: the stored entry when this exact write already happened (a
 * retried activity, same `writeId`).
 * @throws StaleWriteError otherwise: the stored version is not the expected one.
 */
export async function unwrittenEntry(db: Queryable, input: StoreInput): Promise<MemoryEntry> {
  const current = await selectEntry(db, input, { live: false });
  if (current && input.writeId !== undefined && (await lastWriteId(db, current.id)) === input.writeId) {
    return current;
  }
  throw new StaleWriteError(input.key, input.expectedVersion ?? 0, current?.syncVersion ?? null);
}

/** One identity as a string: the entries of one statement are told apart by it. */
export function identityText(identity: {
  key: string;
  scope: string;
  tenantId?: string | null;
  userId?: string | null;
  sessionId?: string | null;
  agentId?: string | null;
}): string {
  const { key, scope, tenantId, userId, sessionId, agentId } = identity;
  return JSON.stringify([key, scope, tenantId ?? null, userId ?? null, sessionId ?? null, agentId ?? null]);
}

/**
 * Inserts or replaces several entries of distinct identities in one statement (one round trip,
 * one commit), as {@link upsertEntry} does each: `result[i]` is the entry written for
 * `writes[i]`, or undefined when none was (a repeated `writeId`: see {@link unwrittenEntry}).
 * Entries without `expectedVersion` only. The rows go in the order given, so callers that sort
 * them lock rows in one order and cannot deadlock each other.
 * @throws the statement's error, which wrote nothing (one row PostgreSQL refuses fails them all).
 */
export async function upsertEntries(
  db: Queryable,
  writes: readonly { input: StoreInput; expiresAt: Date | null }[],
): Promise<(MemoryEntry | undefined)[]> {
  const rows = writes.map(({ input, expiresAt }) =>
    Object.fromEntries(entryParams(input, expiresAt).map((value, i) => [WRITTEN[i], value])),
  );
  const result = await db.query<MemoryEntry>(prepared(UPSERT_MANY, [JSON.stringify(rows)]));
  const byIdentity = new Map(result.rows.map((entry) => [identityText(entry), entry]));
  return writes.map(({ input }) => byIdentity.get(identityText(input)));
}

async function lastWriteId(db: Queryable, id: string): Promise<string | null> {
  const result = await db.query<{ lastWriteId: string | null }>(
    'select last_write_id as "lastWriteId" from memory_entries where id = $1',
    [id],
  );
  return result.rows[0]?.lastWriteId ?? null;
}

/** The entry with this identity, or null. `live` hides expired and archived entries. */
export async function selectEntry(
  db: Queryable,
  identity: Identity,
  opts: { live: boolean },
): Promise<MemoryEntry | null> {
  const where = identityPredicate(identity);
  const result = await db.query<MemoryEntry>(
    prepared(
      `select ${ENTRY_COLUMNS} from memory_entries where ${where.sql}${opts.live ? ` and ${LIVE}` : ''}`,
      where.params,
    ),
  );
  return result.rows[0] ?? null;
}

/** Adds batched accesses: `counts[i]` reads of entry `ids[i]`. */
export async function addAccesses(db: Queryable, ids: string[], counts: number[]): Promise<void> {
  await db.query(
    `update memory_entries m set access_count = m.access_count + a.n, last_accessed_at = now()
     from unnest($1::uuid[], $2::int[]) as a(id, n) where m.id = a.id`,
    [ids, counts],
  );
}

/** The filters of a list, shared by {@link listEntries} and {@link listEntryPage}. */
function listConditions(input: ListInput): Conditions {
  const where = new Conditions();
  const add = where.bind.bind(where);
  // A tenant's entries; without one, the entries of no tenant (global and system ones) — every
  // tenant's only with the operator's explicit `allTenants`.
  if (input.tenantId) add((p) => `tenant_id = ${p}`, input.tenantId);
  else if (!input.allTenants) where.add('tenant_id is null');
  if (input.userId) add((p) => `user_id = ${p}`, input.userId);
  if (input.sessionId) add((p) => `session_id = ${p}`, input.sessionId);
  if (input.agentId) add((p) => `agent_id = ${p}`, input.agentId);
  if (input.layer) add((p) => `layer = ${p}`, input.layer);
  if (input.memoryType) add((p) => `memory_type = ${p}`, input.memoryType);
  if (input.scope) add((p) => `scope = ${p}`, input.scope);
  if (input.tags?.length) add((p) => `tags @> ${p}::text[]`, input.tags);
  if (input.keyPrefix) add((p) => `starts_with(key, ${p})`, input.keyPrefix);
  if (input.before) add((p) => `updated_at < ${p}`, input.before);
  if (input.cursor) {
    // A row comparison, which the (tenant_id, updated_at desc, id desc) index serves.
    const at = where.param(input.cursor.updatedAt);
    const id = where.param(input.cursor.id);
    where.add(`(updated_at, id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  where.add(input.includeExpired ? 'archived_at is null' : LIVE);
  return where;
}

/** Entries newest first, filtered; page with `cursor` (or `before` = the last `updatedAt` seen). */
export async function listEntries(db: Queryable, input: ListInput): Promise<MemoryEntry[]> {
  return (await listEntryPage(db, input)).entries;
}

/**
 * One page of entries, newest first in a stable order (`updated_at`, then `id`), and where the
 * next page starts (undefined on the last page). One statement reads `limit + 1` rows: the extra
 * row only tells whether there is a next page.
 */
export async function listEntryPage(
  db: Queryable,
  input: ListInput,
): Promise<{ entries: MemoryEntry[]; nextCursor?: ListCursor }> {
  const where = listConditions(input);
  const limit = where.param(input.limit + 1);
  const result = await db.query<MemoryEntry & { cursorAt: string }>(
    `select ${ENTRY_COLUMNS}, to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt" from memory_entries where ${where.sql}
     order by updated_at desc, id desc limit ${limit}`,
    where.params,
  );
  const rows = result.rows.slice(0, input.limit);
  const last = rows.at(-1);
  const entries = rows.map(({ cursorAt: _cursorAt, ...entry }) => entry);
  return {
    entries,
    ...(result.rows.length > input.limit && last ? { nextCursor: { updatedAt: last.cursorAt, id: last.id } } : {}),
  };
}

/**
 * `insert into memory_archive … select … from moved`: archives the rows of a CTE named `moved`
 * (deleted entries), with the SQL expressions `reason` and `archivedBy` (who moved them).
 */
export function archiveMovedSql(reason: string, archivedBy = 'null'): string {
  return `
  insert into memory_archive (id, key, value, title, content, memory_type, layer, scope, priority,
    importance, category, source, tags, tenant_id, user_id, session_id, agent_id, metadata, created_at,
    updated_at, expires_at, access_count, last_accessed_at, sync_version, last_write_id, archive_reason, archived_by)
  select id, key, value, title, content, memory_type, layer, scope, priority, importance, category,
    source, tags, tenant_id, user_id, session_id, agent_id, metadata, created_at, updated_at,
    expires_at, access_count, last_accessed_at, sync_version, last_write_id, ${reason}, ${archivedBy}
  from moved`;
}

/** Moves one entry to `memory_archive` (see {@link deleteEntry} for a delete for good). Returns whether it existed. */
export async function archiveEntry(db: Queryable, identity: Identity, reason: string): Promise<boolean> {
  const where = identityPredicate(identity);
  const result = await db.query(
    `with moved as (delete from memory_entries where ${where.sql} returning *)
     ${archiveMovedSql(`$${where.params.length + 1}`)}`,
    [...where.params, reason],
  );
  return (result.rowCount ?? 0) > 0;
}

/** What deleting one entry removed: the entry (0 or 1), archived copies of its identity, versions. */
export interface DeletedEntry {
  entries: number;
  archived: number;
  versions: number;
  /** Ids of the rows removed, whose operator-side history (layer changes) goes next. */
  ids: string[];
}

/**
 * Deletes the entry with this identity for good — unlike {@link archiveEntry} — with the archived
 * copies of the same identity and the version history of both (its embeddings go with it: their
 * foreign key cascades). One statement, so a reader sees all of it or none.
 */
export async function deleteEntry(db: Queryable, identity: Identity): Promise<DeletedEntry> {
  const where = identityPredicate(identity);
  const result = await db.query<DeletedEntry>(
    `with gone as (delete from memory_entries where ${where.sql} returning id),
       archived as (delete from memory_archive where ${where.sql} returning id),
       versions as (
         delete from memory_entry_versions
         where entry_id in (select id from gone union all select id from archived) returning 1)
     select (select count(*) from gone)::int as entries, (select count(*) from archived)::int as archived,
       (select count(*) from versions)::int as versions,
       array(select id::text from gone union all select id::text from archived) as ids`,
    where.params,
  );
  return result.rows[0]!;
}

/** Deletes the layer-change history of these entries (operator-side: that table has no tenant). */
export async function deleteLayerChanges(db: Queryable, entryIds: readonly string[]): Promise<number> {
  if (entryIds.length === 0) return 0;
  const result = await db.query('delete from memory_layer_changes where entry_id = any($1::uuid[])', [entryIds]);
  return result.rowCount ?? 0;
}

/** Moves up to `limit` expired entries to the archive; returns how many moved. */
export async function archiveExpiredEntries(db: Queryable, limit: number): Promise<number> {
  const result = await db.query(
    `with moved as (
       delete from memory_entries where id in (
         select id from memory_entries where expires_at <= now() order by expires_at limit $1
         for update skip locked)
       returning *)
     ${archiveMovedSql(`'expired'`)}`,
    [limit],
  );
  return result.rowCount ?? 0;
}

/** Makes every entry of a session's `session` layer expire now (the session ended). */
export async function expireSessionEntries(db: Queryable, tenantId: string, sessionId: string): Promise<number> {
  const result = await db.query(
    `update memory_entries set expires_at = now()
     where session_id = $2 and tenant_id is not distinct from $1 and layer = 'session'
       and (expires_at is null or expires_at > now())`,
    [tenantId, sessionId],
  );
  return result.rowCount ?? 0;
}

/** Counts for `brainops memory stats`; `tenantId` narrows to one tenant. */
export async function entryStats(db: Queryable, tenantId?: string): Promise<Omit<MemoryStats, 'cache'>> {
  const result = await db.query<Omit<MemoryStats, 'cache'>>(
    `with e as (select * from memory_entries where $1::text is null or tenant_id = $1)
     select
       (select count(*) from e where archived_at is null and (expires_at is null or expires_at > now()))::int as entries,
       (select count(*) from memory_archive where $1::text is null or tenant_id = $1)::int as archived,
       (select count(*) from e where expires_at <= now())::int as expired,
       (select coalesce(jsonb_object_agg(layer, n), '{}') from (select layer, count(*)::int n from e group by 1) x) as "byLayer",
       (select coalesce(jsonb_object_agg(priority, n), '{}') from (select priority, count(*)::int n from e group by 1) x) as "byPriority",
       (select coalesce(jsonb_object_agg(memory_type, n), '{}') from (select memory_type, count(*)::int n from e group by 1) x) as "byType",
       (select count(distinct tenant_id) from e)::int as tenants,
       (select count(*) from sessions where status = 'active' and ($1::text is null or tenant_id = $1))::int as "activeSessions",
       (select coalesce(sum(access_count), 0) from e)::float8 as "totalAccesses"`,
    [tenantId ?? null],
  );
  return result.rows[0]!;
}
