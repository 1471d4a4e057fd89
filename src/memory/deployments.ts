/**
 * SQL of DeploymentManager's deployment records and their steps. Writes are keyed (workflow run;
 * deployment + step number), so a retried activity rewrites its row instead of adding one.
 */
import type {
  DeploymentPast,
  DeploymentRow,
  DeploymentStatus,
  DeploymentStepRecord,
  RollbackRecord,
} from '../contracts/deployment';
import type { Connections, Queryable } from './connections';

export type { DeploymentPast, DeploymentRow, DeploymentStatus, DeploymentStepRecord, RollbackRecord };

const COLUMNS = `id::int, workflow_id as "workflowId", run_id as "runId", target, ref, commit_sha as "commit", kind,
  started_by as "startedBy", status, risk, risk_reasons as "riskReasons", base_commit as "baseCommit",
  changed_paths as "changedPaths", environments, failed_step as "failedStep", error_message as "errorMessage",
  error_signature as "errorSignature", rollback, started_at as "startedAt", finished_at as "finishedAt"`;

/** Opens the record of a workflow run (or returns the one a retry already opened). */
export async function openDeployment(
  db: Queryable,
  d: {
    workflowId: string;
    runId: string;
    target: string;
    ref: string;
    kind: 'deploy' | 'rollback';
    startedBy: string;
    environments: string[];
  },
): Promise<number> {
  const result = await db.query<{ id: number }>(
    `insert into deployments (workflow_id, run_id, target, ref, kind, started_by, environments)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (workflow_id, run_id) do update set target = excluded.target
     returning id::int`,
    [d.workflowId, d.runId, d.target, d.ref, d.kind, d.startedBy, d.environments],
  );
  return result.rows[0]!.id;
}

/**
 * Deployments of `target` opened before deployment `id` whose record is still `running`: what
 * `id` waits for (oldest first, so two deployments never wait for each other).
 */
export async function earlierOpenDeployments(
  db: Queryable,
  { target, deploymentId: id }: { target: string; deploymentId: number },
): Promise<{ id: number; workflowId: string; runId: string }[]> {
  const result = await db.query<{ id: number; workflowId: string; runId: string }>(
    `select id::int, workflow_id as "workflowId", run_id as "runId" from deployments
     where target = $1 and status = 'running' and id < $2 order by id`,
    [target, id],
  );
  return result.rows;
}

/** Adds the commit a ref resolved to, the last good commit and the paths changed since it. */
export async function recordCommit(
  db: Queryable,
  d: { id: number; commit: string; baseCommit: string | null; changedPaths: string[] },
): Promise<void> {
  await db.query(`update deployments set commit_sha = $2, base_commit = $3, changed_paths = $4 where id = $1`, [
    d.id,
    d.commit,
    d.baseCommit,
    d.changedPaths,
  ]);
}

/** Adds the pre-check's risk and its reasons. */
export async function recordRisk(db: Queryable, d: { id: number; risk: number; riskReasons: string[] }): Promise<void> {
  await db.query(`update deployments set risk = $2, risk_reasons = $3 where id = $1`, [
    d.id,
    d.risk,
    JSON.stringify(d.riskReasons),
  ]);
}

/** Records a step of a deployment (keyed by deployment and step number: a retry rewrites it). */
export async function upsertDeploymentStep(
  db: Queryable,
  { deploymentId, step: s }: { deploymentId: number; step: DeploymentStepRecord },
): Promise<void> {
  await db.query(
    `insert into deployment_steps (deployment_id, seq, name, environment, status, exit_code, duration_ms, log_tail, error, started_at, finished_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (deployment_id, seq) do update set
       name = excluded.name, environment = excluded.environment, status = excluded.status, exit_code = excluded.exit_code,
       duration_ms = excluded.duration_ms, log_tail = excluded.log_tail, error = excluded.error,
       started_at = excluded.started_at, finished_at = excluded.finished_at`,
    [
      deploymentId,
      s.seq,
      s.name,
      s.environment ?? null,
      s.status,
      s.exitCode ?? null,
      Math.round(s.durationMs),
      s.logTail ?? null,
      s.error ?? null,
      s.startedAt,
      s.finishedAt,
    ],
  );
}

/**
 * Closes a record with its outcome. Without `errorSignature`, a failed deployment takes the
 * signature of the error event its workflow recorded for the same message (the failed step's),
 * so the record and error-learning speak of the same problem.
 */
export async function finishDeployment(
  db: Queryable,
  d: {
    id: number;
    status: DeploymentStatus;
    failedStep?: string;
    errorMessage?: string;
    errorSignature?: string;
    rollback?: RollbackRecord;
  },
): Promise<DeploymentRow> {
  const message = d.errorMessage?.slice(0, 10_000) ?? null;
  const result = await db.query<DeploymentRow>(
    `update deployments set status = $2, failed_step = $3, error_message = $4, rollback = $6, finished_at = coalesce(finished_at, now()),
       error_signature = coalesce($5, (select e.signature from error_events e
         where e.workflow_id = deployments.workflow_id and e.message = $4 and e.occurred_at >= deployments.started_at
         order by e.id desc limit 1))
     where id = $1 returning ${COLUMNS}`,
    [
      d.id,
      d.status,
      d.failedStep ?? null,
      message,
      d.errorSignature ?? null,
      d.rollback ? JSON.stringify(d.rollback) : null,
    ],
  );
  return result.rows[0]!;
}

