/**
 * What an activity's failure means to a workflow: Temporal hands the workflow an `ActivityFailure`
 * whose cause is the activity's own error (an `ApplicationFailure`, a timeout, a cancellation).
 */
import { ActivityFailure } from '@temporalio/workflow';
import { failureCause } from '../domain/failure-cause';

/** The error an activity failed with, when `error` is an `ActivityFailure`; otherwise undefined. */
export function activityFailureCause(error: unknown): (Error & { type?: string; details?: unknown[] }) | undefined {
  return failureCause(error, { unwrap: (e) => e instanceof ActivityFailure, depth: 1 });
}
