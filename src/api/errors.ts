/**
 * The API's one error type: an {@link ApiError} carries a kind (`invalid`, `unauthenticated`,
 * `forbidden`, `not_found`, `conflict`, `too_large`, `rate_limited`, `unavailable`) that each
 * adapter maps to its protocol — HTTP to a status, MCP to a tool error with the same JSON body.
 * {@link toApiError} turns what the layers below throw (bad input, stale writes, Temporal's
 * "not found" and update failures, a database that cannot be reached) into one.
 */
import {
  BrainOpsError,
  OverloadedError,
  StaleWriteError,
  TEMPORAL_UNREACHABLE,
  ValidationError,
} from '../contracts/errors';
import { failureCause } from '../domain/failure-cause';

export const API_ERROR_KINDS = Object.freeze([
  'invalid',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'too_large',
  'rate_limited',
  'unavailable',
] as const);
export type ApiErrorKind = (typeof API_ERROR_KINDS)[number];

/**
 * The HTTP status of each kind: what an HTTP answer carries, and what an MCP tool error's body
 * names as `status`, so a client reads one convention on either transport.
 */
export const STATUS_OF_KIND: Readonly<Record<ApiErrorKind, number>> = Object.freeze({
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
});

/** One bad field: its dotted path (empty for the input as a whole) and why. */
export interface FieldIssue {
  field: string;
  reason: string;
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  /** `invalid` only: the first bad field and why, and every issue. */
  field?: string;
  reason?: string;
  issues?: FieldIssue[];
}

/** An error an operation raises on purpose, for the caller to see. */
export class ApiError extends BrainOpsError {
  /** `rate_limited` and `unavailable`: seconds to wait before trying again, when known. */
  retryAfterSeconds?: number;

  constructor(
    readonly kind: ApiErrorKind,
    code: string,
    message: string,
    readonly issues?: FieldIssue[],
    /** `invalid` only: what was invalid ("memory entry"), as the message names it. */
    readonly subject?: string,
    /** The issues name fields as the wire does already (no renaming at the edge). */
    readonly wireNames = false,
  ) {
    super(code, message, false);
  }

  /** The JSON body adapters answer with. */
  body(): ErrorBody {
    const first = this.issues?.[0];
    return {
      error: this.code,
      message: this.message,
      ...(this.issues ? { field: first?.field ?? '', reason: first?.reason ?? 'invalid', issues: this.issues } : {}),
    };
  }
}

/** Bad input: the fields and why, "Invalid <subject>: <field>: <reason>; …". */
export function invalid(issues: FieldIssue[], subject = 'request'): ApiError {
  const list = issues.length ? issues : [{ field: '', reason: 'invalid' }];
  const text = list.map((i) => (i.field ? `${i.field}: ${i.reason}` : i.reason)).join('; ');
  return new ApiError('invalid', 'ValidationError', `Invalid ${subject}: ${text}`, list, subject);
}
export const unauthenticated = (message = 'send an API key as "Authorization: Bearer <key>"') =>
  new ApiError('unauthenticated', 'Unauthorized', message);
export const forbidden = (message: string) => new ApiError('forbidden', 'Forbidden', message);
export const notFound = (message: string) => new ApiError('not_found', 'NotFound', message);
export const conflict = (code: string, message: string) => new ApiError('conflict', code, message);
export const unavailable = (message: string) => new ApiError('unavailable', 'Unavailable', message);
/** Too many requests: `retryAfterSeconds` is when the caller may try again (HTTP's `Retry-After`). */
export function rateLimited(message: string, retryAfterSeconds: number): ApiError {
  const error = new ApiError('rate_limited', 'TooManyRequests', message);
  error.retryAfterSeconds = retryAfterSeconds;
  return error;
}

/** The "field: reason" an update validator's failure message names (`Invalid task: title: too long`). */
function issueOfFailureMessage(message: string): FieldIssue {
  const match = /^Invalid [^:]+: ([^:;]+): ([^;]+)/.exec(message);
  return match ? { field: match[1]!, reason: match[2]! } : { field: '', reason: message };
}

/** SQLSTATE classes of a server that cannot take work now (PostgreSQL "Appendix A"): 08 connection, 53 resources, 57P operator intervention. */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P)/;
/** Node's socket errors of a server that is not there. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string')
    return /Connection terminated|timeout exceeded when trying to connect/.test(String(error));
  return UNAVAILABLE_SQLSTATE.test(code) || UNREACHABLE.has(code);
}

/** gRPC status codes of a Temporal server that cannot take the call now (gRPC "Status codes"): UNAVAILABLE, DEADLINE_EXCEEDED. */
const GRPC_UNAVAILABLE = new Set([14, 4]);

/** Whether `error` (or its cause) says the Temporal server cannot be reached: told by name and gRPC code, as the SDK may not be loaded. */
function isTemporalUnavailable(error: unknown): boolean {
  for (
    let e = error as { name?: string; code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    depth++
  ) {
    if (e.name === 'TransportError') return true;
    // A client's first connection that failed (src/client/connection.ts).
    if (e instanceof BrainOpsError && e.code === TEMPORAL_UNREACHABLE) return true;
    if (typeof e.code === 'number' && GRPC_UNAVAILABLE.has(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** The {@link ApiError} an error stands for, or undefined for an unexpected error (a bug: the adapter logs it). */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof ValidationError)
    return invalid(
      error.issues.map((i) => ({ field: i.field, reason: i.message })),
      error.subject,
    );
  if (error instanceof StaleWriteError) return conflict(error.code, error.message);
  // Temporal's errors are told by name: the API is used where the Temporal SDK is not loaded (the CLI's memory commands).
  const name = (error as Error | undefined)?.name;
  if (name === 'WorkflowNotFoundError') return notFound('no such session in this tenant');
  if (name === 'WorkflowUpdateFailedError') {
    const cause = failureCause(error) as (Error & { type?: string }) | undefined;
    if (cause?.name === 'ApplicationFailure') {
      if (cause.type === 'ValidationError') return invalid([issueOfFailureMessage(cause.message)]);
      if (cause.type === 'NotFound') return notFound(cause.message);
      if (cause.type === 'SessionEnded') return conflict('SessionEnded', cause.message);
    }
  }
  if (error instanceof OverloadedError) return new ApiError(error.kind, 'Overloaded', error.message);
  if (error instanceof BrainOpsError && error.code === 'NotFound') return notFound(error.message);
  if (error instanceof BrainOpsError && !error.retryable) return conflict(error.code, error.message);
  if (isDatabaseUnavailable(error)) return unavailable('the memory database cannot be reached; try again shortly');
  if (isTemporalUnavailable(error)) return unavailable('the Temporal server cannot be reached; try again shortly');
  return undefined;
}