/** Deployments newest first; with `workflowId`, that deployment's runs (and their steps). */
export async function listDeployments(
  db: Queryable,
  opts: { target?: string; workflowId?: string; status?: DeploymentStatus; limit?: number; withSteps?: boolean },
): Promise<DeploymentRow[]> {
  const result = await db.query<DeploymentRow>(
    `select ${COLUMNS} from deployments
     where ($1::text is null or target = $1) and ($2::text is null or workflow_id = $2) and ($3::text is null or status = $3)
     order by started_at desc, id desc limit $4`,
    [opts.target ?? null, opts.workflowId ?? null, opts.status ?? null, opts.limit ?? 20],
  );
  const rows = result.rows;
  if (opts.withSteps && rows.length > 0) {
    const steps = await db.query<DeploymentStepRecord & { deploymentId: number }>(
      `select deployment_id::int as "deploymentId", seq, name, environment, status, exit_code as "exitCode",
         duration_ms as "durationMs", log_tail as "logTail", error, started_at as "startedAt", finished_at as "finishedAt"
       from deployment_steps where deployment_id = any($1::bigint[]) order by deployment_id, seq`,
      [rows.map((r) => r.id)],
    );
    for (const row of rows)
      row.steps = steps.rows.filter((s) => s.deploymentId === row.id).map(({ deploymentId: _, ...s }) => s);
  }
  return rows;
}

/**
 * The live release of a target (the commit of its newest succeeded deployment) and the good one
 * before it (the newest succeeded one with another commit).
 */
export async function goodReleases(
  db: Queryable,
  { target }: { target: string },
): Promise<{ live: string | null; previous: string | null }> {
  const result = await db.query<{ commit: string }>(
    `select commit_sha as "commit" from deployments
     where target = $1 and status = 'succeeded' and commit_sha is not null
     order by finished_at desc, id desc limit 50`,
    [target],
  );
  const live = result.rows[0]?.commit ?? null;
  return { live, previous: result.rows.find((r) => r.commit !== live)?.commit ?? null };
}

/** A target's recent deployments, and the failed ones that touched any of `paths`. */
export async function deploymentPast(
  db: Queryable,
  opts: { target: string; paths: string[]; excludeId?: number; limit?: number; sinceDays?: number },
): Promise<DeploymentPast> {
  const since = `${opts.sinceDays ?? 30} days`;
  const recent = await db.query<DeploymentPast['recent'][number]>(
    `select id::int, commit_sha as "commit", status, failed_step as "failedStep", error_signature as "errorSignature", changed_paths as "changedPaths"
     from deployments
     where target = $1 and status <> 'running' and id <> coalesce($2, -1) and started_at > now() - $4::interval
     order by started_at desc, id desc limit $3`,
    [opts.target, opts.excludeId ?? null, opts.limit ?? 20, since],
  );
  const touching = await db.query<DeploymentPast['touchingPaths'][number]>(
    `select id::int, commit_sha as "commit", failed_step as "failedStep", error_signature as "errorSignature",
       array(select unnest(changed_paths) intersect select unnest($2::text[])) as overlap
     from deployments
     where target = $1 and status in ('failed', 'rolled_back', 'rollback_failed') and changed_paths && $2::text[]
       and id <> coalesce($3, -1) and started_at > now() - $4::interval
     order by started_at desc limit 20`,
    [opts.target, opts.paths, opts.excludeId ?? null, since],
  );
  return { recent: recent.rows, touchingPaths: touching.rows };
}

/** DeploymentManager's deployment records and their steps (operator work). */
export function deploymentRepository(db: Connections) {
  return {
    /** Opens the record of a deployment run; returns its id (the same id on a retry). */
    open: (d: Parameters<typeof openDeployment>[1]) => openDeployment(db.operator, d),
    /** Earlier deployments of a target still running. */
    earlierOpen: (d: Parameters<typeof earlierOpenDeployments>[1]) => earlierOpenDeployments(db.operator, d),
    recordCommit: (d: Parameters<typeof recordCommit>[1]) => recordCommit(db.operator, d),
    recordRisk: (d: Parameters<typeof recordRisk>[1]) => recordRisk(db.operator, d),
    /** Records a step (its output redacted). */
    recordStep: (d: Parameters<typeof upsertDeploymentStep>[1]) =>
      upsertDeploymentStep(db.operator, { ...d, step: db.redact(d.step) }),
    /** Closes a record with its outcome (redacted). */
    finish: (d: Parameters<typeof finishDeployment>[1]) => finishDeployment(db.operator, db.redact(d)),
    list: (opts: Parameters<typeof listDeployments>[1] = {}) => listDeployments(db.operator, opts),
    /** The live and the previous good commit of a target, from its deployment records. */
    goodReleases: (opts: { target: string }) => goodReleases(db.operator, opts),
    past: (opts: Parameters<typeof deploymentPast>[1]) => deploymentPast(db.operator, opts),
  };
}
export type DeploymentRepository = ReturnType<typeof deploymentRepository>;
