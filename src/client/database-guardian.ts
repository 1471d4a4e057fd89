/**
 * Client calls of DatabaseGuardian: each runs the workflow now (with a readable id) and waits for
 * its result. Input is validated here, at the edge.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { BrainOpsConfig } from '../../temporal.config';
import { DATABASE_GUARDIAN_WORKFLOW_ID_PREFIX, SEARCH_ATTRIBUTES } from '../contracts/names';
import { parseInput } from '../contracts/validate';
import { databaseGuardianWorkflow, databaseRestoreCheckWorkflow } from '../workflows';
import type { DatabaseGuardianReport, GuardianTask } from '../workflows/database-guardian';

const databaseName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a guarded database name');

const guardianRunSchema = z.object({
  databases: z.array(databaseName).max(100).optional(),
  applyMigrations: z.boolean().default(false),
});
export type GuardianRunInput = z.input<typeof guardianRunSchema>;

const restoreCheckSchema = z
  .object({ backupId: z.number().int().positive().optional(), database: databaseName.optional() })
  .refine((v) => !(v.backupId !== undefined && v.database !== undefined), {
    message: 'give a backup id or a database, not both',
    path: ['backupId'],
  });
export type RestoreCheckInput = z.input<typeof restoreCheckSchema>;

/** Runs DatabaseGuardian's `tasks` now and returns its report. */
export async function runGuardian(
  client: Client,
  config: BrainOpsConfig,
  tasks: GuardianTask[],
  raw: GuardianRunInput = {},
): Promise<DatabaseGuardianReport> {
  const input = parseInput(guardianRunSchema, raw, 'DatabaseGuardian run');
  return client.workflow.execute(databaseGuardianWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: `${DATABASE_GUARDIAN_WORKFLOW_ID_PREFIX}/manual/${tasks.join('+')}/${randomUUID()}`,
    args: [{ tasks, databases: input.databases, applyMigrations: input.applyMigrations }],
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'DatabaseGuardian' }],
    memo: { agent: 'DatabaseGuardian', tasks },
  });
}

/** Restore-checks a backup (by id, or the newest of a database; default the memory database). */
export async function runRestoreCheck(client: Client, config: BrainOpsConfig, raw: RestoreCheckInput) {
  const input = parseInput(restoreCheckSchema, raw, 'restore check');
  return client.workflow.execute(databaseRestoreCheckWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: `${DATABASE_GUARDIAN_WORKFLOW_ID_PREFIX}/manual/restore-check/${randomUUID()}`,
    args: [input],
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'DatabaseGuardian' }],
  });
}
