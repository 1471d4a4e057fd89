/**
 * DatabaseGuardian: for each guarded database (the memory database and those declared in
 * `BRAINOPS_DATABASES`), schema sync (migration status, applying pending migrations when asked;
 * drift of a declared schema), backups (one child workflow per database: dump → checksum →
 * restore check → retention) and performance findings. Each outcome is recorded in memory and
 * summarised in the workflow memo, readable in the Web UI.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  executeChild,
  proxyActivities,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { BackupSummary, Finding, MigrationRun, RestoreCheck, SchemaStatus } from '../contracts/database-guardian';
import { SEARCH_ATTRIBUTES } from '../contracts/names';
import { activityFailureCause } from './activity-failure';

type Activities = ReturnType<typeof createActivities>;

const acts = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 3 } });
const findings = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 2 },
});
const migrations = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', retry: { maximumAttempts: 1 } });
/** Dumps and restores of large databases take long; the heartbeat tells a lost worker from a slow dump. */
const longRunning = proxyActivities<Activities>({
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 2, initialInterval: '30s' },
});

export type GuardianTask = 'schema' | 'backup' | 'findings';

/** Input of {@link databaseGuardianWorkflow}. */
export interface DatabaseGuardianInput {
  /** What to do. @defaultValue ['schema', 'findings'] */
  tasks?: GuardianTask[];
  /** Guarded databases by name. @defaultValue all (for backups: those with `backup` on) */
  databases?: string[];
  /** Apply pending migrations of the memory database during schema sync. @defaultValue false */
  applyMigrations?: boolean;
}

/** Findings of one database, summarised. */
export interface FindingsSummary {
  count: number;
  bySeverity: Record<string, number>;
  /** The findings, most severe first (titles and keys). */
  items: { kind: string; severity: string; title: string; recommendedAction: string }[];
  resolved: number;
}

/** What one run did for one database. */
export interface DatabaseReport {
  database: string;
  schema?: { status: SchemaStatus; migrationRun?: MigrationRun };
  backup?: BackupOutcome;
  findings?: FindingsSummary;
}

export interface DatabaseGuardianReport {
  databases: DatabaseReport[];
}

/** Outcome of {@link databaseBackupWorkflow}. */
export interface BackupOutcome {
  status: 'verified' | 'failed';
  backup: BackupSummary;
  restoreCheck?: RestoreCheck;
  retention?: { kept: number; pruned: number };
  error?: string;
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

function summarise(found: Finding[], resolved: number): FindingsSummary {
  const sorted = [...found].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  const bySeverity: Record<string, number> = {};
  for (const f of found) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  return {
    count: found.length,
    bySeverity,
    items: sorted.map((f) => ({
      kind: f.kind,
      severity: f.severity,
      title: f.title,
      recommendedAction: f.recommendedAction,
    })),
    resolved,
  };
}

/** The activity's own message (not Temporal's "Activity task failed" wrapper), or the error's. */
function failureMessage(error: unknown): string {
  return activityFailureCause(error)?.message ?? (error instanceof Error ? error.message : String(error));
}

/** A memo small enough for the Web UI: one line per database and task. */
function memoOf(report: DatabaseGuardianReport): Record<string, unknown> {
  return {
    agent: 'DatabaseGuardian',
    databases: report.databases.map((d) => ({
      database: d.database,
      ...(d.schema
        ? {
            schema: d.schema.status.migrations
              ? {
                  pending: d.schema.status.migrations.pending.length,
                  failed: d.schema.status.migrations.failed,
                  applied: d.schema.migrationRun?.applied ?? [],
                }
              : { drift: d.schema.status.findings.length },
          }
        : {}),
      ...(d.backup
        ? {
            backup: {
              status: d.backup.status,
              id: d.backup.backup.id,
              file: d.backup.backup.filePath,
              bytes: d.backup.backup.sizeBytes,
              error: d.backup.error,
            },
          }
        : {}),
      ...(d.findings
        ? {
            findings: {
              count: d.findings.count,
              bySeverity: d.findings.bySeverity,
              top: d.findings.items.slice(0, 5).map((f) => f.title),
            },
          }
        : {}),
    })),
  };
}

export async function databaseGuardianWorkflow(input: DatabaseGuardianInput = {}): Promise<DatabaseGuardianReport> {
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.agent, value: 'DatabaseGuardian' }]);
  const tasks = new Set(input.tasks ?? ['schema', 'findings']);
  const databases = await acts.guardedDatabases({ names: input.databases });
  const report: DatabaseGuardianReport = { databases: [] };
  for (const db of databases) {
    const entry: DatabaseReport = { database: db.name };
    report.databases.push(entry);
    if (tasks.has('schema')) {
      let status = await acts.schemaStatus({ database: db.name });
      let migrationRun: MigrationRun | undefined;
      if (input.applyMigrations && db.kind === 'memory' && status.migrations?.pending.length) {
        migrationRun = await migrations.applyMigrations({ database: db.name });
        status = await acts.schemaStatus({ database: db.name });
      }
      await acts.recordFindings({ database: db.name, family: 'schema', findings: status.findings });
      entry.schema = { status, migrationRun };
    }
    // Backups run only for databases that want them, unless named explicitly.
    if (tasks.has('backup') && (db.backup || input.databases?.includes(db.name))) {
      entry.backup = await executeChild(databaseBackupWorkflow, {
        workflowId: `${workflowInfo().workflowId}/backup/${db.name}`,
        args: [{ database: db.name }],
        typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.agent, value: 'DatabaseGuardian' }],
      });
    }
    if (tasks.has('findings')) {
      const found = await findings.collectFindings({ database: db.name });
      const recorded = await acts.recordFindings({ database: db.name, family: 'performance', findings: found });
      entry.findings = summarise(found, recorded.resolved);
    }
    upsertMemo(memoOf(report));
  }
  return report;
}

