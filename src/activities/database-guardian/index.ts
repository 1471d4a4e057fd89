/**
 * DatabaseGuardian's activities: schema status and migrations, backups (dump, checksum, restore
 * check, retention — each its own activity, heartbeating while it works), performance findings.
 * Activities take a database *name*; URLs (and their passwords) stay in configuration, out of
 * workflow histories. Each concern has its file: schema, findings, backups, restore checks.
 */
import type { BrainOpsConfig } from '../../../temporal.config';
import type { GuardedDatabaseRef } from '../../contracts/database-guardian';
import type { ActivityDeps } from '../deps';
import { createBackupActivities } from './backup-activities';
import { createFindingsActivities } from './findings-activities';
import { createRestoreCheckActivities } from './restore-check-activities';
import { createSchemaActivities } from './schema-activities';
import { guardedDatabase, guardedDatabases } from './targets';

export function createGuardianActivities(deps: ActivityDeps, g: BrainOpsConfig['guardian']) {
  const databases = guardedDatabases(deps.memoryDatabaseUrl, g.databases);
  return {
    /** The guarded databases (the memory database first), without their URLs. */
    async guardedDatabases(input: { names?: string[] } = {}): Promise<GuardedDatabaseRef[]> {
      const all = input.names?.length ? input.names.map((n) => guardedDatabase(databases, n)) : databases;
      return all.map((d) => ({
        name: d.name,
        kind: d.kind,
        backup: d.backup,
        declaredSchema: Boolean(d.expectedSchema),
      }));
    },

    ...createSchemaActivities(deps, databases),
    ...createFindingsActivities(deps, databases, g.thresholds),
    ...createBackupActivities(deps, databases, g),
    ...createRestoreCheckActivities(deps, databases, g),
  };
}
