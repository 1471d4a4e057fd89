/**
 * SQL behind the database-backed series of `/metrics` (`store.metrics`): embeddings waiting to be
 * computed, error events by status, the auto-resolved share and the latest learning cycles
 * (procedure compliance is `store.procedures.compliance`). Each is one cheap query through an index over a bounded window (or with a
 * bounded count), run on the operator's pool (figures across tenants) by a collector that caches
 * the answer for a few seconds, so that a scrape never waits on a scan.
 */
import type { Connections, Queryable } from './connections';
import { latestCycleRuns } from './console-learning';
import { CURSOR_START, readCursor } from './embeddings';

/** At most this many waiting texts are counted per source: beyond it the gauge reads this value. */
export const PENDING_COUNT_CAP = 100_000;

/**
 * Entries and messages written after the embedding catch-up's cursor of `model` (what it has not
 * read yet), each counted up to {@link PENDING_COUNT_CAP} through the write-order indexes.
 */
export async function embeddingsPending(db: Queryable, model: string): Promise<{ entries: number; messages: number }> {
  const [entries, messages] = await Promise.all([readCursor(db, model, 'entries'), readCursor(db, model, 'messages')]);
  const [tenant = '', session = '', seq = '0'] = messages.key ? messages.key.split('/') : [];
  const result = await db.query<{ entries: number; messages: number }>(
    `select
       (select count(*) from (select 1 from memory_entries
          where (updated_at, id) > ($1::timestamptz, $2::uuid) and archived_at is null limit $7) e)::int as entries,
       (select count(*) from (select 1 from session_messages
          where (stored_at, tenant_id, session_id, seq) > ($3::timestamptz, $4, $5, $6::bigint) limit $7) m)::int as messages`,
    [
      entries.at,
      entries.key || '00000000-0000-0000-0000-000000000000',
      messages.at || CURSOR_START.at,
      tenant,
      session,
      seq,
      PENDING_COUNT_CAP,
    ],
  );
  return result.rows[0]!;
}

/** Error events that occurred in the last `hours`, by their current status. */
export async function errorEventsByStatus(db: Queryable, hours: number): Promise<Record<string, number>> {
  const result = await db.query<{ status: string; n: number }>(
    `select status, count(*)::int as n from error_events where occurred_at > now() - make_interval(hours => $1)
     group by status`,
    [hours],
  );
  return Object.fromEntries(result.rows.map((r) => [r.status, r.n]));
}

/**
 * Errors resolved in the last `days`, and of those the ones resolved by automation (never
 * escalated to a person), through the resolved_at index.
 */
export async function resolvedErrors(db: Queryable, days: number): Promise<{ resolved: number; auto: number }> {
  const result = await db.query<{ resolved: number; auto: number }>(
    `select count(*)::int as resolved, count(*) filter (where escalated_at is null)::int as auto
     from error_events where resolved_at > now() - make_interval(days => $1) and status = 'resolved'`,
    [days],
  );
  return result.rows[0]!;
}

/** The reads of `/metrics` over the operator's pool of `db`. */
export function metricsRepository(db: Connections) {
  const owner = db.operator;
  return {
    /** Texts the catch-up of `model` has not embedded yet, per source (capped at {@link PENDING_COUNT_CAP}). */
    embeddingsPending: (q: { model: string }) => embeddingsPending(owner, q.model),
    errorEventsByStatus: (q: { hours: number }) => errorEventsByStatus(owner, q.hours),
    resolvedErrors: (q: { days: number }) => resolvedErrors(owner, q.days),
    latestCycleRuns: () => latestCycleRuns(owner),
  };
}
