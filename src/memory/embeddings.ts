/**
 * SQL of embeddings: which entries and messages still need one for a model (read in the order
 * they were written, from a cursor), the upsert of computed vectors, and the cursor itself. An
 * entry's embedding is stale once the entry is written again (its `sync_version` moves on).
 * Writes are upserts keyed by model and entry (or message), so a retried batch rewrites the same
 * rows.
 */
import type { Connections, Queryable } from './connections';

export type EmbeddingSource = 'entries' | 'messages';

/**
 * Where a catch-up resumes: the write time (PostgreSQL's own text of the timestamp, so its
 * microseconds survive; a JavaScript Date would round them and skip rows) and key of the last row
 * it read.
 */
export interface EmbeddingCursor {
  at: string;
  key: string;
}

/** A text waiting for its embedding. */
export interface PendingText {
  /** `<uuid>` of an entry, `<tenant>/<session>/<seq>` of a message. */
  key: string;
  tenantId: string | null;
  /** The entry's `sync_version` (messages: 0; they never change). */
  version: number;
  text: string;
  /** The write time as PostgreSQL prints it (the cursor's `at`). */
  writtenAt: string;
}

/** The start of every cursor. */
export const CURSOR_START: EmbeddingCursor = { at: '1970-01-01 00:00:00+00', key: '' };

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Entries written after `cursor` (less `overlapMs`) whose embedding for `model` is missing or
 * stale, oldest first.
 */
export async function pendingEntries(
  db: Queryable,
  model: string,
  cursor: EmbeddingCursor,
  limit: number,
  overlapMs = 0,
): Promise<PendingText[]> {
  const result = await db.query<PendingText>(
    `select m.id::text as key, m.tenant_id as "tenantId", m.sync_version as version, m.updated_at::text as "writtenAt",
       concat_ws(E'\\n', nullif(m.title, ''), nullif(m.content, ''),
                 case when coalesce(m.title, '') = '' and coalesce(m.content, '') = '' then replace(m.key, '/', ' ') end) as text
     from memory_entries m
     left join entry_embeddings x on x.model = $1 and x.entry_id = m.id
     where (m.updated_at, m.id) > ($2::timestamptz - $5 * interval '1 millisecond', $3::uuid) and m.archived_at is null
       and (x.entry_id is null or x.source_version <> m.sync_version)
     order by m.updated_at, m.id
     limit $4`,
    [model, cursor.at, overlapMs > 0 || !cursor.key ? ZERO_UUID : cursor.key, limit, overlapMs],
  );
  return result.rows;
}

/** Messages stored after `cursor` (less `overlapMs`) with no embedding for `model`, oldest first. */
export async function pendingMessages(
  db: Queryable,
  model: string,
  cursor: EmbeddingCursor,
  limit: number,
  overlapMs = 0,
): Promise<PendingText[]> {
  const [tenant = '', session = '', seq = '0'] = cursor.key && overlapMs === 0 ? cursor.key.split('/') : [];
  const result = await db.query<PendingText>(
    `select m.tenant_id || '/' || m.session_id || '/' || m.seq as key, m.tenant_id as "tenantId", 0 as version,
       m.stored_at::text as "writtenAt", m.content as text
     from session_messages m
     left join message_embeddings x
       on x.model = $1 and x.tenant_id = m.tenant_id and x.session_id = m.session_id and x.seq = m.seq
     where (m.stored_at, m.tenant_id, m.session_id, m.seq) > ($2::timestamptz - $7 * interval '1 millisecond', $3, $4, $5::bigint)
       and x.seq is null
     order by m.stored_at, m.tenant_id, m.session_id, m.seq
     limit $6`,
    [model, cursor.at, tenant, session, Number(seq), limit, overlapMs],
  );
  return result.rows;
}

