/**
 * SQL of work history (every action an agent took) and error events.
 */
import { isPermanentDatabaseError } from '../domain/database-errors';
import type { Queryable } from './entries';

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

/**
 * Whose rows a list holds: the tenant's; without one, rows of no tenant; every tenant's only
 * with `allTenants` (the operator's view). SQL over the parameters `$tenant` and `$all`.
 */
function tenantViewSql(tenant: string, all: string): string {
  return `(tenant_id = ${tenant} or (${tenant}::text is null and (${all}::boolean or tenant_id is null)))`;
}

/** Recent work history, newest first. */
export async function listWorkHistory(
  db: Queryable,
  opts: { agentId?: string; workflowId?: string; tenantId?: string; allTenants?: boolean; limit?: number } = {},
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

/** An error an agent saw. `signature` groups the same problem across occurrences. */
export interface ErrorEventInput {
  signature: string;
  errorType: string;
  message: string;
  stack?: string;
  context?: Record<string, unknown>;
  source: string;
  agentId?: string;
  /** Idempotency key (for example workflow id + activity id + target). */
  dedupeKey?: string;
  workflowId?: string;
  activityType?: string;
  attempt?: number;
  /** The tenant whose work (or report) this is; none for system errors. */
  tenantId?: string;
}

export interface ErrorEventRow extends ErrorEventInput {
  id: number;
  resolvedBy: number | null;
  resolvedAt: Date | null;
  resolutionMs: number | null;
  status: 'open' | 'resolved' | 'ignored' | 'escalated';
  occurredAt: Date;
}

/** Records an error event once per `dedupeKey`. Returns its id. */
export async function insertErrorEvent(db: Queryable, e: ErrorEventInput): Promise<number> {
  const result = await db.query<{ id: number }>(
    `with ins as (
       insert into error_events (signature, error_type, message, stack, context, source, agent_id, dedupe_key,
         workflow_id, activity_type, attempt, tenant_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       on conflict (dedupe_key) do nothing
       returning id)
     select id::int from ins
     union all select id::int from error_events where dedupe_key = $8
     limit 1`,
    [
      e.signature,
      e.errorType,
      e.message,
      e.stack ?? null,
      JSON.stringify(e.context ?? {}),
      e.source,
      e.agentId ?? null,
      e.dedupeKey ?? null,
      e.workflowId ?? null,
      e.activityType ?? null,
      e.attempt ?? null,
      e.tenantId ?? null,
    ],
  );
  return result.rows[0]!.id;
}

/** Newest error events first. */
export async function listErrorEvents(
  db: Queryable,
  opts: {
    status?: ErrorEventRow['status'];
    limit?: number;
    since?: Date;
    id?: number;
    signature?: string;
    /** Only this tenant's error events; without it, those of no tenant. */
    tenantId?: string;
    /** Without `tenantId`: every tenant's (the operator's view). */
    allTenants?: boolean;
  } = {},
): Promise<ErrorEventRow[]> {
  const result = await db.query<ErrorEventRow>(
    `select id::int, signature, error_type as "errorType", message, stack, context, source, agent_id as "agentId",
       dedupe_key as "dedupeKey", status, occurred_at as "occurredAt", workflow_id as "workflowId",
       activity_type as "activityType", attempt, resolved_by::int as "resolvedBy", resolved_at as "resolvedAt",
       resolution_ms::float8 as "resolutionMs", tenant_id as "tenantId"
     from error_events
     where ($1::text is null or status = $1) and ($2::timestamptz is null or occurred_at >= $2)
       and ($4::bigint is null or id = $4) and ($5::text is null or signature = $5)
       and ${tenantViewSql('$6', '$7')}
     order by occurred_at desc, id desc limit $3`,
    [
      opts.status ?? null,
      opts.since ?? null,
      opts.limit ?? 20,
      opts.id ?? null,
      opts.signature ?? null,
      opts.tenantId ?? null,
      opts.allTenants ?? false,
    ],
  );
  return result.rows;
}
