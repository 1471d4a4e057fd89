/**
 * The cause of a failure. Temporal wraps what went wrong (an activity's error in an
 * `ActivityFailure`, a workflow's or an update's in the client's failure errors) and a network
 * library wraps the system error: the wrapped error says what happened. Pure, with no Node
 * built-ins and no Temporal import, so workflow code can use it as well as activities and clients.
 */

export interface CauseOptions {
  /** Unwrap only the errors this accepts (for instance `ActivityFailure`s); default: every error. */
  unwrap?: (error: Error) => boolean;
  /** How many levels to go down: 1 is the direct cause. @defaultValue to the innermost cause */
  depth?: number;
}

/**
 * The `Error` that `error` wraps (its `cause`, that one's cause, … up to `depth` levels, each level
 * only while `unwrap` accepts the error being unwrapped), or undefined when it wraps none. A cause
 * that is not an `Error`, or one seen before (a loop), ends the walk.
 */
export function failureCause(error: unknown, options: CauseOptions = {}): Error | undefined {
  const { unwrap = () => true, depth = Number.POSITIVE_INFINITY } = options;
  const seen = new Set<unknown>([error]);
  let found: Error | undefined;
  let current: unknown = error;
  for (let level = 0; level < depth && current instanceof Error && unwrap(current); level++) {
    const cause: unknown = (current as { cause?: unknown }).cause;
    if (!(cause instanceof Error) || seen.has(cause)) break;
    seen.add(cause);
    found = cause;
    current = cause;
  }
  return found;
}
