/**
 * SQL of the console's learning page and of the figures `/metrics` reads from the database: agent
 * records per capability over time (the five-minute cycle's `agent_performance` windows), and the
 * system's improvement per week — errors seen, resolved, auto-resolved (resolved with no
 * escalation: `error_events.escalated_at` is null), time to resolution, and pattern-match accuracy
 * (errors whose known fix was found and worked, over errors seen). Agent records and learning
 * cycles are operator tables; error events are tenant-owned (a tenant's view runs under its
 * row-level security and names the tenant).
 */
import type { Queryable } from './connections';

/** One capability's record per bucket: runs, successes, mean duration. */
export interface CapabilitySeries {
  capability: string;
  runs: number;
  successes: number;
  /** `[bucket start (epoch s), runs, successes, mean ms]`, oldest first. */
  series: [number, number, number, number][];
}

/** Agent records per capability since `since`, bucketed by hour or day (`agent_performance`, its window index). */
export async function capabilityRecords(
  db: Queryable,
  opts: { since: Date; bucket: 'hour' | 'day'; limit: number },
): Promise<CapabilitySeries[]> {
  const result = await db.query<CapabilitySeries>(
    `with b as (
       select capability, date_trunc($2, window_start) as b, sum(runs)::int as runs, sum(successes)::int as successes,
         (sum(total_ms)::float8 / nullif(sum(runs), 0)) as mean_ms
       from agent_performance where window_start >= $1 group by 1, 2)
     select capability, sum(runs)::int as runs, sum(successes)::int as successes,
       json_agg(json_build_array(extract(epoch from b)::bigint, runs, successes, round(coalesce(mean_ms, 0)::numeric, 1)) order by b) as series
     from b group by capability order by sum(runs) desc limit $3`,
    [opts.since, opts.bucket, opts.limit],
  );
  return result.rows;
}

/** The system's improvement in one ISO week. */
export interface WeekFigures {
  /** Monday 00:00 UTC of the week. */
  week: Date;
  /** Errors that occurred in the week. */
  seen: number;
  /** Of those, resolved by automation (a known fix was found and worked, no escalation). */
  matched: number;
  /** Errors resolved in the week, and of those by automation. */
  resolved: number;
  autoResolved: number;
  /** Time from occurrence to resolution of the errors resolved in the week, ms. */
  medianResolutionMs: number | null;
}

/**
 * The last `weeks` ISO weeks (UTC), oldest first. Reads each window through the occurred_at and
 * resolved_at indexes.
 */
export async function weeklyImprovement(
  db: Queryable,
  opts: { tenantId: string | null; weeks: number },
): Promise<WeekFigures[]> {
  const result = await db.query<WeekFigures>(
    `with w as (
       select generate_series(date_trunc('week', now() at time zone 'UTC') - make_interval(weeks => $2 - 1),
         date_trunc('week', now() at time zone 'UTC'), interval '1 week') at time zone 'UTC' as week),
     seen as (
       select date_trunc('week', occurred_at at time zone 'UTC') at time zone 'UTC' as week, count(*)::int as seen,
         count(*) filter (where status = 'resolved' and escalated_at is null)::int as matched
       from error_events where occurred_at >= (select min(week) from w) and ($1::text is null or tenant_id = $1)
       group by 1),
     res as (
       select date_trunc('week', resolved_at at time zone 'UTC') at time zone 'UTC' as week, count(*)::int as resolved,
         count(*) filter (where escalated_at is null)::int as auto,
         round(percentile_cont(0.5) within group (order by resolution_ms))::float8 as median
       from error_events where resolved_at >= (select min(week) from w) and status = 'resolved'
         and ($1::text is null or tenant_id = $1)
       group by 1)
     select w.week, coalesce(seen.seen, 0) as seen, coalesce(seen.matched, 0) as matched,
       coalesce(res.resolved, 0) as resolved, coalesce(res.auto, 0) as "autoResolved", res.median as "medianResolutionMs"
     from w left join seen using (week) left join res using (week) order by w.week`,
    [opts.tenantId, opts.weeks],
  );
  return result.rows;
}

/** The latest run of each learning cycle: its window, when it completed, and how long its activities took. */
export async function latestCycleRuns(db: Queryable): Promise<
  {
    cycle: string;
    windowStart: Date;
    windowEnd: Date;
    completedAt: Date;
    workflowId: string | null;
    durationMs: number | null;
  }[]
> {
  const result = await db.query(
    `select r.cycle, r.window_start as "windowStart", r.window_end as "windowEnd", r.completed_at as "completedAt",
       r.workflow_id as "workflowId",
       (select extract(epoch from max(h.finished_at) - min(h.started_at)) * 1000 from work_history h
        where h.workflow_id = r.workflow_id)::float8 as "durationMs"
     from unnest(array['five-minute', 'hourly', 'daily']) as c(cycle)
     cross join lateral (select * from learning_cycle_runs l where l.cycle = c.cycle order by window_start desc limit 1) r`,
  );
  return result.rows as never;
}
