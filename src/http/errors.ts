/**
 * The errors of the HTTP and MCP servers and how each becomes a JSON answer: 400 names the field
 * and the reason, 401/403 say what the key lacks, 404 also answers for another tenant's ids (the
 * caller cannot tell them from ids that do not exist), 409 a stale `expectedVersion` or an ended
 * session, 413 a body above the input limits, 429 a key above its rate.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { BrainOpsError, StaleWriteError, ValidationError } from '../contracts/errors';
import { failureCause } from '../domain/failure-cause';

/** An error with an HTTP status, raised by the API on purpose. */
export class ApiError extends BrainOpsError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message, false);
  }
}

export const unauthorized = (message = 'send an API key as "Authorization: Bearer <key>"') =>
  new ApiError(401, 'Unauthorized', message);
export const forbidden = (message: string) => new ApiError(403, 'Forbidden', message);
export const notFound = (message: string) => new ApiError(404, 'NotFound', message);

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  /** 400 only: the first bad field (dotted path; empty for the body as a whole) and why. */
  field?: string;
  reason?: string;
  issues?: { field: string; reason: string }[];
}

/** A 400 body from issues naming their fields. */
export function badRequest(issues: { field: string; reason: string }[], subject = 'request'): ErrorBody {
  const first = issues[0] ?? { field: '', reason: 'invalid' };
  return {
    error: 'ValidationError',
    message: `Invalid ${subject}: ${issues.map((i) => (i.field ? `${i.field}: ${i.reason}` : i.reason)).join('; ')}`,
    field: first.field,
    reason: first.reason,
    issues,
  };
}

/** The "field: reason" an update validator's failure message names (`Invalid task: title: too long`). */
function issueOfFailureMessage(message: string): { field: string; reason: string } {
  const match = /^Invalid [^:]+: ([^:;]+): ([^;]+)/.exec(message);
  return match ? { field: match[1]!, reason: match[2]! } : { field: '', reason: message };
}

/** Status and body for an error a handler threw (undefined: an unexpected error, a 500). */
export function describeError(error: unknown): { status: number; body: ErrorBody } | undefined {
  if (error instanceof ApiError) return { status: error.status, body: { error: error.code, message: error.message } };
  if (error instanceof ValidationError)
    return {
      status: 400,
      body: badRequest(
        error.issues.map((i) => ({ field: i.field, reason: i.message })),
        error.subject,
      ),
    };
  if (error instanceof StaleWriteError) return { status: 409, body: { error: error.code, message: error.message } };
  if (error instanceof WorkflowNotFoundError)
    return { status: 404, body: { error: 'NotFound', message: 'no such session in this tenant' } };
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = failureCause(error);
    if (cause instanceof ApplicationFailure) {
      if (cause.type === 'ValidationError') {
        const issue = issueOfFailureMessage(cause.message);
        return { status: 400, body: badRequest([issue]) };
      }
      if (cause.type === 'NotFound') return { status: 404, body: { error: 'NotFound', message: cause.message } };
      if (cause.type === 'SessionEnded')
        return { status: 409, body: { error: 'SessionEnded', message: cause.message } };
    }
  }
  return undefined;
}
