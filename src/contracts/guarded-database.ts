/**
 * The databases DatabaseGuardian looks after: the memory database (always, named `memory`) and
 * the others declared in `BRAINOPS_DATABASES`, each with an optional declared schema (drift is
 * checked against it) and the thresholds that turn statistics into findings. Safe to import from
 * workflow code (zod only).
 */
import { z } from 'zod';

/** Name of the memory database among the guarded ones. */
export const MEMORY_DATABASE = 'memory';

const qualifiedName = z
  .string()
  .regex(
    /^([A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*$/,
    'expected a table name such as "orders" or "public.orders"',
  );

/** One database other than the memory database, as declared in `BRAINOPS_DATABASES`. */
export const guardedDatabaseSchema = z
  .object({
    /** Short name used in workflow ids, insight keys and backup file names. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected 1-63 lower-case letters, digits, "_" or "-"'),
    url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
    /** Declared schema: table → columns it must have (drift is reported against it). */
    expectedSchema: z
      .record(qualifiedName, z.array(z.string().min(1).max(63)).min(1, 'expected at least one column'))
      .optional(),
    /** Back it up on the backup schedule. @defaultValue true */
    backup: z.boolean().default(true),
    /** Tables whose row counts a restore check compares. @defaultValue the 10 largest tables */
    mainTables: z.array(qualifiedName).min(1).max(50).optional(),
  })
  .strict();
export type GuardedDatabaseDeclaration = z.output<typeof guardedDatabaseSchema>;

/** `BRAINOPS_DATABASES`: names are unique and `memory` is taken by the memory database. */
export const guardedDatabasesSchema = z.array(guardedDatabaseSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((db, i) => {
    if (db.name === MEMORY_DATABASE) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'name'],
        message: `"${MEMORY_DATABASE}" is the memory database's name; choose another`,
      });
    } else if (seen.has(db.name)) {
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate database name "${db.name}"` });
    }
    seen.add(db.name);
  });
});

/** A database the guardian works on, resolved: the memory database or a declared one. */
export interface GuardedDatabase {
  name: string;
  url: string;
  kind: 'memory' | 'declared';
  expectedSchema?: Record<string, string[]>;
  backup: boolean;
  mainTables?: string[];
}

/** Main tables of the memory database, whose row counts a restore check compares. */
export const MEMORY_MAIN_TABLES = Object.freeze([
  'memory_entries',
  'memory_archive',
  'sessions',
  'session_messages',
  'work_history',
  'error_events',
  'knowledge_base',
  'decision_log',
  'database_backups',
]);

/**
 * Thresholds that turn database statistics into findings (`BRAINOPS_FINDING_THRESHOLDS`, a JSON
 * object; every field optional). Times in ms or s as named, sizes in bytes, ratios 0..1.
 */
export const findingThresholdsSchema = z
  .object({
    /** A statement whose mean time reaches this is a slow query. @defaultValue 100 */
    slowQueryMeanMs: z.number().positive().default(100),
    /** How many statements to report by total and by mean time. @defaultValue 5 */
    topQueries: z.number().int().min(1).max(50).default(5),
    /** A table this large (live rows) that is read by sequential scans is an index candidate. @defaultValue 10000 */
    largeTableRows: z.number().int().min(1).default(10_000),
    /**
     * Sequential scans a table needs before it is a candidate (a backup's count and dump scan each
     * table too, so a few scans say nothing). @defaultValue 50
     */
    minSeqScans: z.number().int().min(1).default(50),
    /** Unused indexes smaller than this are not reported. @defaultValue 8 MiB */
    unusedIndexMinBytes: z
      .number()
      .int()
      .min(0)
      .default(8 * 1024 * 1024),
    /** Estimated bloat must reach both this size and ratio. @defaultValue 10 MiB, 0.3 */
    bloatMinBytes: z
      .number()
      .int()
      .min(0)
      .default(10 * 1024 * 1024),
    bloatRatio: z.number().min(0).max(1).default(0.3),
    /** Dead tuples must reach both this count and this share of live tuples. @defaultValue 10000, 0.2 */
    deadTuplesMin: z.number().int().min(0).default(10_000),
    deadTupleRatio: z.number().min(0).default(0.2),
    /** Connection use (of max_connections less reserved) reported from this share. @defaultValue 0.8 */
    connectionUseRatio: z.number().min(0).max(1).default(0.8),
    /** An active statement running this long is reported. @defaultValue 60 */
    longQuerySeconds: z.number().positive().default(60),
    /** A session idle in a transaction this long is reported. @defaultValue 60 */
    idleInTransactionSeconds: z.number().positive().default(60),
    /** Cache hit ratio below this is reported once this many blocks were read. @defaultValue 0.99, 10000 */
    cacheHitRatio: z.number().min(0).max(1).default(0.99),
    cacheMinBlocks: z.number().int().min(0).default(10_000),
  })
  .strict();
export type FindingThresholds = z.output<typeof findingThresholdsSchema>;
