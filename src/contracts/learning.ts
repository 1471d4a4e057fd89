/**
 * What learning cycles exchange: the window a cycle analyses and the result of each cycle.
 */

/** Length of each cycle's window, ms. */
export const CYCLE_LENGTH_MS = Object.freeze({
  'five-minute': 5 * 60_000,
  hourly: 60 * 60_000,
  daily: 24 * 60 * 60_000,
});
export type LearningCycle = keyof typeof CYCLE_LENGTH_MS;
export const LEARNING_CYCLES = Object.freeze(Object.keys(CYCLE_LENGTH_MS) as LearningCycle[]);

/** A span of time `[start, end)`, as the memory store's window reads take it. */
export interface TimeSpan {
  start: Date;
  end: Date;
}

/** A cycle's window: `[start, end)` as ISO-8601 strings, and the key its results are stored under. */
export interface CycleWindow {
  cycle: LearningCycle;
  start: string;
  end: string;
  /** `<cycle>/<end>`, e.g. `daily/2026-11-21T00:00:00.000Z`. */
  key: string;
}

/** What the daily window did, counted from its provenance (the same however often it ran). */
export interface MaintenanceCounts {
  archivedExpired: number;
  archivedSessionEnded: number;
  mergedDuplicates: number;
  promoted: number;
  demoted: number;
}

/** Result of the five-minute cycle for its window. */
export interface FiveMinuteResult {
  window: CycleWindow;
  runs: number;
  capabilities: number;
  errorEvents: number;
  risingPatterns: { signature: string; count: number; previousHour: number }[];
  lowSuccess: { agentId: string; capability: string; runs: number; successRate: number }[];
  agentsRecorded: string[];
  insights: string[];
  /** Procedure compliance in the window, per procedure version: steps run, failed, skipped with approval, blocked (and released), warned. */
  procedureCompliance?: ProcedureComplianceFigures[];
  /** Routes whose error rate spiked against the hour before (each its tenant's insight `key`). */
  endpointErrorSpikes?: EndpointFindingFigures[];
}

/** A service route a learning cycle found something about, and the key of its tenant's insight. */
export interface EndpointFindingFigures {
  tenantId: string;
  service: string;
  route: string;
  method: string;
  key: string;
}

export interface ProcedureComplianceFigures {
  procedure: string;
  version: number;
  ran: number;
  failed: number;
  skipped: number;
  blocked: number;
  released: number;
  warned: number;
}

/** Success rate of a procedure version over its finished runs. */
export interface ProcedureEffectivenessFigures {
  procedure: string;
  version: number;
  runs: number;
  successes: number;
  successRate: number;
}

/** Result of the hourly cycle for its window. */
export interface HourlyResult {
  window: CycleWindow;
  failing: {
    signature: string;
    subject: string;
    hourCount: number;
    dayCount: number;
    knownFix: string | null;
    actionable: boolean;
  }[];
  degraded: { agentId: string; capability: string; hourRate: number; dayRate: number }[];
  slower: { agentId: string; capability: string; hourAvgMs: number; dayAvgMs: number }[];
  insights: string[];
  actionable: number;
  /** Success rate per procedure version over the 24 hours to the window's end. */
  procedureEffectiveness?: ProcedureEffectivenessFigures[];
  /** Routes whose p95 regressed against the same hour the day before (each its tenant's insight `key`). */
  endpointRegressions?: EndpointFindingFigures[];
}

/** Report of the daily memory optimisation for its window. */
export interface DailyReport extends MaintenanceCounts {
  window: CycleWindow;
  statisticsRefreshed: string[];
  report: string;
}
