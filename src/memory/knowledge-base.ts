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
  /** The normalised message the solution was learned from or taught for (full-text matching). */
  exampleMessage: string | null;
  disabledAt: Date | null;
  createdAt: Date;
}

const SOLUTION_COLUMNS = `id::int, problem_signature as "problemSignature", description, action, params,
  success_count as "successCount", failure_count as "failureCount", usage_count as "usageCount",
  success_rate as "successRate", last_used_at as "lastUsedAt", source, example_message as "exampleMessage",
  disabled_at as "disabledAt",
  created_at as "createdAt"`;

/**
 * Adds a solution, or replaces the one for the same signature (one per signature) and enables it
 * again. The same action keeps its record; another action starts a new one.
 */
export async function upsertSolution(
  db: Queryable,
  s: {
    problemSignature: string;
    description: string;
    action: string;
    params: Record<string, unknown>;
    source: Solution['source'];
    successCount?: number;
    exampleMessage?: string;
  },
): Promise<Solution> {
  const result = await db.query<Solution>(
    `insert into knowledge_base (problem_signature, description, action, params, source, success_count, example_message)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (problem_signature) do update set
       description = excluded.description, action = excluded.action, params = excluded.params,
       example_message = coalesce(excluded.example_message, knowledge_base.example_message),
       disabled_at = null, updated_at = now(),
       -- Another action for the signature replaces the old one, and starts its own record.
       source = case when knowledge_base.action = excluded.action then knowledge_base.source else excluded.source end,
       success_count = excluded.success_count
         + case when knowledge_base.action = excluded.action then knowledge_base.success_count else 0 end,
       failure_count = case when knowledge_base.action = excluded.action then knowledge_base.failure_count else 0 end,
       usage_count = case when knowledge_base.action = excluded.action then knowledge_base.usage_count else 0 end
     returning ${SOLUTION_COLUMNS}`,
    [
      s.problemSignature,
      s.description,
      s.action,
      JSON.stringify(s.params),
      s.source,
      s.successCount ?? 0,
      s.exampleMessage ?? null,
    ],
  );
  return result.rows[0]!;
}

export async function listSolutions(
  db: Queryable,
  opts: { includeDisabled?: boolean; limit?: number } = {},
): Promise<Solution[]> {
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
  const result = await db.query(
    'update knowledge_base set disabled_at = coalesce(disabled_at, now()), updated_at = now() where id = $1',
    [id],
  );
  return (result.rowCount ?? 0) > 0;
}

/**
 * Enabled solutions similar to an error, most similar first. `similarity` (0..1) is the larger of
 * - pg_trgm `similarity` of the signatures (1 for the same signature), and
 * - the Dice coefficient of full-text lexemes, 2|A∩B| / (|A|+|B|), between `message` (normalised)
 *   and the solution's example message: the same words in another wording, type or stack.
 * Candidates come from the trigram index (`%`, pg_trgm's default threshold 0.3) or the lexeme
 * index (`&&`, at least one word in common); those under `minSimilarity` are dropped. Ties go to
 * the closer signature: two signatures can hold the same words (`http://…` and `https://…` of
 * one status), so their lexemes match the message equally and only the signature tells them apart.
 */
export async function findSimilarSolutions(
  db: Queryable,
  e: { signature: string; message?: string; minSimilarity: number; limit?: number },
): Promise<(Solution & { similarity: number; signatureSimilarity: number; textSimilarity: number })[]> {
  const result = await db.query<Solution & { similarity: number; signatureSimilarity: number; textSimilarity: number }>(
    `with q as (select tsvector_to_array(to_tsvector('english', coalesce($2, ''))) as lexemes)
     select *, greatest("signatureSimilarity", "textSimilarity") as similarity from (
       select ${SOLUTION_COLUMNS},
         similarity(problem_signature, $1)::float8 as "signatureSimilarity",
         case when cardinality(q.lexemes) = 0 or cardinality(example_lexemes) = 0 then 0::float8
              else 2.0 * (select count(*) from unnest(q.lexemes) w where w = any(example_lexemes))
                   / (cardinality(q.lexemes) + cardinality(example_lexemes)) end::float8 as "textSimilarity"
       from knowledge_base, q
       where disabled_at is null and (problem_signature % $1 or example_lexemes && q.lexemes)) s
     where greatest("signatureSimilarity", "textSimilarity") >= $3
     order by similarity desc, "signatureSimilarity" desc, "successCount" desc limit $4`,
    [e.signature, e.message ?? null, e.minSimilarity, e.limit ?? 10],
  );
  return result.rows;
}

