/**
 * The schedules BrainOps declares (from `temporal.config.ts`), created or updated idempotently by
 * code: fixed ids, an explicit overlap policy and catch-up window.
 */
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { BrainOpsConfig } from '../../temporal.config';
import { CYCLE_LENGTH_MS, type LearningCycle } from '../contracts/learning';
import {
  DATABASE_GUARDIAN_WORKFLOW_ID_PREFIX,
  EMBEDDINGS_WORKFLOW_ID_PREFIX,
  LEARNING_WORKFLOW_ID_PREFIX,
  SCHEDULE_IDS,
  SEARCH_ATTRIBUTES,
  SYSTEM_MONITOR_WORKFLOW_ID_PREFIX,
} from '../contracts/names';
import type {
  databaseGuardianWorkflow,
  embeddingCatchUpWorkflow,
  learningCycleWorkflow,
  systemMonitorWorkflow,
} from '../workflows';
import type { DatabaseGuardianInput } from '../workflows/database-guardian';

const LEARNING_SCHEDULES: { cycle: LearningCycle; scheduleId: string; catchupWindow: Duration; purpose: string }[] = [
  {
    cycle: 'five-minute',
    scheduleId: SCHEDULE_IDS.learningFiveMinute,
    catchupWindow: '1 hour',
    purpose: 'agent performance and rising error patterns of the last 5 minutes',
  },
  {
    cycle: 'hourly',
    scheduleId: SCHEDULE_IDS.learningHourly,
    catchupWindow: '1 day',
    purpose: 'recommendations from the last hour and day',
  },
  {
    cycle: 'daily',
    scheduleId: SCHEDULE_IDS.learningDaily,
    catchupWindow: '7 days',
    purpose: 'memory optimisation: archive, layers, duplicates, statistics',
  },
];

function guardianSchedule(
  config: BrainOpsConfig,
  scheduleId: string,
  spec: ScheduleOptions['spec'],
  input: DatabaseGuardianInput,
  purpose: string,
  catchupWindow: Duration,
): ScheduleOptions {
  return {
    scheduleId,
    spec,
    action: {
      type: 'startWorkflow',
      workflowType: 'databaseGuardianWorkflow' satisfies (typeof databaseGuardianWorkflow)['name'],
      workflowId: `${DATABASE_GUARDIAN_WORKFLOW_ID_PREFIX}/${scheduleId.replace('brainops-database-', '')}`,
      taskQueue: config.temporal.taskQueue,
      args: [input],
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'DatabaseGuardian' }],
      memo: { agent: 'DatabaseGuardian', purpose },
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow },
    memo: { agent: 'DatabaseGuardian' },
  };
}

/** ms a learning cycle waits after its window closes: activities finishing then still count. */
export const LEARNING_SETTLE_MS = 30_000;

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
    guardianSchedule(
      config,
      SCHEDULE_IDS.databaseBackup,
      { cronExpressions: [config.schedules.backupCron] },
      { tasks: ['backup'] },
      'verified backups of the guarded databases, with retention',
      '6 hours',
    ),
    guardianSchedule(
      config,
      SCHEDULE_IDS.databaseFindings,
      { intervals: [{ every: config.schedules.findingsIntervalMs }] },
      { tasks: ['schema', 'findings'], applyMigrations: true },
      'schema sync (pending migrations applied) and performance findings',
      '10 minutes',
    ),
    // Intervals are aligned to the epoch; each run is scheduled LEARNING_SETTLE_MS after its
    // window's end (the window is rounded down), so work recorded as the window closed is in it.
    // Missed windows are buffered and run in turn (each is idempotent), up to the catch-up window.
    ...LEARNING_SCHEDULES.map((s): ScheduleOptions => ({
      scheduleId: s.scheduleId,
      spec: { intervals: [{ every: CYCLE_LENGTH_MS[s.cycle], offset: LEARNING_SETTLE_MS }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'learningCycleWorkflow' satisfies (typeof learningCycleWorkflow)['name'],
        workflowId: `${LEARNING_WORKFLOW_ID_PREFIX}/${s.cycle}/scheduled`,
        taskQueue: config.temporal.taskQueue,
        args: [{ cycle: s.cycle }],
        typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'ContextKeeper' }],
        memo: { agent: 'ContextKeeper', purpose: s.purpose },
      },
      policies: { overlap: ScheduleOverlapPolicy.BUFFER_ALL, catchupWindow: s.catchupWindow },
      memo: { agent: 'ContextKeeper' },
    })),
    {
      // Each run goes on for just under the interval, so one is nearly always embedding; a run
      // still going when the next is due makes the schedule skip that one.
      scheduleId: SCHEDULE_IDS.embeddings,
      spec: { intervals: [{ every: '1 minute' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'embeddingCatchUpWorkflow' satisfies (typeof embeddingCatchUpWorkflow)['name'],
        workflowId: `${EMBEDDINGS_WORKFLOW_ID_PREFIX}/scheduled`,
        taskQueue: config.temporal.taskQueue,
        args: [{}],
        typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'ContextKeeper' }],
        memo: { agent: 'ContextKeeper', purpose: 'embeddings of new and changed entries and messages' },
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      memo: { agent: 'ContextKeeper' },
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
