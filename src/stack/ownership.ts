/**
 * Which running servers belong to this data directory. `npm start` leaves a trace of every server
 * it runs under the data directory — PostgreSQL's own `postgres/postmaster.pid`, `temporal.pid`
 * for the dev server, `brainops.pid` for itself — and a server is taken for ours only when the
 * process behind the pid is still that server *for this directory*: its command line (and, for
 * PostgreSQL, its working directory, which the postmaster sets to its data directory) must say so.
 * Pids are reused, so a live pid alone proves nothing; a server that is not ours is never touched.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** What the operating system says about a live process. */
export interface ProcessView {
  argv: string[];
  /** Working directory, when readable. */
  cwd?: string;
}

/** The live process `pid` (not a zombie), or undefined. Linux reads /proc; elsewhere `ps`. */
export function inspectProcess(pid: number): ProcessView | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  if (fs.existsSync('/proc/self/cmdline')) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/\) Z /.test(stat)) return undefined;
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      let cwd: string | undefined;
      try {
        cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        cwd = undefined;
      }
      return { argv, cwd };
    } catch {
      return undefined;
    }
  }
  const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
  if (ps.status !== 0 || !ps.stdout.trim()) return undefined;
  return { argv: ps.stdout.trim().split(/\s+/) };
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** True while `pid` is alive (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  return inspectProcess(pid) !== undefined;
}

/** Waits until `pid` is gone, up to `ms`; true when it is. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/** A pid file: JSON `{ pid, ... }`, written whole (temporary file, then rename). */
export function writePidFile(file: string, content: { pid: number } & Record<string, unknown>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(content)}\n`);
  fs.renameSync(tmp, file);
}

export function readPidFile<T extends { pid: number }>(file: string): T | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    return Number.isInteger(parsed.pid) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Removes a pid file if it still names `pid` (another process may have written its own since). */
export function removePidFile(file: string, pid?: number): void {
  const current = readPidFile(file);
  if (current && pid !== undefined && current.pid !== pid) return;
  fs.rmSync(file, { force: true });
}

// PostgreSQL

/**
 * The postmaster serving `pgdata`, from its `postmaster.pid` (first line the pid, second the data
 * directory): `running` when that pid is a live postgres whose data directory (working directory,
 * or `-D` on its command line) is `pgdata`; `stale` when the file names anything else.
 */
export function ownPostmaster(
  pgdata: string,
): { state: 'none' } | { state: 'stale' } | { state: 'running'; pid: number } {
  const file = path.join(pgdata, 'postmaster.pid');
  let lines: string[];
  try {
    lines = fs.readFileSync(file, 'utf8').split('\n');
  } catch {
    return { state: 'none' };
  }
  const pid = Number(lines[0]);
  const dir = realpath(pgdata);
  if (!lines[1] || realpath(lines[1]) !== dir) return { state: 'stale' };
  const view = inspectProcess(pid);
  if (!view) return { state: 'stale' };
  const isPostgres = /(^|\/)postgres$/.test(view.argv[0] ?? '') || /^postgres(:|$)/.test(view.argv[0] ?? '');
  const dataDirArg = view.argv[view.argv.indexOf('-D') + 1];
  const servesDir =
    (view.cwd !== undefined && realpath(view.cwd) === dir) ||
    (view.argv.includes('-D') && dataDirArg !== undefined && realpath(dataDirArg) === dir);
  return isPostgres && servesDir ? { state: 'running', pid } : { state: 'stale' };
}

/**
 * Stops this directory's postmaster if one runs: fast shutdown (SIGINT), then immediate (SIGQUIT)
 * after `fastMs`. Removes a stale `postmaster.pid` (one naming a dead or reused pid) so the next
 * start does not take it for a live server. Returns what it found.
 */
export async function stopOwnPostmaster(
  pgdata: string,
  fastMs = 15_000,
): Promise<{ found: 'none' | 'stale' | 'running'; pid?: number }> {
  const own = ownPostmaster(pgdata);
  if (own.state === 'none') return { found: 'none' };
  if (own.state === 'stale') {
    fs.rmSync(path.join(pgdata, 'postmaster.pid'), { force: true });
    return { found: 'stale' };
  }
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(own.pid, s);
    } catch {
      // gone already
    }
  };
  signal('SIGINT');
  if (!(await waitForExit(own.pid, fastMs))) {
    signal('SIGQUIT');
    if (!(await waitForExit(own.pid, 5000))) signal('SIGKILL');
    await waitForExit(own.pid, 5000);
  }
  return { found: 'running', pid: own.pid };
}

// The Temporal dev server

/** What `temporal.pid` records about the dev server `npm start` runs. */
export interface DevServerPidFile {
  pid: number;
  dbFilename: string;
  port: number;
}

/** The pid of this directory's dev server when `temporal.pid` names a live `start-dev` on `dbFilename`. */
export function ownDevServer(pidFile: string): number | undefined {
  const recorded = readPidFile<DevServerPidFile>(pidFile);
  if (!recorded) return undefined;
  const view = inspectProcess(recorded.pid);
  if (!view) return undefined;
  const db = view.argv[view.argv.indexOf('--db-filename') + 1];
  const ours =
    view.argv.includes('start-dev') &&
    view.argv.includes('--db-filename') &&
    db !== undefined &&
    realpath(db) === realpath(recorded.dbFilename);
  return ours ? recorded.pid : undefined;
}

/**
 * Stops this directory's dev server if one runs (its process group: SIGTERM, SIGKILL after
 * `graceMs`), and removes `temporal.pid`. Returns the pid it stopped.
 */
export async function stopOwnDevServer(pidFile: string, graceMs = 10_000): Promise<number | undefined> {
  const pid = ownDevServer(pidFile);
  if (pid !== undefined) {
    const signal = (s: NodeJS.Signals) => {
      try {
        // Spawned detached, so it leads its own process group.
        process.kill(-pid, s);
      } catch {
        try {
          process.kill(pid, s);
        } catch {
          // gone already
        }
      }
    };
    signal('SIGTERM');
    if (!(await waitForExit(pid, graceMs))) {
      signal('SIGKILL');
      await waitForExit(pid, 5000);
    }
  }
  fs.rmSync(pidFile, { force: true });
  return pid;
}

// BrainOps itself

/**
 * The pid of another live `brainops start` on this data directory (from `brainops.pid`), or
 * undefined when there is none (no file, a dead pid, or a pid now used by something else).
 */
export function otherStack(lockFile: string): number | undefined {
  const recorded = readPidFile<{ pid: number }>(lockFile);
  if (!recorded || recorded.pid === process.pid) return undefined;
  const view = inspectProcess(recorded.pid);
  if (!view) return undefined;
  const line = view.argv.join(' ');
  return /brainops|src\/cli\/main\.ts/.test(line) && /\bstart\b/.test(line) ? recorded.pid : undefined;
}