/**
 * One database's backup: dump (heartbeating), checksum, restore check, retention. A dump that
 * fails for good, or a backup whose restore check fails, is a failed backup: recorded, reported
 * as a critical finding, and the workflow still applies retention (a failed file is pruned).
 */
export async function databaseBackupWorkflow(input: { database: string }): Promise<BackupOutcome> {
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.agent, value: 'DatabaseGuardian' }]);
  let outcome: BackupOutcome;
  let taken: BackupSummary | undefined;
  try {
    taken = await longRunning.takeBackup({ database: input.database });
    await longRunning.checksumBackup({ backupId: taken.id });
    const check = await longRunning.verifyBackup({ backupId: taken.id });
    outcome = {
      status: check.ok ? 'verified' : 'failed',
      backup: check.backup,
      restoreCheck: check,
      error: check.error,
    };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const message = failureMessage(error);
    // A dump that was taken but could not be checksummed or verified is that backup's failure
    // (so retention prunes its file), not a second record beside a backup left `taken` for ever.
    outcome = {
      status: 'failed',
      backup: await acts.recordBackupFailure({ database: input.database, error: message, backupId: taken?.id }),
      error: message,
    };
  }
  const failed: Finding[] =
    outcome.status === 'failed'
      ? [
          {
            kind: 'backup-failed',
            object: 'latest',
            subject: input.database,
            severity: 'critical',
            title: `Backup of ${input.database} failed`,
            detail: outcome.error ?? 'the backup could not be verified',
            recommendedAction:
              'fix the cause and run `brainops db backup`; until then the newest restorable backup is older',
            actionable: true,
            evidence: { backupId: outcome.backup.id, file: outcome.backup.filePath },
          },
        ]
      : [];
  await acts.recordFindings({ database: input.database, family: 'backup', findings: failed });
  const retention = await longRunning.applyBackupRetention({ database: input.database });
  outcome.retention = { kept: retention.kept.length, pruned: retention.pruned.length };
  upsertMemo({
    agent: 'DatabaseGuardian',
    database: input.database,
    status: outcome.status,
    backupId: outcome.backup.id,
    file: outcome.backup.filePath,
    bytes: outcome.backup.sizeBytes,
    error: outcome.error ?? null,
    retention: outcome.retention,
  });
  return outcome;
}

/** Restore-checks an existing backup (by id, or the newest of `database`) without taking one. */
export async function databaseRestoreCheckWorkflow(input: {
  backupId?: number;
  database?: string;
}): Promise<RestoreCheck & { backup: BackupSummary }> {
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.agent, value: 'DatabaseGuardian' }]);
  let backupId = input.backupId;
  if (backupId === undefined) {
    const latest = await acts.latestBackup({ database: input.database ?? 'memory' });
    if (!latest)
      throw ApplicationFailure.nonRetryable(
        `database: no backup of "${input.database ?? 'memory'}" to check`,
        'NoBackup',
      );
    backupId = latest.id;
  }
  const check = await longRunning.verifyBackup({ backupId });
  upsertMemo({
    agent: 'DatabaseGuardian',
    backupId,
    database: check.backup.databaseName,
    ok: check.ok,
    checksum: check.checksum,
    error: check.error ?? null,
    durationMs: check.durationMs,
  });
  return check;
}
