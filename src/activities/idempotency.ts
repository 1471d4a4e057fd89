import { Context } from '@temporalio/activity';

/**
 * The idempotency key of the running activity: workflow id, run id and activity id, the same on
 * every retry of this activity and different for every other activity. Temporal retries
 * activities, so every write is keyed by it (or by a natural key) and a retry never adds a row.
 */
export function activityWriteId(): string {
  const { workflowExecution, activityId } = Context.current().info;
  return `${workflowExecution?.workflowId ?? 'standalone'}/${workflowExecution?.runId ?? '-'}/${activityId}`;
}
