/**
 * DeploymentManager's records as the memory store keeps them and the pre-check weighs them: the
 * shapes activities, workflows and clients exchange about deployments.
 */
export type DeploymentStatus =
  'running' | 'succeeded' | 'failed' | 'rolled_back' | 'rollback_failed' | 'cancelled' | 'blocked' | 'rejected';

/** One step of a deployment as recorded. Times ISO-8601, `durationMs` in ms, `logTail` ≤ 8 KiB. */
export interface DeploymentStepRecord {
  seq: number;
  name: string;
  environment?: string | null;
  status: 'succeeded' | 'failed' | 'cancelled' | 'skipped';
  exitCode?: number | null;
  durationMs: number;
  logTail?: string | null;
  error?: string | null;
  startedAt: string;
  finishedAt: string;
}

/** Where a rollback went: the release it restored (null: none before) and whether it verified. */
export interface RollbackRecord {
  to: string | null;
  verified: boolean;
  environments: string[];
}

export interface DeploymentRow {
  id: number;
  workflowId: string;
  runId: string;
  target: string;
  ref: string;
  commit: string | null;
  kind: 'deploy' | 'rollback';
  startedBy: string;
  status: DeploymentStatus;
  risk: number | null;
  riskReasons: string[];
  baseCommit: string | null;
  changedPaths: string[];
  environments: string[];
  failedStep: string | null;
  errorMessage: string | null;
  errorSignature: string | null;
  rollback: RollbackRecord | null;
  startedAt: Date;
  finishedAt: Date | null;
  steps?: DeploymentStepRecord[];
}

/** What the pre-check weighs: finished deployments of the target, and failed ones touching `paths`. */
export interface DeploymentPast {
  recent: Pick<DeploymentRow, 'id' | 'commit' | 'status' | 'failedStep' | 'errorSignature' | 'changedPaths'>[];
  /** Failed deployments of the target whose changed paths overlap `paths`, with the overlap. */
  touchingPaths: (Pick<DeploymentRow, 'id' | 'commit' | 'failedStep' | 'errorSignature'> & { overlap: string[] })[];
}

/** What a build step left: exit code, wall time (ms), the last 8 KiB of its output. */
export interface StepOutcome {
  exitCode: number | null;
  durationMs: number;
  tail: string;
  outputBytes: number;
}
