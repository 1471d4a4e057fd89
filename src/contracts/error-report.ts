/**
 * An error reported from outside the worker (a service, the CLI, an AI session): what it is, where
 * it came from, and optionally the session workflow a `workflow-reset` fix may reset.
 */
import { z } from 'zod';
import { LIMITS, jsonObject, text } from './limits';
import { ownerId } from './memory';
import { sessionWorkflowId } from './names';

/** The fields of an error report; the tenant's when `tenantId` is given. */
export const reportErrorShape = {
  errorType: text(200, 1).default('Error'),
  message: text(10_000, 1),
  source: text(200, 1),
  stack: text(50_000).optional(),
  context: jsonObject(LIMITS.metadataBytes).default({}),
  /**
   * The Temporal workflow the error came from, if any: a `workflow-reset` remediation resets it —
   * only when it is a workflow of this worker's task queue.
   */
  workflowId: text(1000, 1).optional(),
  /** The tenant whose error this is: its errors list and brief show it, no other tenant's. */
  tenantId: ownerId.optional(),
};

/**
 * A tenant's report names a workflow for a fix to reset: only that tenant's own session
 * workflows (`session/<tenant>/…`) qualify. An issue on `workflowId` otherwise.
 */
export function tenantWorkflowRule(e: { tenantId?: string; workflowId?: string }, ctx: z.RefinementCtx): void {
  if (
    e.tenantId !== undefined &&
    e.workflowId !== undefined &&
    !e.workflowId.startsWith(sessionWorkflowId(e.tenantId, ''))
  )
    ctx.addIssue({
      code: 'custom',
      path: ['workflowId'],
      message: "a tenant's error may only name that tenant's session workflows (session/<tenant>/…)",
    });
}

/** An error report. */
export const reportErrorSchema = z.object(reportErrorShape).superRefine(tenantWorkflowRule);
export type ReportErrorInput = z.input<typeof reportErrorSchema>;
/** An error report as parsed (defaults applied). */
export type ReportError = z.output<typeof reportErrorSchema>;
