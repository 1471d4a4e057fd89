/**
 * SQL of the console's operator pages that the existing modules do not already read: procedure
 * runs newest first, orchestrations with their steps, and DatabaseGuardian's migration runs. All
 * are operator tables (no tenant): run on the operator's pool.
 */
import type { Queryable } from './connections';

/** One run of a procedure version. */
export interface ProcedureRunRow {
  workflowId: string;
  procedure: string;
  version: number;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
  guidanceDecisionId: number | null;
}

/** Procedure runs newest first (`status` filters), at most `limit`. */
export async function procedureRuns(
  db: Queryable,
  opts: { status?: ProcedureRunRow['status']; limit: number },
): Promise<ProcedureRunRow[]> {
  const result = await db.query<ProcedureRunRow>(
    `select workflow_id as "workflowId", procedure_name as procedure, version, status, started_at as "startedAt",
       finished_at as "finishedAt", error, guidance_decision_id::int as "guidanceDecisionId"
     from procedure_runs where ($1::text is null or status = $1) order by started_at desc limit $2`,
    [opts.status ?? null, opts.limit],
  );
  return result.rows;
}

/** One procedure run, or null. */
export async function procedureRun(db: Queryable, workflowId: string): Promise<ProcedureRunRow | null> {
  const result = await db.query<ProcedureRunRow>(
    `select workflow_id as "workflowId", procedure_name as procedure, version, status, started_at as "startedAt",
       finished_at as "finishedAt", error, guidance_decision_id::int as "guidanceDecisionId"
     from procedure_runs where workflow_id = $1`,
    [workflowId],
  );
  return result.rows[0] ?? null;
}

/** An orchestration: its goal and outcome once finished, and its steps so far. */
export interface OrchestrationRow {
  workflowId: string;
  goal: string | null;
  success: boolean | null;
  startedAt: Date;
  finishedAt: Date | null;
  steps: { stepId: string; capability: string; agentId: string; status: string }[];
}

/** The `limit` most recently started orchestrations with their steps. */
export async function recentOrchestrations(db: Queryable, limit: number): Promise<OrchestrationRow[]> {
  const result = await db.query<OrchestrationRow>(
    `with ids as (
       select workflow_id, min(started_at) as started_at from orchestration_steps
       group by workflow_id order by min(started_at) desc limit $1)
     select ids.workflow_id as "workflowId", t.goal, t.success, ids.started_at as "startedAt", t.finished_at as "finishedAt",
       (select json_agg(json_build_object('stepId', s.step_id, 'capability', s.capability, 'agentId', s.agent_id,
          'status', s.status) order by s.started_at, s.step_id)
        from orchestration_steps s where s.workflow_id = ids.workflow_id) as steps
     from ids left join task_outcomes t on t.workflow_id = ids.workflow_id
     order by ids.started_at desc`,
    [limit],
  );
  return result.rows;
}

/** DatabaseGuardian's schema syncs that applied (or failed to apply) migrations, newest first. */
export async function migrationRuns(
  db: Queryable,
  limit: number,
): Promise<
  {
    id: number;
    databaseName: string;
    applied: string[];
    failed: string | null;
    error: string | null;
    workflowId: string | null;
    startedAt: Date;
  }[]
> {
  const result = await db.query(
    `select id::int, database_name as "databaseName", applied, failed, error, workflow_id as "workflowId",
       started_at as "startedAt" from migration_runs order by started_at desc limit $1`,
    [limit],
  );
  return result.rows as never;
}
