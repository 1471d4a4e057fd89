/**
 * Hands an error occurrence to error-learning: starts the workflow for its signature with this
 * deployment's settings, or signals the run already in flight (signal-with-start). Used by the
 * client API and by SystemMonitor's activity alike.
 */
import type { Client } from '@temporalio/client';
import type { BrainOpsConfig } from '../../temporal.config';
import { errorLearningWorkflowId } from '../errors/names';
import { SEARCH_ATTRIBUTES } from '../shared/names';
import { errorLearningWorkflow } from '../workflows';
import { occurrenceSignal, type ErrorLearningInput } from '../workflows/error-learning';

/** One occurrence of an error; the settings come from configuration. */
export type ErrorOccurrence = Omit<ErrorLearningInput, 'autoConfidence' | 'escalationTimeoutMs'>;

/** Returns the id of the error-learning workflow for the occurrence's signature. */
export async function startErrorLearning(client: Client, config: BrainOpsConfig, occurrence: ErrorOccurrence): Promise<string> {
  const workflowId = errorLearningWorkflowId(occurrence.signature);
  await client.workflow.signalWithStart(errorLearningWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [
      {
        ...occurrence,
        autoConfidence: config.errorLearning.autoRemediationConfidence,
        escalationTimeoutMs: config.errorLearning.escalationTimeoutMs,
      },
    ],
    signal: occurrenceSignal,
    signalArgs: [{ errorEventId: occurrence.errorEventId }],
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'SystemMonitor' }],
    memo: { signature: occurrence.signature, source: occurrence.source },
  });
  return workflowId;
}
