/**
 * The learning cycles (ContextKeeper's continuous learning), each run by its own
 * Temporal Schedule: every five minutes (agent performance, rising error patterns), hourly
 * (recommendations) and daily (memory optimisation). The window comes from the schedule's
 * scheduled time (search attribute `TemporalScheduledStartTime`), so a back-fill analyses the
 * window it was scheduled for; a run started by hand passes `windowEnd`, or gets the last complete
 * window before it started.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { DailyReport, FiveMinuteResult, HourlyResult } from '../contracts/learning';
import type { CycleWindow, LearningCycle } from '../contracts/learning';
import { cycleWindow } from '../domain/cycle-windows';
import { SEARCH_ATTRIBUTES } from '../contracts/names';

type Activities = ReturnType<typeof createActivities>;

const acts = proxyActivities<Activities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 5 } });
/** Daily steps move rows in batches and heartbeat after each. */
const batches = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

/** Set by Temporal on runs a schedule started: the time the run was scheduled for. */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Input of {@link learningCycleWorkflow}. */
export interface LearningCycleInput {
  cycle: LearningCycle;
  /** End of the window (ISO-8601), for a run by hand or a back-fill by id. */
  windowEnd?: string;
}

export type LearningCycleResult =
  | { cycle: 'five-minute'; result: FiveMinuteResult }
  | { cycle: 'hourly'; result: HourlyResult }
  | { cycle: 'daily'; result: DailyReport };

/** The window this run analyses: explicit, else scheduled, else the last one before the start. */
export function runWindow(input: LearningCycleInput): CycleWindow {
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(SCHEDULED_START_TIME);
  return cycleWindow(input.cycle, input.windowEnd ?? scheduled ?? info.startTime);
}

export async function learningCycleWorkflow(input: LearningCycleInput): Promise<LearningCycleResult> {
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.agent, value: 'ContextKeeper' }]);
  const window = runWindow(input);
  upsertMemo({ agent: 'ContextKeeper', cycle: input.cycle, windowStart: window.start, windowEnd: window.end });
  let outcome: LearningCycleResult;
  switch (input.cycle) {
    case 'five-minute': {
      const result = await acts.runFiveMinuteCycle(window);
      upsertMemo({
        runs: result.runs,
        errorEvents: result.errorEvents,
        risingPatterns: result.risingPatterns.length,
        lowSuccess: result.lowSuccess.length,
        insights: result.insights.length,
      });
      outcome = { cycle: input.cycle, result };
      break;
    }
    case 'hourly': {
      const result = await acts.runHourlyCycle(window);
      upsertMemo({
        recommendations: result.insights.length,
        actionable: result.actionable,
        failing: result.failing.map((f) => `${f.subject} ×${f.hourCount}`).slice(0, 10),
      });
      outcome = { cycle: input.cycle, result };
      break;
    }
    case 'daily': {
      await batches.archiveMemoryForWindow(window);
      await batches.changeMemoryLayers(window);
      await batches.mergeDuplicateMemory(window);
      const statisticsRefreshed = await batches.refreshMemoryStatistics();
      const result = await acts.writeDailyReport({ window, statisticsRefreshed });
      upsertMemo({ report: result.report });
      outcome = { cycle: input.cycle, result };
      break;
    }
  }
  return outcome;
}
