/**
 * SQL of the learning cycles' analyses over work history and error events. Every query takes its
 * window explicitly (`[start, end)`) and never reads the clock, so a window re-run over the same
 * data gives the same figures.
 */
import type { TimeSpan } from '../contracts/learning';
import { operatorRepository, type Connections, type Queryable } from './connections';

/** Performance of one agent capability (activity type) over some period. `*Ms` in ms. */
export interface CapabilityPerformance {
  agentId: string;
  capability: string;
  runs: number;
  successes: number;
  avgMs: number;
  p95Ms: number;
}

/**
 * Recomputes `agent_performance` for the window `[start, end)` from work history: rows replaced,
 * capabilities no longer present removed. Returns the window's figures.
 */
export async function refreshAgentPerformance(
  db: Queryable,
  { start, end }: TimeSpan,
): Promise<CapabilityPerformance[]> {
  await db.query(
    `with w as (
       select agent_id, action as capability, count(*)::int as runs, (count(*) filter (where success))::int as successes,
         sum(duration_ms)::bigint as total_ms, (percentile_disc(0.95) within group (order by duration_ms))::int as p95_ms
       from work_history where finished_at >= $1 and finished_at < $2 group by 1, 2),
     gone as (
       delete from agent_performance p where p.window_start = $1
         and not exists (select 1 from w where w.agent_id = p.agent_id and w.capability = p.capability))
     insert into agent_performance (agent_id, capability, window_start, window_end, runs, successes, total_ms, p95_ms)
     select agent_id, capability, $1, $2, runs, successes, total_ms, p95_ms from w
     on conflict (agent_id, capability, window_start) do update set window_end = excluded.window_end,
       runs = excluded.runs, successes = excluded.successes, total_ms = excluded.total_ms, p95_ms = excluded.p95_ms
     where (agent_performance.runs, agent_performance.successes, agent_performance.total_ms, agent_performance.p95_ms)
       is distinct from (excluded.runs, excluded.successes, excluded.total_ms, excluded.p95_ms)`,
    [start, end],
  );
  return capabilityPerformance(db, { start, end });
}

/** Sums of `agent_performance` windows starting in `[start, end)`, per agent and capability. */
export async function capabilityPerformance(
  db: Queryable,
  { start, end, ...opts }: TimeSpan & { agentIds?: string[]; capability?: string },
): Promise<CapabilityPerformance[]> {
  const result = await db.query<CapabilityPerformance>(
    `select agent_id as "agentId", capability, sum(runs)::int as runs, sum(successes)::int as successes,
       round(sum(total_ms)::numeric / nullif(sum(runs), 0), 1)::float8 as "avgMs", max(p95_ms)::int as "p95Ms"
     from agent_performance
     where window_start >= $1 and window_start < $2
       and ($3::text[] is null or agent_id = any($3)) and ($4::text is null or capability = $4)
     group by 1, 2 order by 1, 2`,
    [start, end, opts.agentIds ?? null, opts.capability ?? null],
  );
  return result.rows;
}

/**
 * Exact performance per agent and capability from work history over `[start, end)` (p95 over
 * every run, not over windows): the agents' performance records.
 */
export async function workHistoryPerformance(
  db: Queryable,
  { start, end }: TimeSpan,
): Promise<CapabilityPerformance[]> {
  const result = await db.query<CapabilityPerformance>(
    `select agent_id as "agentId", action as capability, count(*)::int as runs, (count(*) filter (where success))::int as successes,
       round(avg(duration_ms), 1)::float8 as "avgMs", (percentile_disc(0.95) within group (order by duration_ms))::int as "p95Ms"
     from work_history where finished_at >= $1 and finished_at < $2
     group by 1, 2 order by 1, 2`,
    [start, end],
  );
  return result.rows;
}

/** Error counts of a signature: in the window and in the hour before it. */
export interface SignatureTrend {
  signature: string;
  errorType: string;
  message: string;
  sources: string[];
  count: number;
  /** Occurrences in the hour before the window. */
  previousHour: number;
  firstAt: Date;
}

