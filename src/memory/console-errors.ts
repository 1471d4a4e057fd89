/**
 * SQL of the console's errors-and-fixes page: error patterns over time (occurrences per signature
 * and hour or day, for the most frequent signatures of a window), each signature's known solutions
 * with their success rates, its time to resolution and its recent errors. Error events are
 * tenant-owned (a tenant's view runs under its row-level security and names the tenant); the
 * knowledge base is the operator's, tenant-free table: {@link solutionsFor} runs on the operator's
 * pool, for signatures the viewer was shown.
 */
import type { Solution } from '../contracts/knowledge';
import type { Queryable } from './connections';

/** One signature's errors in a window, with its occurrences per bucket. */
export interface SignaturePattern {
  signature: string;
  errorType: string;
  lastMessage: string;
  occurrences: number;
  open: number;
  escalated: number;
  resolved: number;
  ignored: number;
  lastSeenAt: Date;
  medianResolutionMs: number | null;
  /** `[bucket start (epoch s), occurrences]`, oldest first, buckets without errors left out. */
  series: [number, number][];
}

/**
 * The `limit` most frequent signatures since `since`, each with its series per `bucket`. Reads
 * the window through the occurred_at index, then each signature's window through (signature, time).
 */
export async function signaturePatterns(
  db: Queryable,
  opts: { tenantId: string | null; since: Date; bucket: 'hour' | 'day'; limit: number },
): Promise<SignaturePattern[]> {
  const result = await db.query<SignaturePattern>(
    `with top as (
       select signature, count(*)::int as occurrences,
         (array_agg(error_type order by occurred_at desc))[1] as "errorType",
         (array_agg(message order by occurred_at desc))[1] as "lastMessage",
         count(*) filter (where status = 'open')::int as open,
         count(*) filter (where status = 'escalated')::int as escalated,
         count(*) filter (where status = 'resolved')::int as resolved,
         count(*) filter (where status = 'ignored')::int as ignored,
         max(occurred_at) as "lastSeenAt",
         round(percentile_cont(0.5) within group (order by resolution_ms))::float8 as "medianResolutionMs"
       from error_events where occurred_at >= $2 and ($1::text is null or tenant_id = $1)
       group by signature order by occurrences desc, "lastSeenAt" desc limit $4)
     select top.*, coalesce((
         select json_agg(json_build_array(extract(epoch from b)::bigint, n) order by b)
         from (select date_trunc($3, occurred_at) as b, count(*)::int as n from error_events e
               where e.signature = top.signature and e.occurred_at >= $2 and ($1::text is null or e.tenant_id = $1)
               group by 1) x), '[]') as series
     from top order by occurrences desc, "lastSeenAt" desc`,
    [opts.tenantId, opts.since, opts.bucket, opts.limit],
  );
  return result.rows;
}

/** One error event of a signature, as its page lists it. */
export interface SignatureEvent {
  id: number;
  message: string;
  status: string;
  source: string;
  tenantId: string | null;
  workflowId: string | null;
  occurredAt: Date;
  escalatedAt: Date | null;
  resolvedAt: Date | null;
  resolutionMs: number | null;
}

/** Recent error events of one signature, newest first. */
export async function signatureEvents(
  db: Queryable,
  opts: { tenantId: string | null; signature: string; limit: number },
): Promise<SignatureEvent[]> {
  const result = await db.query(
    `select id::int, message, status, source, tenant_id as "tenantId", workflow_id as "workflowId",
       occurred_at as "occurredAt", escalated_at as "escalatedAt", resolved_at as "resolvedAt",
       resolution_ms::float8 as "resolutionMs"
     from error_events where signature = $2 and ($1::text is null or tenant_id = $1)
     order by occurred_at desc limit $3`,
    [opts.tenantId, opts.signature, opts.limit],
  );
  return result.rows as never;
}

/** Time to resolution of a signature's resolved errors (ms): median, 95th percentile, count. */
export async function signatureResolution(
  db: Queryable,
  opts: { tenantId: string | null; signature: string },
): Promise<{ resolved: number; medianMs: number | null; p95Ms: number | null; autoResolved: number }> {
  const result = await db.query(
    `select count(*)::int as resolved,
       round(percentile_cont(0.5) within group (order by resolution_ms))::float8 as "medianMs",
       round(percentile_cont(0.95) within group (order by resolution_ms))::float8 as "p95Ms",
       count(*) filter (where escalated_at is null)::int as "autoResolved"
     from error_events where signature = $2 and status = 'resolved' and ($1::text is null or tenant_id = $1)`,
    [opts.tenantId, opts.signature],
  );
  return result.rows[0] as never;
}

/** Known solutions of these signatures (the knowledge base: run on the operator's pool). */
export async function solutionsFor(db: Queryable, signatures: string[]): Promise<Solution[]> {
  if (signatures.length === 0) return [];
  const result = await db.query<Solution>(
    `select id::int, problem_signature as "problemSignature", description, action, params,
       success_count as "successCount", failure_count as "failureCount", usage_count as "usageCount",
       success_rate as "successRate", last_used_at as "lastUsedAt", source, example_message as "exampleMessage",
       disabled_at as "disabledAt", created_at as "createdAt"
     from knowledge_base where problem_signature = any($1::text[]) order by problem_signature`,
    [signatures],
  );
  return result.rows;
}

/** The id of the newest escalated error event of `signature` (any tenant: an operator read), or null. */
export async function escalatedEvent(db: Queryable, signature: string): Promise<number | null> {
  const result = await db.query<{ id: number }>(
    `select id::int from error_events where signature = $1 and status = 'escalated' order by occurred_at desc limit 1`,
    [signature],
  );
  return result.rows[0]?.id ?? null;
}
