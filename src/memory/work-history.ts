/**
 * Work history: every action an agent took (one row per activity attempt), written in batches off
 * the activity's path, and what could not be stored where it belongs (`unstored_records`). A list
 * for a tenant runs under that tenant's row-level security.
 */
import type { Logger } from 'pino';
import type { ListWorkHistoryInput } from '../contracts/work-history';
import { isPermanentDatabaseError } from '../domain/database-errors';
import { Batcher } from './batcher';
import type { Connections, Queryable } from './connections';
import { tenantViewSql } from './tenant-view';

/** One activity attempt as work history records it. Times are ISO-8601; `durationMs` in ms. */
export interface WorkHistoryRecord {
  agentId: string;
  action: string;
  input: unknown;
  output: unknown;
  success: boolean;
  error?: string;
  durationMs: number;
  workflowId: string;
  runId: string;
  activityId: string;
  attempt: number;
  tenantId?: string;
  sessionId?: string;
  startedAt: string;
  finishedAt: string;
}

/** Inserts a batch in one statement; an attempt already recorded is skipped. */
export async function insertWorkHistory(db: Queryable, rows: WorkHistoryRecord[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof WorkHistoryRecord>(k: K) => rows.map((r) => r[k] ?? null);
  const json = (k: 'input' | 'output') => rows.map((r) => (r[k] === undefined ? null : JSON.stringify(r[k])));
  await db.query(
    `insert into work_history (agent_id, action, input, output, success, error, duration_ms, workflow_id,
       run_id, activity_id, attempt, tenant_id, session_id, started_at, finished_at)
     select * from unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[], $5::bool[], $6::text[], $7::int[],
       $8::text[], $9::text[], $10::text[], $11::int[], $12::text[], $13::text[], $14::timestamptz[], $15::timestamptz[])
     on conflict do nothing`,
    [
      col('agentId'),
      col('action'),
      json('input'),
      json('output'),
      col('success'),
      col('error'),
      rows.map((r) => Math.round(r.durationMs)),
      col('workflowId'),
      col('runId'),
      col('activityId'),
      col('attempt'),
      col('tenantId'),
      col('sessionId'),
      col('startedAt'),
      col('finishedAt'),
    ],
  );
}

/** What {@link insertWorkHistoryIsolating} did with a batch. */
export interface WorkHistoryBatchResult {
  stored: number;
  /** Rows PostgreSQL refused, each kept in `unstored_records` with the reason. */
  unstored: number;
}

/**
 * Inserts a batch; when PostgreSQL refuses it for its data (a permanent error, e.g. a row it
 * cannot encode), splits it in halves until the bad rows are alone, stores every good row and
 * keeps each refused one in `unstored_records` (as escaped JSON text, which always stores) with
 * the reason. A transient error (connection lost, server shutting down) is thrown for the whole
 * batch, as before.
 */
export async function insertWorkHistoryIsolating(
  db: Queryable,
  rows: WorkHistoryRecord[],
): Promise<WorkHistoryBatchResult> {
  try {
    await insertWorkHistory(db, rows);
    return { stored: rows.length, unstored: 0 };
  } catch (error) {
    if (!isPermanentDatabaseError(error)) throw error;
    if (rows.length === 1) {
      const row = rows[0]!;
      await recordUnstored(db, {
        kind: 'work_history',
        dedupeKey: `work_history/${row.workflowId}/${row.runId}/${row.activityId}/${row.attempt}`,
        workflowId: row.workflowId,
        reason: `${(error as { code?: string }).code}: ${(error as Error).message}`,
        payload: row,
      });
      return { stored: 0, unstored: 1 };
    }
    const half = Math.ceil(rows.length / 2);
    const a = await insertWorkHistoryIsolating(db, rows.slice(0, half));
    const b = await insertWorkHistoryIsolating(db, rows.slice(half));
    return { stored: a.stored + b.stored, unstored: a.unstored + b.unstored };
  }
}

/** A record PostgreSQL refused, or that could not be written where it belongs. */
export interface UnstoredRecord {
  kind: 'work_history' | 'health_results';
  dedupeKey?: string;
  workflowId?: string;
  reason: string;
  payload: unknown;
}

/**
 * Keeps what could not be stored where it belongs. The payload is JSON text: `JSON.stringify`
 * escapes NUL and lone surrogates, so it always stores; so do the reason and ids, made the same way.
 */
export async function recordUnstored(db: Queryable, r: UnstoredRecord): Promise<void> {
  const safe = (text: string | undefined) => (text === undefined ? null : JSON.stringify(text).slice(1, -1));
  await db.query(
    `insert into unstored_records (kind, dedupe_key, workflow_id, reason, payload)
     values ($1, $2, $3, $4, $5) on conflict (dedupe_key) do nothing`,
    [r.kind, safe(r.dedupeKey), safe(r.workflowId), safe(r.reason.slice(0, 2000)), JSON.stringify(r.payload)],
  );
}

/** Records kept in `unstored_records`, newest first. */
export async function listUnstored(
  db: Queryable,
  opts: { kind?: UnstoredRecord['kind']; limit?: number } = {},
): Promise<(Omit<UnstoredRecord, 'payload'> & { id: number; payload: string; recordedAt: Date })[]> {
  const result = await db.query(
    `select id::int, kind, dedupe_key as "dedupeKey", workflow_id as "workflowId", reason, payload,
       recorded_at as "recordedAt"
     from unstored_records where ($1::text is null or kind = $1) order by recorded_at desc, id desc limit $2`,
    [opts.kind ?? null, opts.limit ?? 100],
  );
  return result.rows;
}

/** Recent work history, newest first. */
export async function listWorkHistory(
  db: Queryable,
  opts: ListWorkHistoryInput,
): Promise<(WorkHistoryRecord & { id: number })[]> {
  const result = await db.query<WorkHistoryRecord & { id: number }>(
    `select id::int, agent_id as "agentId", action, input, output, success, error, duration_ms as "durationMs",
       workflow_id as "workflowId", run_id as "runId", activity_id as "activityId", attempt,
       tenant_id as "tenantId", session_id as "sessionId", started_at as "startedAt", finished_at as "finishedAt"
     from work_history
     where ($1::text is null or agent_id = $1) and ($2::text is null or workflow_id = $2)
       and ${tenantViewSql('$4', '$5')}
     order by finished_at desc, id desc limit $3`,
    [opts.agentId ?? null, opts.workflowId ?? null, opts.limit ?? 100, opts.tenantId ?? null, opts.allTenants ?? false],
  );
  return result.rows;
}

/** Rows in one work-history statement at most, and how long a row waits for others (ms). */
const BATCH_ROWS = 200;
const BATCH_DELAY_MS = 10;

/**
 * Work history and unstored records. `record` resolves once its row is stored, group-committed
 * with the rows of other activities; rows PostgreSQL refuses are kept in `unstored_records`.
 */
export class WorkHistoryRepository {
  private readonly batcher: Batcher<WorkHistoryRecord>;

  constructor(
    private readonly db: Connections,
    logger: Logger,
  ) {
    this.batcher = new Batcher(
      async (rows) => {
        const { unstored } = await insertWorkHistoryIsolating(db.operator, rows);
        if (unstored > 0)
          logger.warn(
            `${unstored} of ${rows.length} work-history rows refused by PostgreSQL; kept in unstored_records`,
          );
      },
      BATCH_ROWS,
      BATCH_DELAY_MS,
    );
  }

  /** Records one activity attempt (redacted); resolves once it is stored. */
  record(row: WorkHistoryRecord): Promise<void> {
    return this.batcher.add(this.db.redact(row));
  }

  /**
   * Newest first: a tenant's rows with `tenantId` (under row-level security); without it, rows
   * of no tenant (system work); every tenant's only with `allTenants: true`.
   */
  list(opts: ListWorkHistoryInput) {
    return this.db.run(opts.tenantId, (q) => listWorkHistory(q, opts));
  }

  /** Keeps (redacted) what could not be stored where it belongs. */
  recordUnstored(r: UnstoredRecord): Promise<void> {
    return recordUnstored(this.db.operator, this.db.redact(r));
  }

  /** What could not be stored where it belongs, newest first. */
  listUnstored(opts: Parameters<typeof listUnstored>[1] = {}) {
    return listUnstored(this.db.operator, opts);
  }

  /** Writes what is waiting. */
  drain(): Promise<void> {
    return this.batcher.drain();
  }
}
