/**
 * Backups of the guarded databases: dump (heartbeating while pg_dump runs), the record of a backup
 * that failed, checksum, and retention.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { BrainOpsConfig } from '../../../temporal.config';
import { BrainOpsError } from '../../contracts/errors';
import type { BackupSummary } from '../../contracts/database-guardian';
import type { GuardedDatabase } from '../../contracts/guarded-database';
import { retentionPlan } from '../../domain/backup-retention';
import type { ActivityDeps } from '../deps';
import { activityWriteId } from '../idempotency';
import { dumpDatabase, sha256File } from './backup';
import { confinedBackupFile, databaseBackupDir } from './backup-files';
import { heartbeat, pgTool, serverVersion, summary } from './support';
import { guardedDatabase } from './targets';

/** `20261121T030000Z` */
function compactTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export function createBackupActivities(
  { store, logger }: ActivityDeps,
  databases: GuardedDatabase[],
  g: BrainOpsConfig['guardian'],
) {
  return {
    /**
     * `pg_dump -Fc` of a guarded database into `<backup dir>/<database>/`, row counts of its main
     * tables taken in the dump's snapshot; heartbeats while pg_dump runs. The file name is fixed
     * by the activity's first scheduling, so a retry overwrites its own partial file.
     * @throws BrainOpsError `PgToolVersionMismatch` (not retryable) naming both versions.
     */
    async takeBackup(input: { database: string }): Promise<BackupSummary> {
      const db = guardedDatabase(databases, input.database);
      const info = Context.current().info;
      const writeId = activityWriteId();
      const server = await serverVersion(db.url);
      const pgDump = await pgTool('pg_dump', server, g.pgBinDir);
      const file = path.join(
        databaseBackupDir(g.backupDir, db.name),
        `${db.name}-${compactTime(info.scheduledTimestampMs)}-${createHash('sha1').update(writeId).digest('hex').slice(0, 8)}.dump`,
      );
      const startedAt = new Date();
      heartbeat({ step: 'dump', file });
      const dump = await dumpDatabase({
        url: db.url,
        file,
        pgDump: pgDump.path,
        mainTables: db.mainTables,
        onTick: () =>
          heartbeat({
            step: 'dump',
            bytes: fs.existsSync(`${file}.partial`) ? fs.statSync(`${file}.partial`).size : 0,
          }),
      });
      const record = await store.databaseGuardian.recordBackup({
        databaseName: db.name,
        filePath: file,
        status: 'taken',
        sizeBytes: dump.sizeBytes,
        pgDumpPath: pgDump.path,
        pgDumpVersion: pgDump.version,
        serverVersion: dump.serverVersion,
        rowCounts: dump.rowCounts,
        error: null,
        workflowId: info.workflowExecution?.workflowId ?? null,
        startedAt,
        finishedAt: new Date(),
        dedupeKey: writeId,
      });
      return summary(record);
    },

    /**
     * Records a failed backup: `backupId` (taken, but its checksum or restore check failed for
     * good) is marked failed; without it, a backup that could not be taken is recorded.
     */
    async recordBackupFailure(input: { database: string; error: string; backupId?: number }): Promise<BackupSummary> {
      if (input.backupId !== undefined) {
        const error = input.error.slice(0, 2000);
        const marked = await store.databaseGuardian.setBackupVerification({
          id: input.backupId,
          ok: false,
          verification: { error },
          error,
        });
        if (!marked) throw new BrainOpsError('UnknownBackup', `backupId: no backup ${input.backupId}`, false);
        return summary(marked);
      }
      const db = guardedDatabase(databases, input.database);
      const writeId = activityWriteId();
      const now = new Date();
      const record = await store.databaseGuardian.recordBackup({
        databaseName: db.name,
        filePath: path.join(
          databaseBackupDir(g.backupDir, db.name),
          `failed-${createHash('sha1').update(writeId).digest('hex').slice(0, 12)}`,
        ),
        status: 'failed',
        sizeBytes: null,
        pgDumpPath: null,
        pgDumpVersion: null,
        serverVersion: null,
        rowCounts: null,
        error: input.error.slice(0, 2000),
        workflowId: Context.current().info.workflowExecution?.workflowId ?? null,
        startedAt: now,
        finishedAt: now,
        dedupeKey: writeId,
      });
      return summary(record);
    },

    /** sha256 of a backup file, recorded (heartbeats every 64 MiB). */
    async checksumBackup(input: { backupId: number }): Promise<{ sha256: string; sizeBytes: number }> {
      const backup = await store.databaseGuardian.getBackup({ id: input.backupId });
      if (!backup) throw new BrainOpsError('UnknownBackup', `backupId: no backup ${input.backupId}`, false);
      const file = confinedBackupFile(g.backupDir, backup.databaseName, backup.filePath);
      const result = await sha256File(file, () => heartbeat({ step: 'checksum' }));
      await store.databaseGuardian.setBackupChecksum({ id: backup.id, ...result });
      return result;
    },

    /**
     * Keeps the newest verified backup of each of the last `keepDaily` days and `keepWeekly`
     * ISO weeks; removes the files of every other verified and every failed backup (the rows
     * stay, marked pruned). A row whose file lies outside `<backup dir>/<database>/` is left
     * alone, file and row, and listed under `refused`.
     */
    async applyBackupRetention(input: { database: string }): Promise<{
      kept: { id: number; reasons: string[] }[];
      pruned: { id: number; filePath: string }[];
      refused: { id: number; filePath: string; reason: string }[];
    }> {
      const db = guardedDatabase(databases, input.database);
      const backups = await store.databaseGuardian.listBackups({
        databaseName: db.name,
        statuses: ['verified', 'failed', 'taken'],
        limit: 100_000,
      });
      const plan = retentionPlan(backups, g.keepDaily, g.keepWeekly);
      const byId = new Map(backups.map((b) => [b.id, b]));
      const pruned: { id: number; filePath: string }[] = [];
      const refused: { id: number; filePath: string; reason: string }[] = [];
      for (const id of plan.prune) {
        const b = byId.get(id)!;
        let file: string;
        try {
          file = confinedBackupFile(g.backupDir, db.name, b.filePath);
        } catch (error) {
          refused.push({ id, filePath: b.filePath, reason: (error as Error).message });
          logger.warn({ backupId: id, filePath: b.filePath }, (error as Error).message);
          continue;
        }
        fs.rmSync(file, { force: true });
        pruned.push({ id, filePath: b.filePath });
        heartbeat({ step: 'retention', pruned: pruned.length });
      }
      await store.databaseGuardian.markBackupsPruned({ ids: pruned.map((p) => p.id) });
      return { kept: plan.keep, pruned, refused };
    },
  };
}
