import { Context } from '@temporalio/activity';

/**
 * The idempotency key of the running activity: workflow id, run id and activity id, the same on
 * every retry of this activity and different for every other activity (SPEC "every write is
 * idempotent").
 */
export function activityWriteId(): string {
  const { workflowExecution, activityId } = Context.current().info;
  return `${workflowExecution?.workflowId ?? 'standalone'}/${workflowExecution?.runId ?? '-'}/${activityId}`;
}
