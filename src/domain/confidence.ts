/**
 * How sure error-learning is that a solution fixes an error: the solution's track record,
 * estimated as the mean of a Beta posterior with prior Beta(2, 1) — a solution a person taught
 * starts at 0.67, one lucky success (0.75) ranks below fifty (0.98), and three failures in a row
 * (0.33) stop it being applied — times the similarity (of signatures by trigrams, or of messages
 * by words; `findSimilarSolutions`) to the fourth power. Neither similarity can tell "the same error, worded a little differently" from "the same error on
 * another service" (both score about 0.85), so a fuzzy match is applied on its own only with a
 * long record of success, and an exact match (similarity 1) is never discounted.
 */
export function trackRecord(successes: number, failures: number): number {
  return (successes + 2) / (successes + failures + 3);
}

export function solutionConfidence(similarity: number, successes: number, failures: number): number {
  return Math.round(similarity ** 4 * trackRecord(successes, failures) * 1000) / 1000;
}
