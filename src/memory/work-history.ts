/**
 * SQL of work history (every action an agent took) and error events.
 */
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

/** Recent work history, newest first. */
export async function listWorkHistory(
  db: Queryable,
  opts: { agentId?: string; workflowId?: string; limit?: number } = {},
): Promise<(WorkHistoryRecord & { id: number })[]> {
  const result = await db.query<WorkHistoryRecord & { id: number }>(
    `select id::int, agent_id as "agentId", action, input, output, success, error, duration_ms as "durationMs",
       workflow_id as "workflowId", run_id as "runId", activity_id as "activityId", attempt,
       tenant_id as "tenantId", session_id as "sessionId", started_at as "startedAt", finished_at as "finishedAt"
     from work_history
     where ($1::text is null or agent_id = $1) and ($2::text is null or workflow_id = $2)
     order by finished_at desc, id desc limit $3`,
    [opts.agentId ?? null, opts.workflowId ?? null, opts.limit ?? 100],
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
         workflow_id, activity_type, attempt)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
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
    ],
  );
  return result.rows[0]!.id;
}

/** Newest error events first. */
export async function listErrorEvents(
  db: Queryable,
  opts: { status?: ErrorEventRow['status']; limit?: number; since?: Date; id?: number; signature?: string } = {},
): Promise<ErrorEventRow[]> {
  const result = await db.query<ErrorEventRow>(
    `select id::int, signature, error_type as "errorType", message, stack, context, source, agent_id as "agentId",
       dedupe_key as "dedupeKey", status, occurred_at as "occurredAt", workflow_id as "workflowId",
       activity_type as "activityType", attempt, resolved_by::int as "resolvedBy", resolved_at as "resolvedAt",
       resolution_ms as "resolutionMs"
     from error_events
     where ($1::text is null or status = $1) and ($2::timestamptz is null or occurred_at >= $2)
       and ($4::bigint is null or id = $4) and ($5::text is null or signature = $5)
     order by occurred_at desc, id desc limit $3`,
    [opts.status ?? null, opts.since ?? null, opts.limit ?? 20, opts.id ?? null, opts.signature ?? null],
  );
  return result.rows;
}
