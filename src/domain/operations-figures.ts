/**
 * The figures an operator reads about how well BrainOps works, defined once for the console and
 * `/metrics`: procedure compliance, the auto-resolved share, pattern-match accuracy. Pure
 * functions of counts; null when there is nothing to divide by (no data is not 0 %).
 */
import type { ProcedureComplianceFigures } from '../contracts/learning';

/**
 * Share of a procedure version's step decisions that followed the procedure: steps run (whether
 * they then succeeded or failed) over every decision, where skipped (with approval), blocked and
 * warned steps are departures. Released steps are blocked ones a person let through: not counted
 * again. In [0, 1], or null when no step was decided.
 */
export function complianceRate(c: ProcedureComplianceFigures): number | null {
  const followed = c.ran + c.failed;
  const decisions = followed + c.skipped + c.blocked + c.warned;
  return decisions === 0 ? null : followed / decisions;
}

/** `part / whole` in [0, 1], or null when `whole` is 0. */
export function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}
