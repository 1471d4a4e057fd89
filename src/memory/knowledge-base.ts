/**
 * The knowledge base: solutions by problem signature, each naming a registered remediation, with
 * its record (successes, failures, uses). Operator work: tenants read it through the operator's
 * lookups, never write it.
 */
import type { Solution, SolutionInput } from '../contracts/knowledge';
import { operatorRepository, type Connections, type Queryable } from './connections';

const SOLUTION_COLUMNS = `id::int, problem_signature as "problemSignature", description, action, params,
  success_count as "successCount", failure_count as "failureCount", usage_count as "usageCount",
  success_rate as "successRate", last_used_at as "lastUsedAt", source, example_message as "exampleMessage",
  disabled_at as "disabledAt",
  created_at as "createdAt"`;

/**
 * Adds a solution, or replaces the one for the same signature (one per signature) and enables it
 * again. The same action keeps its record; another action starts a new one.
 */
export async function upsertSolution(db: Queryable, s: SolutionInput): Promise<Solution> {
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

/** Solutions, most recently changed first; disabled ones only when asked. */
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

export async function getSolution(db: Queryable, { id }: { id: number }): Promise<Solution | null> {
  const result = await db.query<Solution>(`select ${SOLUTION_COLUMNS} from knowledge_base where id = $1`, [id]);
  return result.rows[0] ?? null;
}

/** Disables a solution (kept, with its record). Returns false when there is none. */
export async function disableSolution(db: Queryable, { id }: { id: number }): Promise<boolean> {
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
  { id, success, writeId }: { id: number; success: boolean; writeId?: string },
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
  return result.rows[0] ?? (writeId === undefined ? null : getSolution(db, { id }));
}

/**
 * {@link upsertSolution} once per `writeId` (the activity's write id): a retry returns the solution
 * the first attempt wrote instead of counting its success again. Serialised per write id.
 */
export async function upsertSolutionOnce(
  db: Queryable,
  { writeId, ...s }: SolutionInput & { writeId: string },
): Promise<Solution> {
  await db.query('select pg_advisory_xact_lock(hashtext($1))', [`knowledge_base_writes/${writeId}`]);
  const done = await db.query<{ id: number }>(
    'select solution_id::int as id from knowledge_base_writes where write_id = $1',
    [writeId],
  );
  const earlier = done.rows[0] && (await getSolution(db, { id: done.rows[0].id }));
  if (earlier) return earlier;
  const solution = await upsertSolution(db, s);
  await db.query(`insert into knowledge_base_writes (write_id, solution_id, kind) values ($1, $2, 'learn')`, [
    writeId,
    solution.id,
  ]);
  return solution;
}

/** The knowledge base of solutions (operator work). */
export function knowledgeRepository(db: Connections) {
  return {
    ...operatorRepository(db, {
      upsertSolution,
      listSolutions,
      getSolution,
      disableSolution,
      findSimilarSolutions,
      recordSolutionOutcome,
    }),
    /** {@link upsertSolution} once per write id (a retried activity does not count twice), in one transaction. */
    upsertSolutionOnce: (s: SolutionInput & { writeId: string }) =>
      db.transaction(undefined, (client) => upsertSolutionOnce(client, s)),
  };
}
export type KnowledgeRepository = ReturnType<typeof knowledgeRepository>;
