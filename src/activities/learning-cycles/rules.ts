/**
 * What the learning cycles share: the thresholds of their insights, figures and times as insights
 * word them, a window's bounds, batched daily steps, and writing a window's insights.
 */
import { Context } from '@temporalio/activity';
import type { CycleWindow } from '../../contracts/learning';
import type { CapabilityPerformance, Insight, MemoryStore } from '../../memory';

/** Thresholds of the cycles' insights: defaults chosen for this project, documented here. */
export const LEARNING_RULES = Object.freeze({
  /** A signature is a rising pattern with at least this many events in five minutes… */
  risingMinCount: 3,
  /** …and more than this multiple of its five-minute average over the previous hour. */
  risingFactor: 2,
  /** Capabilities with fewer runs in a window are not judged. */
  minRuns: 5,
  /** A capability below this success rate in a window is reported. */
  lowSuccessRate: 0.8,
  /** The hourly cycle recommends on signatures with at least this many events in the hour. */
  failingMinCount: 3,
  /** A known fix below this success rate is reported as not working. */
  weakFixRate: 0.5,
  /**
   * Hourly: a success rate this far below the day's is a degradation; a latency this multiple of
   * the day's is a slowdown.
   */
  degradationDrop: 0.2,
  slowdownFactor: 2,
});

const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
const BATCH = 5_000;

/** Success rate of runs (1 when there were none). */
export const rate = (c: Pick<CapabilityPerformance, 'runs' | 'successes'>) => (c.runs === 0 ? 1 : c.successes / c.runs);
/** `87.5%` */
export const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;
/** `14:05` (UTC) */
export const hhmm = (d: Date) => d.toISOString().slice(11, 16);

/**
 * Runs a batched daily step for the window until a batch moves nothing, adding each batch to
 * `progress[field]` and heartbeating the progress after it.
 */
export async function drain<P extends Record<string, number>>(
  step: (batch: { windowEnd: Date; windowKey: string; limit: number }) => Promise<number>,
  w: CycleWindow,
  progress: P,
  field: keyof P,
): Promise<void> {
  for (let n; (n = await step({ windowEnd: new Date(w.end), windowKey: w.key, limit: BATCH })) > 0;) {
    (progress as Record<string, number>)[field as string]! += n;
    Context.current().heartbeat(progress);
  }
}

export function bounds(w: CycleWindow) {
  return { start: new Date(w.start), end: new Date(w.end) };
}

/** Records a cycle's run of window `w` (with this activity's workflow) and returns its `result`. */
export async function recordCycleResult<R>(store: MemoryStore, w: CycleWindow, result: R): Promise<R> {
  const { start, end } = bounds(w);
  await store.learning.recordCycleRun({
    cycle: w.cycle,
    windowStart: start,
    windowEnd: end,
    result,
    workflowId: Context.current().info.workflowExecution?.workflowId,
  });
  return result;
}

/**
 * Writes a window's insights as ContextKeeper, keyed by the window (a re-run rewrites them):
 * global ones, or `tenantId`'s own (about its services: seen by it and the operator only).
 */
export type WindowWriter = (
  w: CycleWindow,
  insights: Insight[],
  memoryType?: 'performance_metric' | 'optimization',
  tenantId?: string,
) => Promise<unknown>;

export function windowWriter(store: MemoryStore): WindowWriter {
  return (w, insights, memoryType, tenantId) =>
    store.insights.recordWindowInsights({
      insights,
      source: 'ContextKeeper',
      windowStart: new Date(w.start),
      windowEnd: new Date(w.end),
      writeId: w.key,
      memoryType,
      tenantId,
    });
}
