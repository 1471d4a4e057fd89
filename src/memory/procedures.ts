/**
 * SQL of operational procedures (named, versioned definitions), their runs and step events, and
 * of orchestrated tasks: the agent each step went to and the outcome against the task's signature.
 */
import type { ProcedureComplianceFigures } from '../contracts/learning';
import type { ProcedureDefinition, StoredProcedure } from '../contracts/procedure';
import type { TimeSpan } from '../contracts/learning';
import { operatorRepository, type Connections, type Queryable } from './connections';

const COLUMNS = `name, version, description, enforcement, source, definition, created_at as "createdAt"`;

/**
 * Stores a procedure version. A version is immutable: the same definition again changes nothing
 * (`created: false`); another definition under a stored version is refused (`conflict`).
 */
export async function insertProcedure(
  db: Queryable,
  { definition: p, source }: { definition: ProcedureDefinition; source: StoredProcedure['source'] },
): Promise<{ created: boolean; conflict: boolean }> {
  const result = await db.query<{ created: boolean; same: boolean }>(
    `with ins as (
       insert into procedures (name, version, description, enforcement, definition, source)
       values ($1, $2, $3, $4, $5, $6) on conflict (name, version) do nothing returning 1)
     select exists (select 1 from ins) as created,
       coalesce((select definition = $5::jsonb from procedures where name = $1 and version = $2), true) as same`,
    [p.name, p.version, p.description, p.enforcement, JSON.stringify(p), source],
  );
  const row = result.rows[0]!;
  return { created: row.created, conflict: !row.created && !row.same };
}

/** A procedure version, the newest unless `version` is given; null when there is none. */
export async function getProcedure(
  db: Queryable,
  { name, version }: { name: string; version?: number },
): Promise<StoredProcedure | null> {
  const result = await db.query<StoredProcedure>(
    `select ${COLUMNS} from procedures where name = $1 and ($2::int is null or version = $2) order by version desc limit 1`,
    [name, version ?? null],
  );
  return result.rows[0] ?? null;
}

/** The newest version of each procedure (or every version with `allVersions`), by name. */
export async function listProcedures(db: Queryable, opts: { allVersions?: boolean } = {}): Promise<StoredProcedure[]> {
  const result = await db.query<StoredProcedure>(
    opts.allVersions
      ? `select ${COLUMNS} from procedures order by name, version`
      : `select distinct on (name) ${COLUMNS} from procedures order by name, version desc`,
  );
  return result.rows;
}

export async function openProcedureRun(
  db: Queryable,
  r: { workflowId: string; name: string; version: number; guidanceDecisionId?: number },
): Promise<void> {
  await db.query(
    `insert into procedure_runs (workflow_id, procedure_name, version, guidance_decision_id) values ($1, $2, $3, $4)
     on conflict (workflow_id) do update set guidance_decision_id = coalesce(excluded.guidance_decision_id, procedure_runs.guidance_decision_id)`,
    [r.workflowId, r.name, r.version, r.guidanceDecisionId ?? null],
  );
}

export async function finishProcedureRun(
  db: Queryable,
  r: { workflowId: string; success: boolean; error?: string; guidanceDecisionId?: number },
): Promise<void> {
  await db.query(
    `update procedure_runs set status = $2, error = $3, finished_at = coalesce(finished_at, now()),
       guidance_decision_id = coalesce($4, guidance_decision_id) where workflow_id = $1`,
    [r.workflowId, r.success ? 'succeeded' : 'failed', r.error ?? null, r.guidanceDecisionId ?? null],
  );
}

export type StepEvent = 'ran' | 'failed' | 'skipped' | 'blocked' | 'released' | 'warned' | 'approved';

/** Records what happened to a step, once per (run, step, event). */
/** One event of a procedure run's step, for its audit trail. */
export interface StepEventRecord {
  workflowId: string;
  name: string;
  version: number;
  stepId: string;
  event: StepEvent;
  approvedBy?: string;
  reason?: string;
  detail?: unknown;
}

export async function recordStepEvent(db: Queryable, e: StepEventRecord): Promise<void> {
  await db.query(
    `insert into procedure_step_events (workflow_id, procedure_name, version, step_id, event, approved_by, reason, detail)
     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (workflow_id, step_id, event) do nothing`,
    [
      e.workflowId,
      e.name,
      e.version,
      e.stepId,
      e.event,
      e.approvedBy ?? null,
      e.reason ?? null,
      JSON.stringify(e.detail ?? {}),
    ],
  );
}

export interface StepEventRow {
  workflowId: string;
  stepId: string;
  event: StepEvent;
  approvedBy: string | null;
  reason: string | null;
  at: Date;
}

/** The step events of one procedure run, in order. */
export async function listStepEvents(db: Queryable, { workflowId }: { workflowId: string }): Promise<StepEventRow[]> {
  const result = await db.query<StepEventRow>(
    `select workflow_id as "workflowId", step_id as "stepId", event, approved_by as "approvedBy", reason, at
     from procedure_step_events where workflow_id = $1 order by id`,
    [workflowId],
  );
  return result.rows;
}

