/**
 * Applies the plain-SQL migrations in `migrations/` (numbered, the single source of truth for the
 * schema) with node-pg-migrate: an advisory lock keeps two processes from migrating at once, and
 * each migration runs in its own transaction and is recorded in `brainops_migrations`.
 */
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
export const MIGRATIONS_TABLE = 'brainops_migrations';

/** Applies every pending migration; returns the names applied. */
export async function migrate(opts: { databaseUrl: string; logger: Logger }): Promise<string[]> {
  const applied = await runner({
    databaseUrl: opts.databaseUrl,
    dir: MIGRATIONS_DIR,
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
