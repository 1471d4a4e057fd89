/**
 * SQL of the knowledge base (solutions by problem signature), error-event resolution and the
 * decision log.
 */
import type { Queryable } from './entries';

/** A solution in the knowledge base, camelCased. */
export interface Solution {
  id: number;
  problemSignature: string;
  description: string;
  action: string;
  params: Record<string, unknown>;
  successCount: number;
  failureCount: number;
  usageCount: number;
  successRate: number | null;
  lastUsedAt: Date | null;
  source: 'human' | 'learned';
  disabledAt: Date | null;
  createdAt: Date;
}

const SOLUTION_COLUMNS = `id::int, problem_signature as "problemSignature", description, action, params,
  success_count as "successCount", failure_count as "failureCount", usage_count as "usageCount",
  success_rate as "successRate", last_used_at as "lastUsedAt", source, disabled_at as "disabledAt",
  created_at as "createdAt"`;

/**
 * Adds a solution, or replaces the one for the same signature (one per signature) and enables it
 * again. The same action keeps its record; another action starts a new one.
 */
export async function upsertSolution(
  db: Queryable,
  s: { problemSignature: string; description: string; action: string; params: Record<string, unknown>; source: Solution['source']; successCount?: number },
): Promise<Solution> {
  const result = await db.query<Solution>(
    `insert into knowledge_base (problem_signature, description, action, params, source, success_count)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (problem_signature) do update set
       description = excluded.description, action = excluded.action, params = excluded.params,
       disabled_at = null, updated_at = now(),
       -- Another action for the signature replaces the old one, and starts its own record.
       source = case when knowledge_base.action = excluded.action then knowledge_base.source else excluded.source end,
       success_count = excluded.success_count
         + case when knowledge_base.action = excluded.action then knowledge_base.success_count else 0 end,
       failure_count = case when knowledge_base.action = excluded.action then knowledge_base.failure_count else 0 end,
       usage_count = case when knowledge_base.action = excluded.action then knowledge_base.usage_count else 0 end
     returning ${SOLUTION_COLUMNS}`,
    [s.problemSignature, s.description, s.action, JSON.stringify(s.params), s.source, s.successCount ?? 0],
  );
  return result.rows[0]!;
}

export async function listSolutions(db: Queryable, opts: { includeDisabled?: boolean; limit?: number } = {}): Promise<Solution[]> {
  const result = await db.query<Solution>(
    `select ${SOLUTION_COLUMNS} from knowledge_base where $1 or disabled_at is null order by updated_at desc limit $2`,
    [opts.includeDisabled ?? false, opts.limit ?? 100],
  );
  return result.rows;
}

export async function getSolution(db: Queryable, id: number): Promise<Solution | null> {
  const result = await db.query<Solution>(`select ${SOLUTION_COLUMNS} from knowledge_base where id = $1`, [id]);
  return result.rows[0] ?? null;
}

/** Disables a solution (kept, with its record). Returns false when there is none. */
export async function disableSolution(db: Queryable, id: number): Promise<boolean> {
  const result = await db.query('update knowledge_base set disabled_at = coalesce(disabled_at, now()), updated_at = now() where id = $1', [id]);
  return (result.rowCount ?? 0) > 0;
}

/**
 * Enabled solutions whose signature equals `signature` (similarity 1) or is similar to it by
 * pg_trgm (`similarity` ≥ `minSimilarity`), most similar first.
 */
export async function findSimilarSolutions(
  db: Queryable,
  signature: string,
  minSimilarity: number,
  limit = 10,
): Promise<(Solution & { similarity: number })[]> {
  const result = await db.query<Solution & { similarity: number }>(
    `select * from (
       select ${SOLUTION_COLUMNS}, similarity(problem_signature, $1)::float8 as similarity
       from knowledge_base
       -- \`%\` (pg_trgm's default threshold, 0.3) lets the trigram index find candidates.
       where disabled_at is null and problem_signature % $1) s
     where similarity >= $2
     order by similarity desc, "successCount" desc limit $3`,
    [signature, minSimilarity, limit],
  );
  return result.rows;
}

/** Counts one application of a solution and whether it worked. */
export async function recordSolutionOutcome(db: Queryable, id: number, success: boolean): Promise<Solution | null> {
  const result = await db.query<Solution>(
    `update knowledge_base set usage_count = usage_count + 1, last_used_at = now(), updated_at = now(),
       success_count = success_count + $2::int, failure_count = failure_count + (1 - $2::int)
     where id = $1 returning ${SOLUTION_COLUMNS}`,
    [id, success ? 1 : 0],
  );
  return result.rows[0] ?? null;
}

/** Marks error events of a signature resolved (by a solution, or by a person when null). */
export async function resolveErrorEvents(
  db: Queryable,
  e: { signature: string; status: 'resolved' | 'ignored' | 'escalated'; solutionId?: number },
): Promise<number> {
  const result = await db.query(
    `update error_events set status = $2, resolved_by = $3,
       resolved_at = case when $2 = 'escalated' then null else now() end,
       resolution_ms = case when $2 = 'escalated' then null else (extract(epoch from now() - occurred_at) * 1000)::int end
     where signature = $1 and status in ('open', 'escalated')`,
    [e.signature, e.status, e.solutionId ?? null],
  );
  return result.rowCount ?? 0;
}

/** One decision an agent took, with why. Recorded once per `dedupeKey`. */
export interface Decision {
  agentId: string;
  decision: string;
  context?: Record<string, unknown>;
  confidence?: number;
  patterns?: unknown[];
  outcome?: string;
  dedupeKey?: string;
}

export async function insertDecision(db: Queryable, d: Decision): Promise<void> {
  await db.query(
    `insert into decision_log (agent_id, decision, context, confidence, patterns, outcome, dedupe_key)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (dedupe_key) do update set outcome = coalesce(excluded.outcome, decision_log.outcome)`,
    [d.agentId, d.decision, JSON.stringify(d.context ?? {}), d.confidence ?? null, JSON.stringify(d.patterns ?? []), d.outcome ?? null, d.dedupeKey ?? null],
  );
}
