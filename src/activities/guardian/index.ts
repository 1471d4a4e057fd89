/**
 * DatabaseGuardian's activities: schema status and migrations, backups (dump, checksum, restore
 * check, retention — each its own activity, heartbeating while it works), performance findings.
 * Activities take a database *name*; URLs (and their passwords) stay in configuration, out of
 * workflow histories.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { BackupRecord, BackupSummary, Finding, GuardedDatabaseRef, MigrationRun, RestoreCheck, SchemaStatus } from '../../contracts/guardian';
import { migrate } from '../../memory';
import { migrationStatus } from '../../memory/migrate';
import { BrainOpsError } from '../../contracts/errors';
import { dumpDatabase, sha256File, verifyRestore } from './backup';
import { collectFindings, familyKinds, findingKey, findingKeyPrefix, type FindingFamily } from './findings';
import { candidateDirs, findPgTool, majorOf, type PgProgram, type PgTool } from './pg-tools';
import { retentionPlan } from '../../domain/backup-retention';
import { checkSchemaDrift, driftFindings } from './schema-drift';
import { guardedDatabase, guardedDatabases, withConnection } from './targets';
import type { BrainOpsConfig } from '../../../temporal.config';
import type { ActivityDeps } from '../deps';
import { activityWriteId } from '../idempotency';

function summary(b: BackupRecord): BackupSummary {
  return { id: b.id, databaseName: b.databaseName, filePath: b.filePath, status: b.status, sizeBytes: b.sizeBytes, sha256: b.sha256, pgDumpVersion: b.pgDumpVersion, serverVersion: b.serverVersion, rowCounts: b.rowCounts, error: b.error };
}

function heartbeat(details?: unknown): void {
  Context.current().heartbeat(details);
}

/** `20261121T030000Z` */
function compactTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function migrationFindings(database: string, m: NonNullable<SchemaStatus['migrations']>): Finding[] {
  const findings: Finding[] = [];
  if (m.failed) {
    findings.push({
      kind: 'migrations',
      object: 'failed',
      subject: database,
      severity: 'critical',
      title: `Migration ${m.failed} failed on ${database}`,
      detail: m.failedError ?? 'the last migration run failed',
      recommendedAction: `fix ${m.failed} (its transaction was rolled back) and run \`brainops db status --apply\``,
      actionable: true,
      evidence: { failed: m.failed, error: m.failedError },
    });
  } else if (m.pending.length > 0) {
    findings.push({
      kind: 'migrations',
      object: 'pending',
      subject: database,
      severity: 'high',
      title: `${m.pending.length} pending migration(s) on ${database}`,
      detail: `Not applied: ${m.pending.join(', ')}.`,
      recommendedAction: 'run `brainops db status --apply` (or restart a worker, which migrates at start)',
      actionable: true,
      evidence: { pending: m.pending },
    });
  }
  if (m.unknown.length > 0) {
    findings.push({
      kind: 'migrations',
      object: 'unknown',
      subject: database,
      severity: 'medium',
      title: `${m.unknown.length} applied migration(s) on ${database} have no file in this version`,
      detail: `Applied but unknown to this worker: ${m.unknown.join(', ')} (a newer version migrated this database?).`,
      recommendedAction: 'run workers of the version that wrote them, or check the deployment',
      actionable: true,
      evidence: { unknown: m.unknown },
    });
  }
  return findings;
}