/** Signatures seen in `[start, end)` with their counts there and in the hour before `start`. */
export async function signatureTrends(db: Queryable, { start, end }: TimeSpan): Promise<SignatureTrend[]> {
  const result = await db.query<SignatureTrend>(
    `with cur as (
       select signature, count(*)::int as count, min(error_type) as "errorType",
         (array_agg(message order by occurred_at desc, id desc))[1] as message,
         array_agg(distinct source order by source) as sources, min(occurred_at) as "firstAt"
       from error_events where occurred_at >= $1 and occurred_at < $2 group by signature),
     prev as (
       select signature, count(*)::int as n from error_events
       where occurred_at >= $1::timestamptz - interval '1 hour' and occurred_at < $1
         and signature in (select signature from cur) group by signature)
     select cur.*, coalesce(prev.n, 0) as "previousHour" from cur left join prev using (signature)
     order by cur.count desc, cur.signature`,
    [start, end],
  );
  return result.rows;
}

/** A signature failing in the last hour before `end`, with the day's count and any known fix. */
export interface FailingSignature {
  signature: string;
  errorType: string;
  message: string;
  /** What failed: the health target, activity type or source named most often. */
  subject: string;
  hourCount: number;
  dayCount: number;
  firstInHour: Date;
  solution: {
    id: number;
    action: string;
    successRate: number | null;
    successCount: number;
    failureCount: number;
  } | null;
}

/** Signatures with at least `minCount` events in `[end - 1h, end)`, with their day and known fix. */
export async function failingSignatures(
  db: Queryable,
  { end, minCount }: { end: Date; minCount: number },
): Promise<FailingSignature[]> {
  const result = await db.query<FailingSignature>(
    `with day as (
       select * from error_events where occurred_at >= $1::timestamptz - interval '1 day' and occurred_at < $1),
     agg as (
       select signature, min(error_type) as "errorType",
         (array_agg(message order by occurred_at desc, id desc))[1] as message,
         mode() within group (order by coalesce(context->>'target', activity_type, source)) as subject,
         (count(*) filter (where occurred_at >= $1::timestamptz - interval '1 hour'))::int as "hourCount",
         count(*)::int as "dayCount",
         min(occurred_at) filter (where occurred_at >= $1::timestamptz - interval '1 hour') as "firstInHour"
       from day group by signature)
     select agg.*, case when kb.id is null then null else jsonb_build_object('id', kb.id, 'action', kb.action,
         'successRate', kb.success_rate, 'successCount', kb.success_count, 'failureCount', kb.failure_count) end as solution
     from agg left join knowledge_base kb on kb.problem_signature = agg.signature and kb.disabled_at is null
     where agg."hourCount" >= $2
     order by agg."hourCount" desc, agg.signature`,
    [end, minCount],
  );
  return result.rows;
}

/** Stores a cycle's result for its window (replacing a previous run's). */
export async function recordCycleRun(
  db: Queryable,
  r: { cycle: string; windowStart: Date; windowEnd: Date; result: unknown; workflowId?: string },
): Promise<void> {
  await db.query(
    `insert into learning_cycle_runs (cycle, window_start, window_end, result, workflow_id) values ($1, $2, $3, $4, $5)
     on conflict (cycle, window_start) do update set window_end = excluded.window_end, result = excluded.result,
       workflow_id = excluded.workflow_id, completed_at = now()`,
    [r.cycle, r.windowStart, r.windowEnd, JSON.stringify(r.result), r.workflowId ?? null],
  );
}

/** Stored results of a cycle, newest window first. */
export async function listCycleRuns(db: Queryable, opts: { cycle?: string; limit?: number } = {}) {
  const result = await db.query<{
    cycle: string;
    windowStart: Date;
    windowEnd: Date;
    result: unknown;
    workflowId: string | null;
    completedAt: Date;
  }>(
    `select cycle, window_start as "windowStart", window_end as "windowEnd", result, workflow_id as "workflowId", completed_at as "completedAt"
     from learning_cycle_runs where $1::text is null or cycle = $1 order by window_start desc limit $2`,
    [opts.cycle ?? null, opts.limit ?? 20],
  );
  return result.rows;
}

/** The learning cycles' analyses and their stored results (operator work). */
export function learningRepository(db: Connections) {
  return operatorRepository(db, {
    refreshAgentPerformance,
    capabilityPerformance,
    workHistoryPerformance,
    signatureTrends,
    failingSignatures,
    recordCycleRun,
    listCycleRuns,
  });
}
export type LearningRepository = ReturnType<typeof learningRepository>;
