/**
 * The schedules BrainOps declares (from `temporal.config.ts`), created or updated idempotently by
 * code: fixed ids, an explicit overlap policy and catch-up window.
 */
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { BrainOpsConfig } from '../../temporal.config';
import { SCHEDULE_IDS, SEARCH_ATTRIBUTES, SYSTEM_MONITOR_WORKFLOW_ID_PREFIX } from '../shared/names';
import type { systemMonitorWorkflow } from '../workflows';

/** The declared schedules, by id. */
export function declaredSchedules(config: BrainOpsConfig): ScheduleOptions[] {
  return [
    {
      scheduleId: SCHEDULE_IDS.systemMonitor,
      spec: { intervals: [{ every: config.schedules.systemMonitorIntervalMs }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'systemMonitorWorkflow' satisfies (typeof systemMonitorWorkflow)['name'],
        workflowId: `${SYSTEM_MONITOR_WORKFLOW_ID_PREFIX}/scheduled`,
        taskQueue: config.temporal.taskQueue,
        args: [{}],
        typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'SystemMonitor' }],
        memo: { agent: 'SystemMonitor', purpose: 'health checks of the configured targets' },
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      memo: { agent: 'SystemMonitor' },
    },
  ];
}

export interface AppliedSchedule {
  scheduleId: string;
  outcome: 'created' | 'updated';
}

/** Creates each declared schedule, or updates its spec, action and policies to the declaration. */
export async function applySchedules(client: Client, config: BrainOpsConfig): Promise<AppliedSchedule[]> {
  const applied: AppliedSchedule[] = [];
  for (const options of declaredSchedules(config)) {
    const handle = client.schedule.getHandle(options.scheduleId);
    try {
      await handle.describe();
      await handle.update((previous) => ({
        ...previous,
        spec: options.spec,
        action: options.action,
        policies: { ...previous.policies, ...options.policies },
      }));
      applied.push({ scheduleId: options.scheduleId, outcome: 'updated' });
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
      await client.schedule.create(options);
      applied.push({ scheduleId: options.scheduleId, outcome: 'created' });
    }
  }
  return applied;
}

export interface ScheduleSummary {
  scheduleId: string;
  paused: boolean;
  workflowType?: string;
  nextRunAt?: Date;
  recentRuns: number;
}

/** The schedules in the namespace with their next run. */
export async function listSchedules(client: Client): Promise<ScheduleSummary[]> {
  const out: ScheduleSummary[] = [];
  for await (const s of client.schedule.list()) {
    out.push({
      scheduleId: s.scheduleId,
      paused: s.state.paused,
      workflowType: s.action?.type === 'startWorkflow' ? s.action.workflowType : undefined,
      nextRunAt: s.info.nextActionTimes[0],
      recentRuns: s.info.recentActions.length,
    });
  }
  return out;
}