export function createGuardianActivities({ store, logger, memoryDatabaseUrl }: ActivityDeps, g: BrainOpsConfig['guardian']) {
  const databases = guardedDatabases(memoryDatabaseUrl, g.databases);

  async function serverVersion(url: string): Promise<{ text: string; num: number }> {
    return withConnection(url, async (c) => {
      const r = await c.query<{ text: string; num: string }>("select current_setting('server_version') as text, current_setting('server_version_num') as num");
      return { text: r.rows[0]!.text, num: Number(r.rows[0]!.num) };
    });
  }

  async function pgTool(program: PgProgram, server: { text: string; num: number }): Promise<PgTool> {
    return findPgTool(program, server.text, candidateDirs(majorOf(server.num), { binDir: g.pgBinDir }));
  }

  return {
    /** The guarded databases (the memory database first), without their URLs. */
    async guardedDatabases(input: { names?: string[] } = {}): Promise<GuardedDatabaseRef[]> {
      const all = input.names?.length ? input.names.map((n) => guardedDatabase(databases, n)) : databases;
      return all.map((d) => ({ name: d.name, kind: d.kind, backup: d.backup, declaredSchema: Boolean(d.expectedSchema) }));
    },

    /** Migration status (memory database) or drift against the declared schema. */
    async schemaStatus(input: { database: string }): Promise<SchemaStatus> {
      const db = guardedDatabase(databases, input.database);
      if (db.kind === 'memory') {
        const status = await withConnection(db.url, (c) => migrationStatus(c));
        const lastFailed = await store.lastFailedMigrationRun({ databaseName: db.name });
        const failed = lastFailed?.failed && status.pending.includes(lastFailed.failed) ? lastFailed : null;
        const migrations = {
          applied: status.applied.length,
          lastApplied: status.applied.at(-1)?.name ?? null,
          pending: status.pending,
          failed: failed?.failed ?? null,
          failedError: failed?.error ?? null,
          unknown: status.unknown,
        };
        return { database: db.name, migrations, findings: migrationFindings(db.name, migrations) };
      }
      if (!db.expectedSchema) return { database: db.name, findings: [] };
      const drift = await withConnection(db.url, (c) => checkSchemaDrift(c, db.expectedSchema!));
      return { database: db.name, drift, findings: driftFindings(db.name, drift) };
    },

    /**
     * Applies the memory database's pending migrations (each in its own transaction, under
     * node-pg-migrate's advisory lock) and records the run: pending, applied, and the migration
     * that failed with its error. A failed migration is a result, not a retried failure.
     */
    async applyMigrations(input: { database: string }): Promise<MigrationRun> {
      const db = guardedDatabase(databases, input.database);
      if (db.kind !== 'memory') {
        throw new BrainOpsError('NotMigratable', `database: "${db.name}" is not the memory database; BrainOps migrates only its own schema`, false);
      }
      const startedAt = new Date();
      const before = await withConnection(db.url, (c) => migrationStatus(c));
      let error: string | null = null;
      try {
        if (before.pending.length > 0) await migrate({ databaseUrl: db.url, logger });
      } catch (e) {
        error = (e as Error).message;
      }
      const after = await withConnection(db.url, (c) => migrationStatus(c));
      const applied = before.pending.filter((name) => !after.pending.includes(name));
      return store.recordMigrationRun({
        databaseName: db.name,
        pending: before.pending,
        applied,
        failed: error ? (after.pending[0] ?? null) : null,
        error,
        workflowId: Context.current().info.workflowExecution?.workflowId ?? null,
        startedAt,
        dedupeKey: activityWriteId(),
      });
    },

    /** Performance findings of one database (read-only statistics queries). */
    async collectFindings(input: { database: string }): Promise<Finding[]> {
      const db = guardedDatabase(databases, input.database);
      return withConnection(db.url, (c) => collectFindings(c, db.name, g.thresholds, () => heartbeat()));
    },

    /**
     * Stores findings as insight entries (a repeat updates its entry and counts one more
     * sighting) and resolves open findings of the same family this run no longer sees.
     */
    async recordFindings(input: { database: string; family: FindingFamily; findings: Finding[] }): Promise<{ recorded: number; resolved: number; keys: string[] }> {
      const writeId = activityWriteId();
      const seenAt = new Date();
      // One row per key: a batch that names a key twice would make the upsert fail ("cannot affect row a second time").
      const byKey = new Map<string, Omit<Finding, 'object'> & { key: string }>();
      for (const { object, ...f } of input.findings) {
        const key = findingKey(input.database, { kind: f.kind, object });
        if (!byKey.has(key)) byKey.set(key, { ...f, key });
      }
      const insights = [...byKey.values()];
      const recorded = await store.recordObservations({ insights, source: 'DatabaseGuardian', writeId, seenAt });
      const resolved = await store.resolveObservations({
        keyPrefix: findingKeyPrefix(input.database),
        seenKeys: insights.map((i) => i.key),
        resolvedAt: seenAt,
        ...familyKinds(input.family),
      });
      return { recorded: recorded.length, resolved, keys: insights.map((i) => i.key) };
    },

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
      const pgDump = await pgTool('pg_dump', server);
      const file = path.join(g.backupDir, db.name, `${db.name}-${compactTime(info.scheduledTimestampMs)}-${createHash('sha1').update(writeId).digest('hex').slice(0, 8)}.dump`);
      const startedAt = new Date();
      heartbeat({ step: 'dump', file });
      const dump = await dumpDatabase({ url: db.url, file, pgDump: pgDump.path, mainTables: db.mainTables, onTick: () => heartbeat({ step: 'dump', bytes: fs.existsSync(`${file}.partial`) ? fs.statSync(`${file}.partial`).size : 0 }) });
      const record = await store.recordBackup({
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
        const marked = await store.setBackupVerification({ id: input.backupId, ok: false, verification: { error }, error });
        if (!marked) throw new BrainOpsError('UnknownBackup', `backupId: no backup ${input.backupId}`, false);
        return summary(marked);
      }
      const writeId = activityWriteId();
      const now = new Date();
      const record = await store.recordBackup({
        databaseName: input.database,
        filePath: path.join(g.backupDir, input.database, `failed-${createHash('sha1').update(writeId).digest('hex').slice(0, 12)}`),
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
      const backup = await store.getBackup({ id: input.backupId });
      if (!backup) throw new BrainOpsError('UnknownBackup', `backupId: no backup ${input.backupId}`, false);
      const result = await sha256File(backup.filePath, () => heartbeat({ step: 'checksum' }));
      await store.setBackupChecksum({ id: backup.id, ...result });
      return result;
    },

    /**
     * Restore check: checksum, `pg_restore` into a scratch database on the same server, row
     * counts compared with those taken at dump time. Records `verified` or `failed`.
     */
    async verifyBackup(input: { backupId: number }): Promise<RestoreCheck & { backup: BackupSummary }> {
      const backup = await store.getBackup({ id: input.backupId });
      if (!backup) throw new BrainOpsError('UnknownBackup', `backupId: no backup ${input.backupId}`, false);
      if (backup.status === 'pruned') throw new BrainOpsError('BackupPruned', `backupId: backup ${backup.id} was pruned by retention (its file is gone)`, false);
      const db = guardedDatabase(databases, backup.databaseName);
      const server = await serverVersion(db.url);
      const pgRestore = await pgTool('pg_restore', server);
      const check = await verifyRestore({
        url: db.url,
        file: backup.filePath,
        scratchDatabase: `brainops_restore_check_${backup.id}`,
        pgRestore: pgRestore.path,
        expectedSha256: backup.sha256,
        expectedCounts: backup.rowCounts ?? {},
        onTick: () => heartbeat({ step: 'restore check' }),
      });
      const updated = await store.setBackupVerification({
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
      const [latest] = await store.listBackups({ databaseName: db.name, statuses: ['verified', 'taken', 'failed'], limit: 1 });
      return latest ? summary(latest) : null;
    },

    /**
     * Keeps the newest verified backup of each of the last `keepDaily` days and `keepWeekly`
     * ISO weeks; removes the files of every other verified and every failed backup (the rows
     * stay, marked pruned).
     */
    async applyBackupRetention(input: { database: string }): Promise<{ kept: { id: number; reasons: string[] }[]; pruned: { id: number; filePath: string }[] }> {
      const db = guardedDatabase(databases, input.database);
      const backups = await store.listBackups({ databaseName: db.name, statuses: ['verified', 'failed', 'taken'], limit: 100_000 });
      const plan = retentionPlan(backups, g.keepDaily, g.keepWeekly);
      const byId = new Map(backups.map((b) => [b.id, b]));
      const pruned: { id: number; filePath: string }[] = [];
      for (const id of plan.prune) {
        const b = byId.get(id)!;
        fs.rmSync(b.filePath, { force: true });
        pruned.push({ id, filePath: b.filePath });
        heartbeat({ step: 'retention', pruned: pruned.length });
      }
      await store.markBackupsPruned({ ids: plan.prune });
      return { kept: plan.keep, pruned };
    },
  };
}
