/**
 * The learning cycles' activities (ContextKeeper, learning continuously from what the agents did):
 * every five minutes agent performance and rising error patterns, hourly recommendations, daily
 * memory optimisation; and choosing an agent by its record. Each takes its window explicitly,
 * reads only rows inside it and stores results keyed by it, so a re-run or back-fill of a window
 * gives the same result and never counts twice. Each cycle has its file in `learning-cycles/`.
 */
import type { ActivityDeps } from './deps';
import { activityWriteId } from './idempotency';
import { createDailyActivities } from './learning-cycles/daily';
import { createFiveMinuteActivities } from './learning-cycles/five-minute';
import { createHourlyActivities } from './learning-cycles/hourly';
import { windowWriter } from './learning-cycles/rules';
import { parseInput } from '../contracts/validate';
import { selectAgent, selectionSchema, type Selection, type SelectionInput } from '../services/agent-selection';

export { LEARNING_RULES } from './learning-cycles/rules';

/**
 * `accessLogDays`: days the daily cycle keeps API access-log rows (`BRAINOPS_API_ACCESS_LOG_DAYS`;
 * 0 keeps them forever).
 */
export function createLearningActivities({ store }: ActivityDeps, config: { accessLogDays: number }) {
  const writeWindow = windowWriter(store);

  return {
    ...createFiveMinuteActivities(store, writeWindow),
    ...createHourlyActivities(store, writeWindow),
    ...createDailyActivities(store, writeWindow, config),

    /** Chooses among agents that can all do a capability, by their record; logged in the decision log. */
    async selectAgent(input: SelectionInput): Promise<Selection> {
      return selectAgent(store, parseInput(selectionSchema, input, 'agent selection'), activityWriteId());
    },
  };
}
