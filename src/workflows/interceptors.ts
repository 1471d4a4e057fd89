/**
 * Workflow interceptors of every BrainOps workflow: a workflow that fails is recorded as an error
 * event, so that every error is captured, through an activity since workflows do no I/O. Continuing
 * as new and cancellation are not failures; other errors make Temporal retry the workflow task
 * rather than fail the workflow, so only Temporal failures are recorded.
 */
import {
  ContinueAsNew,
  isCancellation,
  proxyActivities,
  TemporalFailure,
  workflowInfo,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { failureCause } from '../domain/failure-cause';

const { recordWorkflowFailure } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3 },
});

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (error) {
          if (error instanceof ContinueAsNew || isCancellation(error) || !(error instanceof TemporalFailure))
            throw error;
          const cause = failureCause(error, { depth: 1 });
          await recordWorkflowFailure({
            workflowType: workflowInfo().workflowType,
            errorType: (cause as { type?: string } | undefined)?.type ?? cause?.name ?? error.name,
            message: cause ? `${error.message}: ${cause.message}` : error.message,
            stack: error.stack,
          }).catch(() => undefined);
          throw error;
        }
      },
    },
  ],
});
