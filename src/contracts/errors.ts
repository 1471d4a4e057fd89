/**
 * Errors BrainOps raises on purpose. Each has a stable `code`; `retryable: false` tells the
 * activity layer to turn it into a non-retryable `ApplicationFailure` of type `code`, so Temporal
 * does not retry what cannot succeed.
 */
export class BrainOpsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = code;
  }
}

/** The code of the error a client connection throws when the Temporal server cannot be reached (retryable). */
export const TEMPORAL_UNREACHABLE = 'TemporalUnreachable';

/** Bad input: names the field and why. */
export class ValidationError extends BrainOpsError {
  constructor(
    readonly subject: string,
    readonly issues: { field: string; message: string }[],
  ) {
    super(
      'ValidationError',
      `Invalid ${subject}: ${issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; ')}`,
      false,
      { issues },
    );
  }
}

/** A write carried `expectedVersion` and the stored entry is at another version. */
export class StaleWriteError extends BrainOpsError {
  constructor(key: string, expected: number, actual: number | null) {
    super(
      'StaleWriteError',
      actual === null
        ? `memory entry "${key}" does not exist (expected version ${expected})`
        : `memory entry "${key}" is at version ${actual}, not the expected ${expected}`,
      false,
      { key, expected, actual },
    );
  }
}

/**
 * More work than the server takes now (a write queue full): `rate_limited` (429, one caller's or
 * session's share) or `unavailable` (503, the whole server). Retryable: try again shortly.
 */
export class OverloadedError extends BrainOpsError {
  constructor(
    readonly kind: 'rate_limited' | 'unavailable',
    message: string,
  ) {
    super('Overloaded', message, true);
  }
}
