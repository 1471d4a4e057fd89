/**
 * The reads of contextual guidance: similar past work (work history, deployments, error events,
 * orchestrated tasks), matching solutions and procedures with their records, and insights — each
 * matched by any of the task's words (full-text) or by trigram similarity. The decisions guidance
 * writes are in `decisions.ts`.
 */
import { operatorRepository, type Connections, type Queryable } from './connections';
import type { TaskMatch } from '../domain/guidance';

/** A task in words, and how many matches to return at most. */
export interface TaskQuery {
  task: string;
  limit?: number;
}

/** `'a' | 'b' | …`: any of the task's English lexemes (empty when it has none). */
const ANY_WORD = `(select nullif(replace(plainto_tsquery('english', $1)::text, '&', '|'), '')::tsquery as q)`;

export interface WorkMatch {
  id: number;
  agentId: string;
  action: string;
  runs: number;
  successes: number;
  relevance: number;
}

/** Work history of the last 30 days whose action or input mentions the task's words, per agent and action. */
export async function similarWork(db: Queryable, { task, limit = 10 }: TaskQuery): Promise<WorkMatch[]> {
  const result = await db.query<WorkMatch>(
    `with t as ${ANY_WORD},
     m as (select w.id, w.agent_id, w.action, w.success,
             ts_rank(to_tsvector('english', regexp_replace(w.action, '([a-z])([A-Z])', '\\1 \\2', 'g') || ' ' || coalesce(left(w.input::text, 2000), '')), t.q) as r
           from work_history w, t
           where t.q is not null and w.finished_at > now() - interval '30 days'
             and to_tsvector('english', regexp_replace(w.action, '([a-z])([A-Z])', '\\1 \\2', 'g') || ' ' || coalesce(left(w.input::text, 2000), '')) @@ t.q)
     select max(id)::int as id, agent_id as "agentId", action, count(*)::int as runs,
       (count(*) filter (where success))::int as successes, least(1, max(r) * 10)::float8 as relevance
     from m group by agent_id, action order by relevance desc, runs desc limit $2`,
    [task, limit],
  );
  return result.rows;
}

export interface DeploymentMatch {
  id: number;
  target: string;
  ref: string;
  status: string;
  relevance: number;
}

export async function similarDeployments(db: Queryable, { task, limit = 5 }: TaskQuery): Promise<DeploymentMatch[]> {
  const result = await db.query<DeploymentMatch>(
    `with t as ${ANY_WORD}
     select d.id::int, d.target, d.ref, d.status,
       least(1, ts_rank(to_tsvector('simple', d.target || ' ' || d.ref || ' ' || coalesce(d.error_message, '')), t.q) * 10)::float8 as relevance
     from deployments d, t
     where t.q is not null and to_tsvector('simple', d.target || ' ' || d.ref || ' ' || coalesce(d.error_message, '')) @@ t.q
     order by relevance desc, d.started_at desc limit $2`,
    [task, limit],
  );
  return result.rows;
}

export interface ErrorMatch {
  id: number;
  signature: string;
  message: string;
  status: string;
  resolvedBy: number | null;
  relevance: number;
}

export async function similarErrors(db: Queryable, { task, limit = 5 }: TaskQuery): Promise<ErrorMatch[]> {
  const result = await db.query<ErrorMatch>(
    `with t as ${ANY_WORD}
     select e.id::int, e.signature, left(e.message, 300) as message, e.status, e.resolved_by::int as "resolvedBy",
       least(1, ts_rank(to_tsvector('english', e.message), t.q) * 10)::float8 as relevance
     from error_events e, t
     where t.q is not null and e.occurred_at > now() - interval '30 days' and to_tsvector('english', e.message) @@ t.q
     order by relevance desc, e.occurred_at desc limit $2`,
    [task, limit],
  );
  return result.rows;
}

export interface SolutionMatch {
  id: number;
  action: string;
  description: string;
  problemSignature: string;
  successCount: number;
  failureCount: number;
  relevance: number;
}

/**
 * Enabled solutions whose example message, description or signature share words with the task:
 * relevance is the Dice coefficient of lexemes (or the trigram similarity of the signature, when larger).
 */
