/**
 * Which PostgreSQL errors are worth retrying. A statement refused for its data (SQLSTATE class 22,
 * data exception: bad encoding, out of range; 23, integrity; 54, program limit such as a tsvector
 * too long; 42, syntax or undefined object) fails the same way every time. Connection loss (08),
 * resources (53), operator intervention (57, e.g. the server shutting down), rollbacks (40) and
 * errors without a SQLSTATE (the network) may pass on a later attempt.
 */
const PERMANENT_CLASSES = new Set(['22', '23', '42', '54']);

/** True when `error` is a PostgreSQL error that retrying the same statement cannot cure. */
export function isPermanentDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && PERMANENT_CLASSES.has(code.slice(0, 2));
}
