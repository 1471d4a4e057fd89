/**
 * Applies the plain-SQL migrations in `migrations/` (numbered, the single source of truth for the
 * schema) with node-pg-migrate: an advisory lock keeps two processes from migrating at once, and
 * each migration runs in its own transaction and is recorded in `brainops_migrations`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ClientBase, Pool } from 'pg';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
export const MIGRATIONS_TABLE = 'brainops_migrations';

/** Applies every pending migration; returns the names applied. */
export async function migrate(opts: { databaseUrl: string; logger: Logger; dir?: string }): Promise<string[]> {
  // Loaded here: reading the status of migrations (every process that opens the store) needs none of it.
  const { runner } = await import('node-pg-migrate');
  const applied = await runner({
    databaseUrl: opts.databaseUrl,
    dir: opts.dir ?? MIGRATIONS_DIR,
    migrationsTable: MIGRATIONS_TABLE,
    direction: 'up',
    singleTransaction: false,
    checkOrder: true,
    log: (message: string) => opts.logger.debug(message),
    logger: {
      debug: (m: string) => opts.logger.debug(m),
      info: (m: string) => opts.logger.debug(m),
      warn: (m: string) => opts.logger.warn(m),
      error: (m: string) => opts.logger.error(m),
    },
  });
  return applied.map((m) => m.name);
}

/** Migration names (file names without `.sql`) in the order they apply. */
export function migrationFiles(dir = MIGRATIONS_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => f.slice(0, -'.sql'.length));
}

/** Applied and pending migrations of a memory database; `unknown` were applied but have no file. */
export interface MigrationStatus {
  applied: { name: string; runOn: Date }[];
  pending: string[];
  unknown: string[];
}

/** Reads `brainops_migrations` (absent table: nothing applied) against the migration files. */
export async function migrationStatus(db: Pool | ClientBase, dir = MIGRATIONS_DIR): Promise<MigrationStatus> {
  const exists = await db.query<{ found: boolean }>('select to_regclass($1) is not null as found', [MIGRATIONS_TABLE]);
  const applied = exists.rows[0]?.found
    ? (
        await db.query<{ name: string; runOn: Date }>(
          `select name, run_on as "runOn" from ${MIGRATIONS_TABLE} order by run_on, id`,
        )
      ).rows
    : [];
  const files = migrationFiles(dir);
  const done = new Set(applied.map((a) => a.name));
  const known = new Set(files);
  return {
    applied,
    pending: files.filter((f) => !done.has(f)),
    unknown: applied.map((a) => a.name).filter((n) => !known.has(n)),
  };
}
