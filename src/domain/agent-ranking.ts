/**
 * Choosing among agents (or remediations) that can do the same task, by their record: the
 * success rate estimated as the mean of a Beta(2, 1) posterior (the same rule error-learning uses
 * for solutions, `src/errors/confidence.ts`), so an unproven candidate starts at 0.67 and a long
 * record outweighs a lucky streak; ties go to the faster one, then to the order given.
 */
import { trackRecord } from './confidence';

/** A candidate's record for the capability. `avgMs` in ms; absent: never ran it. */
export interface PerformanceRecord {
  runs: number;
  successes: number;
  avgMs: number | null;
}

/** A candidate with its score, best first. */
export interface RankedCandidate {
  id: string;
  score: number;
  record: PerformanceRecord;
}

const EMPTY: PerformanceRecord = { runs: 0, successes: 0, avgMs: null };

/** Ranks `candidates` (ids, in preference order) by their records. */
export function rankByPerformance(
  candidates: string[],
  records: Readonly<Record<string, PerformanceRecord | undefined>>,
): RankedCandidate[] {
  return candidates
    .map((id, order) => {
      const record = records[id] ?? EMPTY;
      return {
        id,
        order,
        record,
        score: Math.round(trackRecord(record.successes, record.runs - record.successes) * 1000) / 1000,
      };
    })
    .sort(
      (a, b) => b.score - a.score || (a.record.avgMs ?? Infinity) - (b.record.avgMs ?? Infinity) || a.order - b.order,
    )
    .map(({ id, score, record }) => ({ id, score, record }));
}