/**
 * Counts one application of a solution and whether it worked. With `writeId` (the activity's
 * write id) it counts once per write id: a retried activity finds its claim and changes nothing.
 */
export async function recordSolutionOutcome(
  db: Queryable,
  id: number,
  success: boolean,
  writeId?: string,
): Promise<Solution | null> {
  const result = await db.query<Solution>(
    `with claim as (
       insert into knowledge_base_writes (write_id, solution_id, kind)
       select $3, id, 'outcome' from knowledge_base where $3::text is not null and id = $1
       on conflict (write_id) do nothing
       returning 1)
     update knowledge_base set usage_count = usage_count + 1, last_used_at = now(), updated_at = now(),
       success_count = success_count + $2::int, failure_count = failure_count + (1 - $2::int)
     where id = $1 and ($3::text is null or exists (select 1 from claim))
     returning ${SOLUTION_COLUMNS}`,
    [id, success ? 1 : 0, writeId ?? null],
  );
  return result.rows[0] ?? (writeId === undefined ? null : getSolution(db, id));
}

/**
 * {@link upsertSolution} once per `writeId` (the activity's write id): a retry returns the solution
 * the first attempt wrote instead of counting its success again. Serialised per write id.
 */
export async function upsertSolutionOnce(
  db: Queryable,
  s: Parameters<typeof upsertSolution>[1],
  writeId: string,
): Promise<Solution> {
  await db.query('select pg_advisory_xact_lock(hashtext($1))', [`knowledge_base_writes/${writeId}`]);
  const done = await db.query<{ id: number }>(
    'select solution_id::int as id from knowledge_base_writes where write_id = $1',
    [writeId],
  );
  const earlier = done.rows[0] && (await getSolution(db, done.rows[0].id));
  if (earlier) return earlier;
  const solution = await upsertSolution(db, s);
  await db.query(`insert into knowledge_base_writes (write_id, solution_id, kind) values ($1, $2, 'learn')`, [
    writeId,
    solution.id,
  ]);
  return solution;
}

/** Marks error events of a signature resolved (by a solution, or by a person when null). */
export async function resolveErrorEvents(
  db: Queryable,
  e: { signature: string; status: 'resolved' | 'ignored' | 'escalated'; solutionId?: number },
): Promise<number> {
  const result = await db.query(
    `update error_events set status = $2, resolved_by = $3,
       resolved_at = case when $2 = 'escalated' then null else now() end,
       resolution_ms = case when $2 = 'escalated' then null else (extract(epoch from now() - occurred_at) * 1000)::bigint end
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
    [
      d.agentId,
      d.decision,
      JSON.stringify(d.context ?? {}),
      d.confidence ?? null,
      JSON.stringify(d.patterns ?? []),
      d.outcome ?? null,
      d.dedupeKey ?? null,
    ],
  );
}

/** How one error signature fared over a window: occurrences by status and time to resolution. */
export interface ErrorSummary {
  signature: string;
  occurrences: number;
  open: number;
  escalated: number;
  resolved: number;
  ignored: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Action of the solution that resolved it most recently (null: a person, or not resolved). */
  resolvedWith: string | null;
  /** Time from occurrence to resolution, ms (null when none was resolved). */
  medianResolutionMs: number | null;
  p95ResolutionMs: number | null;
}

/** Error events since `since`, grouped by signature, most frequent first. */
export async function summariseErrors(db: Queryable, opts: { since: Date; limit?: number }): Promise<ErrorSummary[]> {
  const result = await db.query<ErrorSummary>(
    `select e.signature, count(*)::int as occurrences,
       count(*) filter (where e.status = 'open')::int as open,
       count(*) filter (where e.status = 'escalated')::int as escalated,
       count(*) filter (where e.status = 'resolved')::int as resolved,
       count(*) filter (where e.status = 'ignored')::int as ignored,
       min(e.occurred_at) as "firstSeenAt", max(e.occurred_at) as "lastSeenAt",
       (array_agg(kb.action order by e.resolved_at desc) filter (where kb.action is not null))[1] as "resolvedWith",
       round(percentile_cont(0.5) within group (order by e.resolution_ms))::float8 as "medianResolutionMs",
       round(percentile_cont(0.95) within group (order by e.resolution_ms))::float8 as "p95ResolutionMs"
     from error_events e left join knowledge_base kb on kb.id = e.resolved_by
     where e.occurred_at >= $1
     group by e.signature order by occurrences desc, "lastSeenAt" desc limit $2`,
    [opts.since, opts.limit ?? 50],
  );
  return result.rows;
}
