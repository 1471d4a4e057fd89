/**
 * Client call of the learning cycles: runs one cycle's window now (with a readable id) and waits
 * for its result. Input is validated here, at the edge.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { BrainOpsConfig } from '../../temporal.config';
import { LEARNING_CYCLES } from '../contracts/learning';
import { LEARNING_WORKFLOW_ID_PREFIX, SEARCH_ATTRIBUTES } from '../contracts/names';
import { parseInput } from '../contracts/validate';
import { cycleWindow } from '../domain/cycle-windows';
import { learningCycleWorkflow } from '../workflows';
import type { LearningCycleResult } from '../workflows/learning-cycle';

const learningRunSchema = z.object({
  cycle: z.enum(LEARNING_CYCLES as unknown as ['five-minute', 'hourly', 'daily']),
  /** End of the window; default: the last complete window. */
  windowEnd: z.iso.datetime({ offset: true }).optional(),
});
export type LearningRunInput = z.input<typeof learningRunSchema>;

/**
 * Runs a learning cycle for one window (default: the last complete one) as
 * `learning/<cycle>/<window end>`; running it again re-runs that window, with the same result.
 */
export async function runLearningCycle(
  client: Client,
  config: BrainOpsConfig,
  raw: LearningRunInput,
): Promise<LearningCycleResult> {
  const input = parseInput(learningRunSchema, raw, 'learning cycle');
  const window = cycleWindow(input.cycle, input.windowEnd ?? Date.now());
  return client.workflow.execute(learningCycleWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: `${LEARNING_WORKFLOW_ID_PREFIX}/${window.key}`,
    args: [{ cycle: input.cycle, windowEnd: window.end }],
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'ContextKeeper' }],
  });
}
