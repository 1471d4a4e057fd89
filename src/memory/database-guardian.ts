/**
 * DatabaseGuardian's records in the memory database: backups (taken, verified, failed, pruned)
 * and migration runs. Each write is keyed by the activity's idempotency key. Operator work: the
 * repository runs on the operator's pool.
 */
import type { BackupRecord, MigrationRun } from '../contracts/database-guardian';
import { operatorRepository, type Connections, type Queryable } from './connections';
import { migrationStatus } from './migrate';

const BACKUP_COLUMNS = `id::int, database_name as "databaseName", file_path as "filePath", status,
  size_bytes::float8 as "sizeBytes", sha256, pg_dump_path as "pgDumpPath", pg_dump_version as "pgDumpVersion",
  server_version as "serverVersion", row_counts as "rowCounts", verification, error, workflow_id as "workflowId",
  started_at as "startedAt", finished_at as "finishedAt", verified_at as "verifiedAt", pruned_at as "prunedAt"`;

/** Records a backup once per `dedupeKey`; a repeat returns the stored row. */
export async function insertBackup(
  db: Queryable,
  b: Pick<
    BackupRecord,
    | 'databaseName'
    | 'filePath'
    | 'status'
    | 'sizeBytes'
    | 'pgDumpPath'
    | 'pgDumpVersion'
    | 'serverVersion'
    | 'rowCounts'
    | 'error'
    | 'workflowId'
  > & {
    startedAt: Date;
    finishedAt: Date;
    dedupeKey: string;
  },
): Promise<BackupRecord> {
  const result = await db.query<BackupRecord>(
    `with ins as (
       insert into database_backups (database_name, file_path, status, size_bytes, pg_dump_path, pg_dump_version,
         server_version, row_counts, error, workflow_id, dedupe_key, started_at, finished_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       on conflict (dedupe_key) do nothing
       returning *)
     select ${BACKUP_COLUMNS} from ins
     union all select ${BACKUP_COLUMNS} from database_backups where dedupe_key = $11
     limit 1`,
    [
      b.databaseName,
      b.filePath,
      b.status,
      b.sizeBytes,
      b.pgDumpPath,
      b.pgDumpVersion,
      b.serverVersion,
      b.rowCounts === null ? null : JSON.stringify(b.rowCounts),
      b.error,
      b.workflowId,
      b.dedupeKey,
      b.startedAt,
      b.finishedAt,
    ],
  );
  return result.rows[0]!;
}

export async function getBackup(db: Queryable, { id }: { id: number }): Promise<BackupRecord | null> {
  const result = await db.query<BackupRecord>(`select ${BACKUP_COLUMNS} from database_backups where id = $1`, [id]);
  return result.rows[0] ?? null;
}

/** Backups newest first, of one database or all; `statuses` filters. */
export async function listBackups(
  db: Queryable,
  opts: { databaseName?: string; statuses?: BackupRecord['status'][]; limit?: number } = {},
): Promise<BackupRecord[]> {
  const result = await db.query<BackupRecord>(
    `select ${BACKUP_COLUMNS} from database_backups
     where ($1::text is null or database_name = $1) and ($2::text[] is null or status = any($2))
     order by started_at desc, id desc limit $3`,
    [opts.databaseName ?? null, opts.statuses ?? null, opts.limit ?? 100],
  );
  return result.rows;
}

/** Records the checksum of a backup file. */
export async function setBackupChecksum(
  db: Queryable,
  { id, sha256, sizeBytes }: { id: number; sha256: string; sizeBytes: number },
): Promise<void> {
  await db.query('update database_backups set sha256 = $2, size_bytes = $3 where id = $1', [id, sha256, sizeBytes]);
}

/** Records the outcome of a restore check: verified, or failed with why. */
export async function setBackupVerification(
  db: Queryable,
  v: { id: number; ok: boolean; verification: Record<string, unknown>; error?: string },
): Promise<BackupRecord | null> {
  const result = await db.query<BackupRecord>(
    `update database_backups set status = case when status = 'pruned' then status when $2 then 'verified' else 'failed' end,
       verification = $3, error = $4, verified_at = case when $2 then now() else verified_at end
     where id = $1 returning ${BACKUP_COLUMNS}`,
    [v.id, v.ok, JSON.stringify(v.verification), v.error ?? null],
  );
  return result.rows[0] ?? null;
}

/** Marks backups pruned (their files were removed by retention); the rows stay as history. */
export async function markBackupsPruned(db: Queryable, { ids }: { ids: number[] }): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `update database_backups set status = 'pruned', pruned_at = coalesce(pruned_at, now()) where id = any($1::bigint[])`,
    [ids],
  );
}

/** Records a migration run once per `dedupeKey`. */
export async function insertMigrationRun(
  db: Queryable,
  r: Omit<MigrationRun, 'id' | 'finishedAt'> & { dedupeKey: string },
): Promise<MigrationRun> {
  const result = await db.query<MigrationRun>(
    `with ins as (
       insert into migration_runs (database_name, pending, applied, failed, error, workflow_id, dedupe_key, started_at, finished_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, now())
       on conflict (dedupe_key) do nothing returning *)
     select id::int, database_name as "databaseName", pending, applied, failed, error, workflow_id as "workflowId",
       started_at as "startedAt", finished_at as "finishedAt" from ins
     union all
     select id::int, database_name, pending, applied, failed, error, workflow_id, started_at, finished_at
     from migration_runs where dedupe_key = $7
     limit 1`,
    [r.databaseName, r.pending, r.applied, r.failed, r.error, r.workflowId, r.dedupeKey, r.startedAt],
  );
  return result.rows[0]!;
}

/** The most recent migration run that failed, or null. */
export async function lastFailedMigrationRun(
  db: Queryable,
  { databaseName }: { databaseName: string },
): Promise<MigrationRun | null> {
  const result = await db.query<MigrationRun>(
    `select id::int, database_name as "databaseName", pending, applied, failed, error, workflow_id as "workflowId",
       started_at as "startedAt", finished_at as "finishedAt"
     from migration_runs where database_name = $1 and failed is not null order by started_at desc limit 1`,
    [databaseName],
  );
  return result.rows[0] ?? null;
}

/** DatabaseGuardian's backups and migration runs (operator work). */
export function databaseGuardianRepository(db: Connections) {
  return operatorRepository(db, {
    recordBackup: insertBackup,
    getBackup,
    listBackups,
    setBackupChecksum,
    setBackupVerification,
    markBackupsPruned,
    recordMigrationRun: insertMigrationRun,
    lastFailedMigrationRun,
    /** Applied, pending and unknown migrations of this memory database. */
    migrationStatus: (q: Queryable) => migrationStatus(q),
  });
}
export type DatabaseGuardianRepository = ReturnType<typeof databaseGuardianRepository>;
