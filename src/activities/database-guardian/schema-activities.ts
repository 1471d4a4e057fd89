/**
 * Schema sync of the guarded databases: migration status of the memory database (and applying its
 * pending migrations), drift of a declared schema; each as findings.
 */
import { Context } from '@temporalio/activity';
import { BrainOpsError } from '../../contracts/errors';
import type { Finding, MigrationRun, SchemaStatus } from '../../contracts/database-guardian';
import type { GuardedDatabase } from '../../contracts/guarded-database';
import { migrate } from '../../memory';
import { migrationStatus } from '../../memory/migrate';
import type { ActivityDeps } from '../deps';
import { activityWriteId } from '../idempotency';
import { checkSchemaDrift, driftFindings } from './schema-drift';
import { guardedDatabase, withConnection } from './targets';

/**
 * Findings of the memory database's migrations: a failed one, pending ones, and applied ones this
 * version does not know.
 */
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

export function createSchemaActivities({ store, logger }: ActivityDeps, databases: GuardedDatabase[]) {
  return {
    /** Migration status (memory database) or drift against the declared schema. */
    async schemaStatus(input: { database: string }): Promise<SchemaStatus> {
      const db = guardedDatabase(databases, input.database);
      if (db.kind === 'memory') {
        const status = await withConnection(db.url, (c) => migrationStatus(c));
        const lastFailed = await store.databaseGuardian.lastFailedMigrationRun({ databaseName: db.name });
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
        throw new BrainOpsError(
          'NotMigratable',
          `database: "${db.name}" is not the memory database; BrainOps migrates only its own schema`,
          false,
        );
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
      return store.databaseGuardian.recordMigrationRun({
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
  };
}
