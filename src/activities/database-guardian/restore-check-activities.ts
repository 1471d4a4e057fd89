/** Restore checks of backups: restore into a scratch database and compare row counts; the newest backup to check. */
import type { BrainOpsConfig } from '../../../temporal.config';
import { BrainOpsError } from '../../contracts/errors';
import type { BackupSummary, RestoreCheck } from '../../contracts/database-guardian';
import type { GuardedDatabase } from '../../contracts/guarded-database';
import type { ActivityDeps } from '../deps';
import { verifyRestore } from './backup';
import { confinedBackupFile } from './backup-files';
import { heartbeat, pgTool, serverVersion, summary } from './support';
import { guardedDatabase } from './targets';

export function createRestoreCheckActivities(
  { store }: ActivityDeps,
  databases: GuardedDatabase[],
  g: BrainOpsConfig['guardian'],
) {
  return {
    /**
     * Restore check: checksum, `pg_restore` into a scratch database on the same server, row
     * counts compared with those taken at dump time. Records `verified` or `failed`.
     */
    async verifyBackup(input: { backupId: number }): Promise<RestoreCheck & { backup: BackupSummary }> {
      const backup = await store.databaseGuardian.getBackup({ id: input.backupId });
      if (!backup) throw new BrainOpsError('UnknownBackup', `backupId: no backup ${input.backupId}`, false);
      if (backup.status === 'pruned')
        throw new BrainOpsError(
          'BackupPruned',
          `backupId: backup ${backup.id} was pruned by retention (its file is gone)`,
          false,
        );
      const db = guardedDatabase(databases, backup.databaseName);
      const server = await serverVersion(db.url);
      const pgRestore = await pgTool('pg_restore', server, g.pgBinDir);
      const check = await verifyRestore({
        url: db.url,
        file: confinedBackupFile(g.backupDir, backup.databaseName, backup.filePath),
        scratchDatabase: `brainops_restore_check_${backup.id}`,
        pgRestore: pgRestore.path,
        expectedSha256: backup.sha256,
        expectedCounts: backup.rowCounts ?? {},
        onTick: () => heartbeat({ step: 'restore check' }),
      });
      const updated = await store.databaseGuardian.setBackupVerification({
        id: backup.id,
        ok: check.ok,
        verification: { ...check, pgRestorePath: pgRestore.path, pgRestoreVersion: pgRestore.version },
        error: check.error,
      });
      return { ...check, backup: summary(updated ?? backup) };
    },

    /** The newest backup of a database that still has its file (to restore-check it). */
    async latestBackup(input: { database: string }): Promise<BackupSummary | null> {
      const db = guardedDatabase(databases, input.database);
      const [latest] = await store.databaseGuardian.listBackups({
        databaseName: db.name,
        statuses: ['verified', 'taken', 'failed'],
        limit: 1,
      });
      return latest ? summary(latest) : null;
    },
  };
}
