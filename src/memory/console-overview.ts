/**
 * SQL of the console's overview: health targets, memory by layer, scope and type, active sessions,
 * writes and searches per minute, open escalations and the newest insights. Functions take a
 * `Queryable` and a tenant (`null`: the operator's view of every tenant); a tenant's reads are
 * meant to run under its row-level security (`store.console`) and also name the tenant, so that its
 * indexes serve them. Every query reads through an index or a bounded window: nothing here counts a
 * large table row by row except {@link entryCounts}, which callers cache (the console's overview
 * operation) and replace by {@link entryCountEstimate} when the table is large.
 */
import type { Queryable } from './connections';

/** The latest check of one health target (its `health/<target>` entry). */
export interface HealthRow {
  target: string;
  status: string;
  kind: string | null;
  error: string | null;
  latencyMs: number | null;
  checkedAt: string | null;
  /** When the status last changed (SystemMonitor's `lastChangeAt`). */
  lastChangeAt: string | null;
}

/** Latest health per target; only `targets` when given (a tenant sees the shared ones). */
export async function healthTargets(db: Queryable, targets?: readonly string[]): Promise<HealthRow[]> {
  const result = await db.query<HealthRow>(
    `select substring(key from 8) as target, value->>'status' as status, value->>'kind' as kind,
       value->>'error' as error, (value->>'latencyMs')::float8 as "latencyMs", value->>'checkedAt' as "checkedAt",
       metadata->>'lastChangeAt' as "lastChangeAt"
     from memory_entries
     where tenant_id is null and memory_type = 'health_check' and scope = 'global' and starts_with(key, 'health/')
       and archived_at is null and ($1::text[] is null or substring(key from 8) = any($1))
     order by key`,
    [targets ? [...targets] : null],
  );
  return result.rows;
}

/** Counts of live entries by one dimension (`layer`, `scope` or `memoryType`). */
export interface EntryCounts {
  byLayer: Record<string, number>;
  byScope: Record<string, number>;
  byType: Record<string, number>;
  total: number;
  /** `exact` counted now; `estimate` from the planner's statistics (as of the last ANALYZE). */
  basis: 'exact' | 'estimate';
}

function fold(rows: { dim: string; value: string; n: number }[], basis: EntryCounts['basis']): EntryCounts {
  const out: EntryCounts = { byLayer: {}, byScope: {}, byType: {}, total: 0, basis };
  for (const r of rows) {
    const target = r.dim === 'layer' ? out.byLayer : r.dim === 'scope' ? out.byScope : out.byType;
    target[r.value] = r.n;
    if (r.dim === 'layer') out.total += r.n;
  }
  return out;
}

/**
 * Exact counts of live entries by layer, scope and type, in one scan (grouping sets): a tenant's
 * (through its index), or every entry with `tenantId` null. Cost grows with the rows counted.
 */
export async function entryCounts(db: Queryable, tenantId: string | null): Promise<EntryCounts> {
  const result = await db.query<{ dim: string; value: string; n: number }>(
    `select case when grouping(layer) = 0 then 'layer' when grouping(scope) = 0 then 'scope' else 'type' end as dim,
       coalesce(layer, scope, memory_type) as value, count(*)::int as n
     from memory_entries
     where ($1::text is null or tenant_id = $1) and archived_at is null and (expires_at is null or expires_at > now())
     group by grouping sets ((layer), (scope), (memory_type))`,
    [tenantId],
  );
  return fold(result.rows, 'exact');
}

/** The planner's row estimate of `memory_entries` (`pg_class.reltuples`; -1 before the first ANALYZE). */
export async function entryRowEstimate(db: Queryable): Promise<number> {
  const result = await db.query<{ n: number }>(
    `select reltuples::float8 as n from pg_class where oid = 'memory_entries'::regclass`,
  );
  return result.rows[0]?.n ?? -1;
}

/**
 * Every entry's counts estimated from the planner's statistics (PostgreSQL docs, "Statistics Used
 * by the Planner": `pg_stats.most_common_vals` and `most_common_freqs` times `pg_class.reltuples`).
 * Instant at any size; as current as the last ANALYZE, and counts expired entries not yet archived.
 */
export async function entryCountEstimate(db: Queryable): Promise<EntryCounts> {
  const result = await db.query<{ dim: string; value: string; n: number }>(
    `select case s.attname when 'memory_type' then 'type' else s.attname end as dim, v.value,
       round(v.freq * c.reltuples)::int as n
     from pg_stats s
     cross join (select reltuples from pg_class where oid = 'memory_entries'::regclass) c
     cross join lateral unnest(s.most_common_vals::text::text[], s.most_common_freqs) as v(value, freq)
     where s.schemaname = current_schema() and s.tablename = 'memory_entries'
       and s.attname in ('layer', 'scope', 'memory_type')`,
  );
  return fold(result.rows, 'estimate');
}

