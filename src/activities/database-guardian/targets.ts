/**
 * The guarded databases of a configuration, and connections to them.
 */
import { Client } from 'pg';
import { BrainOpsError } from '../../contracts/errors';
import {
  MEMORY_DATABASE,
  MEMORY_MAIN_TABLES,
  type GuardedDatabase,
  type GuardedDatabaseDeclaration,
} from '../../contracts/guarded-database';

/** The databases DatabaseGuardian looks after: the memory database (at `memoryUrl`) first, then the declared ones. */
export function guardedDatabases(memoryUrl: string, declared: GuardedDatabaseDeclaration[]): GuardedDatabase[] {
  return [
    { name: MEMORY_DATABASE, url: memoryUrl, kind: 'memory', backup: true, mainTables: [...MEMORY_MAIN_TABLES] },
    ...declared.map((d): GuardedDatabase => ({ ...d, kind: 'declared' })),
  ];
}

/**
 * The guarded database named `name`.
 * @throws BrainOpsError `UnknownDatabase` (not retryable) listing the configured names.
 */
export function guardedDatabase(all: GuardedDatabase[], name: string): GuardedDatabase {
  const found = all.find((d) => d.name === name);
  if (!found) {
    throw new BrainOpsError(
      'UnknownDatabase',
      `database: no guarded database "${name}" (configured: ${all.map((d) => d.name).join(', ')})`,
      false,
    );
  }
  return found;
}

/** Runs `work` on a fresh connection to `url` (statement timeout 60 s), closing it afterwards. */
export async function withConnection<T>(
  url: string,
  work: (client: Client) => Promise<T>,
  applicationName = 'brainops-guardian',
): Promise<T> {
  const client = new Client({
    connectionString: url,
    application_name: applicationName,
    statement_timeout: 60_000,
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
