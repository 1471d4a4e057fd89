/**
 * DatabaseGuardian's exchanged shapes: backup and migration records, guarded databases as
 * workflows see them (no URL), schema status and drift, findings and restore checks.
 */
import type { Insight } from './insight';

/** One backup as recorded. Times are Dates; `sizeBytes` in bytes. */
export interface BackupRecord {
  id: number;
  databaseName: string;
  filePath: string;
  status: 'taken' | 'verified' | 'failed' | 'pruned';
  sizeBytes: number | null;
  sha256: string | null;
  pgDumpPath: string | null;
  pgDumpVersion: string | null;
  serverVersion: string | null;
  rowCounts: Record<string, number> | null;
  verification: Record<string, unknown> | null;
  error: string | null;
  workflowId: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  verifiedAt: Date | null;
  prunedAt: Date | null;
}

/** One schema sync that applied migrations. */
export interface MigrationRun {
  id: number;
  databaseName: string;
  pending: string[];
  applied: string[];
  failed: string | null;
  error: string | null;
  workflowId: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

/** A guarded database as workflows see it: no URL. */
export interface GuardedDatabaseRef {
  name: string;
  kind: 'memory' | 'declared';
  backup: boolean;
  declaredSchema: boolean;
}

/** What differs from the declaration. Table names are `schema.table`. */
export interface SchemaDrift {
  missingTables: string[];
  missingColumns: { table: string; column: string }[];
  extraColumns: { table: string; column: string }[];
}

export type Finding = Omit<Insight, 'key'> & { object: string };

/** Schema status of one database: migrations (memory database) or drift (declared schema). */
export interface SchemaStatus {
  database: string;
  migrations?: {
    applied: number;
    lastApplied: string | null;
    pending: string[];
    failed: string | null;
    failedError: string | null;
    unknown: string[];
  };
  drift?: SchemaDrift;
  /** Drift and migration problems as findings. */
  findings: Finding[];
}

/** A backup's outcome as workflows report it. */
export type BackupSummary = Pick<
  BackupRecord,
  | 'id'
  | 'databaseName'
  | 'filePath'
  | 'status'
  | 'sizeBytes'
  | 'sha256'
  | 'pgDumpVersion'
  | 'serverVersion'
  | 'rowCounts'
  | 'error'
>;

/** What a restore check found. `ok` only when checksum, restore and every count agree. */
export interface RestoreCheck {
  ok: boolean;
  /** Why not, in one line. */
  error?: string;
  scratchDatabase: string;
  checksum: 'match' | 'mismatch' | 'not recorded';
  restoredCounts?: Record<string, number>;
  mismatches?: { table: string; expected: number; restored: number | null }[];
  durationMs: number;
}