/** Active sessions: how many, and the most recently active ones. */
export async function activeSessions(
  db: Queryable,
  tenantId: string | null,
  limit: number,
): Promise<{
  count: number;
  recent: {
    tenantId: string;
    sessionId: string;
    agentId: string | null;
    lastActivityAt: Date;
    messageCount: number;
    workflowId: string;
  }[];
}> {
  // One after the other: on a tenant's connection, statements cannot overlap.
  const count = await db.query<{ n: number }>(
    `select count(*)::int as n from sessions where status = 'active' and ($1::text is null or tenant_id = $1)`,
    [tenantId],
  );
  const recent = await db.query(
    `select tenant_id as "tenantId", session_id as "sessionId", agent_id as "agentId",
       last_activity_at as "lastActivityAt", message_count::int as "messageCount", workflow_id as "workflowId"
     from sessions where status = 'active' and ($1::text is null or tenant_id = $1)
     order by last_activity_at desc limit $2`,
    [tenantId, limit],
  );
  return { count: count.rows[0]?.n ?? 0, recent: recent.rows as never };
}

/** One minute of activity. */
export interface MinuteCount {
  minute: Date;
  n: number;
}

/**
 * Entries written per minute over the last `minutes` (each entry counted at its latest write: an
 * entry written twice in the window counts once), through the (tenant, updated_at) index.
 */
export async function writesPerMinute(db: Queryable, tenantId: string | null, minutes: number): Promise<MinuteCount[]> {
  const result = await db.query<MinuteCount>(
    `select date_trunc('minute', updated_at) as minute, count(*)::int as n from memory_entries
     where updated_at > now() - make_interval(mins => $2) and ($1::text is null or tenant_id = $1)
     group by 1 order by 1`,
    [tenantId, minutes],
  );
  return result.rows;
}

/**
 * Searches through the API per minute over the last `minutes`, from its access log (operation
 * `memory.search`). The access log is an operator table: run this on the operator's pool.
 */
export async function searchesPerMinute(
  db: Queryable,
  tenantId: string | null,
  minutes: number,
): Promise<MinuteCount[]> {
  const result = await db.query<MinuteCount>(
    `select date_trunc('minute', at) as minute, count(*)::int as n from api_access_log
     where at > now() - make_interval(mins => $2) and operation = 'memory.search'
       and ($1::text is null or tenant_id = $1)
     group by 1 order by 1`,
    [tenantId, minutes],
  );
  return result.rows;
}

/** Error signatures waiting for a person, with how many of their errors wait and since when. */
export interface OpenEscalation {
  signature: string;
  errors: number;
  lastMessage: string;
  firstEscalatedAt: Date | null;
  lastOccurredAt: Date;
  tenants: string[];
}

/** Escalated error signatures (a tenant's errors only, with `tenantId`), most recent first. */
export async function openEscalations(
  db: Queryable,
  tenantId: string | null,
  limit: number,
): Promise<OpenEscalation[]> {
  const result = await db.query<OpenEscalation>(
    `select signature, count(*)::int as errors, (array_agg(message order by occurred_at desc))[1] as "lastMessage",
       min(escalated_at) as "firstEscalatedAt", max(occurred_at) as "lastOccurredAt",
       coalesce(array_agg(distinct tenant_id) filter (where tenant_id is not null), '{}') as tenants
     from error_events where status = 'escalated' and ($1::text is null or tenant_id = $1)
     group by signature order by max(occurred_at) desc limit $2`,
    [tenantId, limit],
  );
  return result.rows;
}

/** An insight as the console lists it. */
export interface InsightRow {
  key: string;
  kind: string | null;
  severity: string | null;
  title: string | null;
  detail: string | null;
  recommendedAction: string | null;
  status: string | null;
  source: string | null;
  updatedAt: Date;
}

/** The newest insights (shared entries every tenant reads), newest first. */
export async function newestInsights(db: Queryable, limit: number, before?: Date): Promise<InsightRow[]> {
  const result = await db.query<InsightRow>(
    `select key, category as kind, metadata->>'severity' as severity, title,
       split_part(content, E'\\nRecommended action: ', 1) as detail, metadata->>'recommendedAction' as "recommendedAction",
       metadata->>'status' as status, source, updated_at as "updatedAt"
     from memory_entries
     where tags @> '{insight}' and tenant_id is null and scope = 'global' and archived_at is null
       and ($2::timestamptz is null or updated_at < $2)
     order by updated_at desc limit $1`,
    [limit, before ?? null],
  );
  return result.rows;
}