/** Procedure compliance of `[start, end)`, per procedure version: steps run, failed, skipped with approval, blocked. */
export type ProcedureCompliance = ProcedureComplianceFigures;

export async function procedureCompliance(db: Queryable, { start, end }: TimeSpan): Promise<ProcedureCompliance[]> {
  const result = await db.query<ProcedureCompliance>(
    `select procedure_name as procedure, version,
       (count(*) filter (where event = 'ran'))::int as ran, (count(*) filter (where event = 'failed'))::int as failed,
       (count(*) filter (where event = 'skipped'))::int as skipped, (count(*) filter (where event = 'blocked'))::int as blocked,
       (count(*) filter (where event = 'released'))::int as released, (count(*) filter (where event = 'warned'))::int as warned
     from procedure_step_events where at >= $1 and at < $2 group by 1, 2 order by 1, 2`,
    [start, end],
  );
  return result.rows;
}

/** Success rate per procedure version over runs finished in `[start, end)`. */
export interface ProcedureEffectiveness {
  procedure: string;
  version: number;
  runs: number;
  successes: number;
  successRate: number;
}

/** Runs of `[start, end)` per procedure version, and how many succeeded. */
export async function procedureEffectiveness(
  db: Queryable,
  { start, end }: TimeSpan,
): Promise<ProcedureEffectiveness[]> {
  const result = await db.query<ProcedureEffectiveness>(
    `select procedure_name as procedure, version, count(*)::int as runs,
       (count(*) filter (where status = 'succeeded'))::int as successes,
       round((count(*) filter (where status = 'succeeded'))::numeric / count(*), 3)::float8 as "successRate"
     from procedure_runs where finished_at >= $1 and finished_at < $2 group by 1, 2 order by 1, 2`,
    [start, end],
  );
  return result.rows;
}

export async function recordOrchestrationStep(
  db: Queryable,
  s: {
    workflowId: string;
    stepId: string;
    capability: string;
    agentId: string;
    status: 'running' | 'succeeded' | 'failed';
    detail?: unknown;
  },
): Promise<{ startedAt: Date; finishedAt: Date | null }> {
  const result = await db.query<{ startedAt: Date; finishedAt: Date | null }>(
    `insert into orchestration_steps (workflow_id, step_id, capability, agent_id, status, detail)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (workflow_id, step_id) do update set
       status = case when orchestration_steps.status = 'running' then excluded.status else orchestration_steps.status end,
       finished_at = case when excluded.status <> 'running' then coalesce(orchestration_steps.finished_at, now()) end,
       detail = case when excluded.status <> 'running' then excluded.detail else orchestration_steps.detail end
     returning started_at as "startedAt", finished_at as "finishedAt"`,
    [s.workflowId, s.stepId, s.capability, s.agentId, s.status, JSON.stringify(s.detail ?? {})],
  );
  return result.rows[0]!;
}

export interface OrchestrationStepRow {
  stepId: string;
  capability: string;
  agentId: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
}

/** The steps of one orchestration, in the order they started. */
export async function listOrchestrationSteps(
  db: Queryable,
  { workflowId }: { workflowId: string },
): Promise<OrchestrationStepRow[]> {
  const result = await db.query<OrchestrationStepRow>(
    `select step_id as "stepId", capability, agent_id as "agentId", status, started_at as "startedAt", finished_at as "finishedAt"
     from orchestration_steps where workflow_id = $1 order by started_at, step_id`,
    [workflowId],
  );
  return result.rows;
}

export async function recordTaskOutcome(
  db: Queryable,
  t: {
    workflowId: string;
    signature: string;
    goal: string;
    success: boolean;
    plan: unknown;
    results: unknown;
    guidanceDecisionId?: number;
  },
): Promise<void> {
  await db.query(
    `insert into task_outcomes (workflow_id, signature, goal, success, plan, results, guidance_decision_id)
     values ($1, $2, $3, $4, $5, $6, $7) on conflict (workflow_id) do nothing`,
    [
      t.workflowId,
      t.signature,
      t.goal,
      t.success,
      JSON.stringify(t.plan),
      JSON.stringify(t.results),
      t.guidanceDecisionId ?? null,
    ],
  );
}

/** Procedure definitions, their runs and step events, and orchestrated tasks (operator work). */
export function procedureRepository(db: Connections) {
  return operatorRepository(db, {
    insert: insertProcedure,
    get: getProcedure,
    list: listProcedures,
    openRun: openProcedureRun,
    finishRun: finishProcedureRun,
    recordStepEvent,
    listStepEvents,
    compliance: procedureCompliance,
    effectiveness: procedureEffectiveness,
    recordOrchestrationStep,
    listOrchestrationSteps,
    recordTaskOutcome,
  });
}
export type ProcedureRepository = ReturnType<typeof procedureRepository>;
