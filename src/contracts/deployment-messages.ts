/**
 * Signals and queries of `deploymentWorkflow`, declared once for the workflow, the client and the
 * `temporal` CLI (`temporal workflow signal --workflow-id deploy/web/v1.2 --name approve`).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DeploymentStatus, RollbackRecord } from './deployment';

/** Input of `deploymentWorkflow`. `kind: 'rollback'` redeploys a release built before (no pre-check, no rebuild). */
export interface DeploymentInput {
  target: string;
  ref: string;
  /** Who or what started it (a person, a CI job), for the record. */
  startedBy: string;
  kind?: 'deploy' | 'rollback';
  /** Go on whatever the pre-check's policy says (it is still assessed and logged, as overridden). */
  force?: boolean;
}

/** One step as the live status shows it. Times ISO-8601; `durationMs` in ms. */
export interface DeploymentStepView {
  name: string;
  environment?: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';
  startedAt: string;
  durationMs?: number;
  /** A line on the result (the error, the release switched, …). */
  detail?: string;
  /** The last 8 KiB of a build step's output. */
  logTail?: string;
}

/** A person's answer at an approval gate. */
export interface ApprovalAnswer {
  gate: string;
  approved: boolean;
  by: string;
  comment?: string;
}

/** The live status (`status` query). The client adds `elapsedMs` and the running step's live log tail. */
export interface DeploymentView {
  workflowId: string;
  target: string;
  ref: string;
  kind: 'deploy' | 'rollback';
  startedBy: string;
  deploymentId?: number;
  commit?: string;
  state: 'running' | 'awaiting-approval' | 'rolling-back' | Exclude<DeploymentStatus, 'running'>;
  /** The step running now (or the last one). */
  step?: string;
  environment?: string;
  /** Gate waiting for `approve`/`reject`: `pre-check` or an environment's name. */
  awaitingApproval?: string;
  startedAt: string;
  stepStartedAt?: string;
  risk?: number;
  riskReasons?: string[];
  steps: DeploymentStepView[];
  approvals: ApprovalAnswer[];
  rollback?: RollbackRecord;
  error?: string;
}

export const approveSignal = defineSignal<[{ by?: string; comment?: string }?]>('approve');
export const rejectSignal = defineSignal<[{ by?: string; comment?: string }?]>('reject');
/** Stops the deployment: the running step is cancelled and everything done is undone. */
export const cancelSignal = defineSignal<[{ by?: string; reason?: string }?]>('cancel');
export const deploymentStatusQuery = defineQuery<DeploymentView>('status');
