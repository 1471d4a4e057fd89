/**
 * How an API error becomes an HTTP answer: each kind has its status (400 names the field and the
 * reason, 401/403 say what the key lacks, 404 also answers for another tenant's ids — the caller
 * cannot tell them from ids that do not exist —, 409 a stale `expectedVersion` or an ended
 * session, 413 a body above the input limits, 429 and 503 with `Retry-After`).
 */
import { STATUS_OF_KIND, type ApiError } from '../api';
import { wireErrorBody } from '../api/wire';

/** Seconds a client should wait before trying again after a 429 or 503 that does not say. */
const RETRY_AFTER_SECONDS = 1;

/** The status, body and (for 429 and 503) `Retry-After` seconds of an API error. */
export function errorAnswer(error: ApiError): { status: number; body: object; retryAfter?: number } {
  const status = STATUS_OF_KIND[error.kind];
  return {
    status,
    body: wireErrorBody(error),
    ...(status === 429 || status === 503 ? { retryAfter: error.retryAfterSeconds ?? RETRY_AFTER_SECONDS } : {}),
  };
}
