/**
 * Why a deployment stopped: a failed step, a person's cancel or rejection, or the pre-check's block.
 */
import { isCancellation } from '@temporalio/workflow';
import type { DeploymentStatus } from '../contracts/deployment';
import { activityFailureCause } from './activity-failure';

/** Failure type of an approval gate answered `reject` (or not answered in time). */
export const GATE_REJECTED = 'DeploymentRejected';
/** Failure type of a pre-check whose policy blocks the deployment. */
export const BLOCKED = 'DeploymentBlocked';

/** Why the deployment stopped, for the record and the error event. */
export interface Failure {
  step?: string;
  type: string;
  message: string;
  /** An activity failed (its error event is recorded already). */
  fromActivity: boolean;
}

/** Who cancelled the deployment, and why (from the `cancel` signal). */
export interface CancelRequest {
  by: string;
  reason: string;
}

/** The failure as recorded: the activity's own error when an activity failed, else the error itself. */
export function failureOf(error: unknown, step: string | undefined): Failure {
  const cause = activityFailureCause(error);
  if (cause) {
    return { step, type: cause.type ?? cause.name, message: cause.message, fromActivity: true };
  }
  const e = error as Error & { type?: string };
  return { step, type: e.type ?? e.name ?? 'Error', message: e.message ?? String(error), fromActivity: false };
}

/**
 * The status of a deployment that threw `error` while at `step`: `cancelled` (by the signal or by
 * Temporal), `blocked`, `rejected`, or `failed`; with the failure to record.
 */
export function stoppedBy(
  error: unknown,
  step: string | undefined,
  cancelled: CancelRequest | undefined,
): { status: DeploymentStatus; failure: Failure } {
  const failure = failureOf(error, step);
  if (cancelled || isCancellation(error)) {
    const message = `cancelled by ${cancelled?.by ?? 'Temporal'}: ${cancelled?.reason ?? 'workflow cancelled'}`;
    return { status: 'cancelled', failure: { step, type: 'DeploymentCancelled', message, fromActivity: false } };
  }
  const type = (error as { type?: string }).type;
  return { status: type === BLOCKED ? 'blocked' : type === GATE_REJECTED ? 'rejected' : 'failed', failure };
}
