/**
 * An error reported from outside the worker (a service over HTTP or MCP, the CLI): recorded as an
 * error event of its tenant, then handed to error-learning — started for its signature, or
 * counted by the run already in flight. SystemMonitor's activities hand their failures over the
 * same way (`error-learning-start.ts`).
 */
import type { Client } from '@temporalio/client';
import type { ReportError } from '../contracts/error-report';
import { errorSignature } from '../domain/error-signature';
import type { MemoryStore } from '../memory';
import { startErrorLearning, type ErrorLearningStart } from './error-learning-start';

/** What a report became: its error event, signature and error-learning workflow. */
export interface ErrorReportReceipt {
  errorEventId: number;
  signature: string;
  workflowId: string;
}

/**
 * Records `report` (parsed) and hands it to error-learning. `occurrences` > 1: that many identical
 * occurrences at once (an OpenTelemetry export's errors of one signature), recorded as that many
 * error events in one statement and counted by one signal; the receipt names the first event.
 */
export async function reportError(
  store: MemoryStore,
  temporal: Client,
  settings: ErrorLearningStart,
  report: ReportError,
  occurrences = 1,
): Promise<ErrorReportReceipt> {
  const signature = errorSignature(report.errorType, report.message, report.stack);
  const errorEventId = await store.errorEvents.record(
    {
      signature,
      errorType: report.errorType,
      message: report.message,
      stack: report.stack,
      context: report.context,
      source: report.source,
      workflowId: report.workflowId,
      tenantId: report.tenantId,
    },
    occurrences,
  );
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
    },
    occurrences,
  );
  return { errorEventId, signature, workflowId };
}