/** Stores embeddings of entries (skipping entries archived meanwhile). Returns the rows written. */
export async function upsertEntryEmbeddings(
  db: Queryable,
  model: string,
  dimensions: number,
  rows: { key: string; version: number; vector: Buffer }[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db.query(
    `insert into entry_embeddings (model, entry_id, tenant_id, source_version, dimensions, vector)
     select $1, m.id, m.tenant_id, u.version, $2, u.vector
     from unnest($3::uuid[], $4::int[], $5::bytea[]) as u(id, version, vector)
     join memory_entries m on m.id = u.id
     on conflict (model, entry_id) do update
       set source_version = excluded.source_version, vector = excluded.vector,
           tenant_id = excluded.tenant_id, computed_at = clock_timestamp()
       where entry_embeddings.source_version <> excluded.source_version
          or entry_embeddings.vector <> excluded.vector`,
    [model, dimensions, rows.map((r) => r.key), rows.map((r) => r.version), rows.map((r) => r.vector)],
  );
  return result.rowCount ?? 0;
}

/** Stores embeddings of messages. Returns the rows written. */
export async function upsertMessageEmbeddings(
  db: Queryable,
  model: string,
  dimensions: number,
  rows: { key: string; vector: Buffer }[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const parts = rows.map((r) => r.key.split('/'));
  const result = await db.query(
    `insert into message_embeddings (model, tenant_id, session_id, seq, dimensions, vector)
     select $1, u.tenant_id, u.session_id, u.seq, $2, u.vector
     from unnest($3::text[], $4::text[], $5::bigint[], $6::bytea[]) as u(tenant_id, session_id, seq, vector)
     join session_messages m on m.tenant_id = u.tenant_id and m.session_id = u.session_id and m.seq = u.seq
     on conflict (model, tenant_id, session_id, seq) do update
       set vector = excluded.vector, computed_at = clock_timestamp()
       where message_embeddings.vector <> excluded.vector`,
    [
      model,
      dimensions,
      parts.map((p) => p[0]),
      parts.map((p) => p[1]),
      parts.map((p) => Number(p[2])),
      rows.map((r) => r.vector),
    ],
  );
  return result.rowCount ?? 0;
}

/** The saved cursor of a model's catch-up of `source`, or the start. */
export async function readCursor(db: Queryable, model: string, source: EmbeddingSource): Promise<EmbeddingCursor> {
  const result = await db.query<{ at: string; key: string }>(
    'select cursor_at::text as at, cursor_key as key from embedding_progress where model = $1 and source = $2',
    [model, source],
  );
  return result.rows[0] ?? CURSOR_START;
}

/** Saves the cursor (never moving it back) and counts what was embedded. */
export async function saveCursor(
  db: Queryable,
  model: string,
  source: EmbeddingSource,
  cursor: EmbeddingCursor,
  embedded: number,
): Promise<void> {
  await db.query(
    `insert into embedding_progress (model, source, cursor_at, cursor_key, embedded) values ($1, $2, $3, $4, $5)
     on conflict (model, source) do update
       set cursor_at = greatest(embedding_progress.cursor_at, excluded.cursor_at),
           cursor_key = case when excluded.cursor_at > embedding_progress.cursor_at
                               or (excluded.cursor_at = embedding_progress.cursor_at
                                   and excluded.cursor_key > embedding_progress.cursor_key)
                             then excluded.cursor_key else embedding_progress.cursor_key end,
           embedded = embedding_progress.embedded + excluded.embedded, updated_at = now()`,
    [model, source, cursor.at, cursor.key, embedded],
  );
}

/** Live entries and stored messages, and how many of each have a current embedding of `model`. */
export async function embeddingCoverage(
  db: Queryable,
  model: string,
): Promise<{ entries: number; entriesEmbedded: number; messages: number; messagesEmbedded: number }> {
  const result = await db.query(
    `select
       (select count(*) from memory_entries where archived_at is null)::float8 as entries,
       (select count(*) from entry_embeddings x join memory_entries m on m.id = x.entry_id
         where x.model = $1 and m.archived_at is null and x.source_version = m.sync_version)::float8 as "entriesEmbedded",
       (select count(*) from session_messages)::float8 as messages,
       (select count(*) from message_embeddings where model = $1)::float8 as "messagesEmbedded"`,
    [model],
  );
  return result.rows[0];
}

/** Embeddings of entries and messages and the catch-up's cursors (operator work). */
export function embeddingRepository(db: Connections) {
  return {
    /** Texts written after `cursor` that have no current embedding of `model`, oldest first. */
    pending(opts: {
      source: EmbeddingSource;
      model: string;
      cursor: EmbeddingCursor;
      limit: number;
      /** Look this far (ms) behind the cursor, for writes that committed late. @defaultValue 0 */
      overlapMs?: number;
    }): Promise<PendingText[]> {
      const read = opts.source === 'entries' ? pendingEntries : pendingMessages;
      return read(db.operator, opts.model, opts.cursor, opts.limit, opts.overlapMs);
    },
    /** Stores computed embeddings and moves the source's cursor, in one transaction. Returns rows written. */
    save(opts: {
      source: EmbeddingSource;
      model: string;
      dimensions: number;
      rows: { key: string; version: number; vector: Buffer }[];
      cursor: EmbeddingCursor;
    }): Promise<number> {
      return db.transaction(undefined, async (client) => {
        const written =
          opts.source === 'entries'
            ? await upsertEntryEmbeddings(client, opts.model, opts.dimensions, opts.rows)
            : await upsertMessageEmbeddings(client, opts.model, opts.dimensions, opts.rows);
        await saveCursor(client, opts.model, opts.source, opts.cursor, written);
        return written;
      });
    },
    /** Where the catch-up of `model` left `source`. */
    cursor: (opts: { source: EmbeddingSource; model: string }) => readCursor(db.operator, opts.model, opts.source),
    /** How much of memory has a current embedding of `model`. */
    coverage: (opts: { model: string }) => embeddingCoverage(db.operator, opts.model),
  };
}
export type EmbeddingRepository = ReturnType<typeof embeddingRepository>;