export async function matchingSolutions(db: Queryable, { task, limit = 10 }: TaskQuery): Promise<SolutionMatch[]> {
  const result = await db.query<SolutionMatch>(
    `with q as (select tsvector_to_array(to_tsvector('english', $1)) as lexemes),
     s as (select kb.*, (select array_agg(distinct l) from unnest(kb.example_lexemes
              || tsvector_to_array(to_tsvector('english', kb.description))) l) as words from knowledge_base kb)
     select id::int, action, description, problem_signature as "problemSignature",
       success_count as "successCount", failure_count as "failureCount",
       greatest(similarity(problem_signature, $1),
         case when cardinality(q.lexemes) = 0 or coalesce(cardinality(words), 0) = 0 then 0
              else 2.0 * (select count(*) from unnest(q.lexemes) w where w = any(words)) / (cardinality(q.lexemes) + cardinality(words)) end)::float8 as relevance
     from s, q
     where disabled_at is null and (words && q.lexemes or problem_signature % $1)
     order by relevance desc, success_count desc limit $2`,
    [task, limit],
  );
  return result.rows;
}

export interface ProcedureMatch {
  name: string;
  version: number;
  description: string;
  enforcement: string;
  runs: number;
  successes: number;
  failures: number;
  relevance: number;
}

/** The newest version of each procedure that shares words with the task, with its record (all versions). */
export async function matchingProcedures(db: Queryable, { task, limit = 5 }: TaskQuery): Promise<ProcedureMatch[]> {
  const result = await db.query<ProcedureMatch>(
    `with t as ${ANY_WORD},
     latest as (select distinct on (name) * from procedures order by name, version desc),
     m as (select l.*, to_tsvector('english', replace(l.name, '-', ' ') || ' ' || l.description || ' ' ||
             coalesce((select string_agg(k, ' ') from jsonb_array_elements_text(l.definition->'keywords') k), '')) as v
           from latest l)
     select m.name, m.version, m.description, m.enforcement,
       (select count(*) from procedure_runs r where r.procedure_name = m.name and r.status <> 'running')::int as runs,
       (select count(*) from procedure_runs r where r.procedure_name = m.name and r.status = 'succeeded')::int as successes,
       (select count(*) from procedure_runs r where r.procedure_name = m.name and r.status = 'failed')::int as failures,
       least(1, ts_rank(m.v, t.q) * 10)::float8 as relevance
     from m, t where t.q is not null and m.v @@ t.q
     order by relevance desc limit $2`,
    [task, limit],
  );
  return result.rows;
}

export type { TaskMatch };

/** Orchestrated tasks with a similar signature, per signature, with their record. */
export async function similarTasks(
  db: Queryable,
  { signature, limit = 5 }: { signature: string; limit?: number },
): Promise<TaskMatch[]> {
  const result = await db.query<TaskMatch>(
    `select signature, (array_agg(goal order by finished_at desc))[1] as goal,
       (array_agg(workflow_id order by finished_at desc))[1] as "lastWorkflowId",
       (count(*) filter (where success))::int as successes, (count(*) filter (where not success))::int as failures,
       max(similarity(signature, $1))::float8 as relevance
     from task_outcomes where signature % $1 or signature = $1
     group by signature order by relevance desc limit $2`,
    [signature, limit],
  );
  return result.rows;
}

export interface InsightMatch {
  key: string;
  title: string;
  relevance: number;
}

/**
 * Insights whose words match the task: the global ones, and `tenantId`'s own (a tenant's endpoint
 * findings name its services and routes: no other tenant's guidance may show them).
 */
export async function matchingInsights(
  db: Queryable,
  { task, limit = 5, tenantId }: TaskQuery & { tenantId?: string },
): Promise<InsightMatch[]> {
  const result = await db.query<InsightMatch>(
    `with t as ${ANY_WORD}
     select key, coalesce(title, key) as title, least(1, ts_rank(search_vector, t.q) * 10)::float8 as relevance
     from memory_entries, t
     where t.q is not null and tags @> array['insight'] and archived_at is null and search_vector @@ t.q
       and (tenant_id is null or tenant_id = $3)
     order by relevance desc limit $2`,
    [task, limit, tenantId ?? null],
  );
  return result.rows;
}

/** Guidance's reads of past work, solutions, procedures and insights (operator work). */
export function guidanceRepository(db: Connections) {
  return operatorRepository(db, {
    similarWork,
    similarDeployments,
    similarErrors,
    matchingSolutions,
    matchingProcedures,
    similarTasks,
    matchingInsights,
  });
}
export type GuidanceRepository = ReturnType<typeof guidanceRepository>;
