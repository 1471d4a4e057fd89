/**
 * Hands an error occurrence to error-learning: starts the workflow for its signature with this
 * deployment's settings, or signals the run already in flight (signal-with-start). Used by the
 * API and by SystemMonitor's activity alike.
 */
import type { Client } from '@temporalio/client';
import { errorLearningWorkflowId } from '../domain/signature-hash';
import { SEARCH_ATTRIBUTES } from '../contracts/names';
import {
  ERROR_LEARNING_WORKFLOW_TYPE,
  occurrenceSignal,
  type ErrorLearningInput,
} from '../contracts/error-learning-messages';

/** One occurrence of an error; the settings come from configuration. */
export type ErrorOccurrence = Omit<ErrorLearningInput, 'autoConfidence' | 'escalationTimeoutMs'>;

/** Where error-learning runs and the settings it is started with (from the configuration). */
export interface ErrorLearningStart {
  taskQueue: string;
  autoConfidence: number;
  /** ms an escalation waits for a person. */
  escalationTimeoutMs: number;
}

/** Returns the id of the error-learning workflow for the occurrence's signature. */
export async function startErrorLearning(
  client: Client,
  start: ErrorLearningStart,
  occurrence: ErrorOccurrence,
  /** Identical occurrences this call stands for (one signal counts them all). @defaultValue 1 */
  count = 1,
): Promise<string> {
  const workflowId = errorLearningWorkflowId(occurrence.signature);
  await client.workflow.signalWithStart(ERROR_LEARNING_WORKFLOW_TYPE, {
    taskQueue: start.taskQueue,
    workflowId,
    args: [
      {
        ...occurrence,
        autoConfidence: start.autoConfidence,
        escalationTimeoutMs: start.escalationTimeoutMs,
      },
    ],
    signal: occurrenceSignal,
    signalArgs: [
      {
        errorEventId: occurrence.errorEventId,
        ...(occurrence.alert ? { fingerprint: occurrence.alert.fingerprint } : {}),
        ...(count > 1 ? { count } : {}),
      },
    ],
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'SystemMonitor' }],
    memo: { signature: occurrence.signature, source: occurrence.source },
  });
  return workflowId;
}
