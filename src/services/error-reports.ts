/**
 * An error reported from outside the worker (a service over HTTP or MCP, the CLI, an Alertmanager
 * alert): recorded as an error event of its tenant, then handed to error-learning — started for
 * its signature, or counted by the run already in flight. SystemMonitor's activities hand their
 * failures over the same way (`error-learning-start.ts`).
 */
import type { Client } from '@temporalio/client';
import type { ReportError } from '../contracts/error-report';
import type { AlertRef } from '../contracts/error-learning-messages';
import { errorSignature } from '../domain/error-signature';
import { errorLearningWorkflowId } from '../domain/signature-hash';
import type { MemoryStore } from '../memory';
import { startErrorLearning, type ErrorLearningStart } from './error-learning-start';

/** What a report became: its error event, signature and error-learning workflow. */
export interface ErrorReportReceipt {
  errorEventId: number;
  signature: string;
  workflowId: string;
  /**
   * True when the report's `dedupeKey` had been recorded before: the event answered is that one,
   * and error-learning was neither started nor told again.
   */
  duplicate?: boolean;
}

/** How a report is grouped and verified when it is not a plain error (an alert, say). */
export interface ReportOptions {
  /**
   * Identical occurrences the report stands for (an OpenTelemetry export's errors of one
   * signature): recorded as that many error events in one statement and counted by one signal;
   * the receipt names the first event. Not with `dedupeKey`. @defaultValue 1
   */
  occurrences?: number;
  /** The signature to group it by. @defaultValue `errorSignature(errorType, message, stack)` */
  signature?: string;
  /** Records the report once per key: a repeat is answered `duplicate` and starts nothing. */
  dedupeKey?: string;
  /** The alert it is: its configured remediation is a candidate; verification waits for it to resolve. */
  alert?: AlertRef;
}

/** Records `report` (parsed) and hands it to error-learning (see {@link ReportOptions}). */
export async function reportError(
  store: MemoryStore,
  temporal: Client,
  settings: ErrorLearningStart,
  report: ReportError,
  options: ReportOptions = {},
): Promise<ErrorReportReceipt> {
  const signature = options.signature ?? errorSignature(report.errorType, report.message, report.stack);
  const event = {
    signature,
    errorType: report.errorType,
    message: report.message,
    stack: report.stack,
    context: report.context,
    source: report.source,
    workflowId: report.workflowId,
    tenantId: report.tenantId,
  };
  const occurrences = options.occurrences ?? 1;
  const { id: errorEventId, created } =
    options.dedupeKey === undefined
      ? { id: await store.errorEvents.record(event, occurrences), created: true }
      : await store.errorEvents.recordOnce({ ...event, dedupeKey: options.dedupeKey });
  if (!created) return { errorEventId, signature, workflowId: errorLearningWorkflowId(signature), duplicate: true };
  const workflowId = await startErrorLearning(
    temporal,
    settings,
    {
      signature,
      errorType: report.errorType,
      message: report.message,
      source: report.source,
      errorEventId,
      failedWorkflowId: report.workflowId,
      ...(options.alert ? { alert: options.alert } : {}),
    },
    occurrences,
  );
  return { errorEventId, signature, workflowId };
}
