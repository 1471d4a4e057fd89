/**
 * `brainops start` supervising itself, run for real (the command `npm start` runs) on free
 * loopback ports and a temporary data directory: a SIGKILLed BrainOps takes its servers with it,
 * servers orphaned anyway are stopped by the next start, servers that are not its own are never
 * touched, and SIGTERM, like Ctrl-C, drains — also when nobody reads stdout any more. The
 * application connects as a role row-level security applies to, also on a data directory whose
 * tables the superuser owned.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { freeLoopbackPort } from '../src/stack/free-port';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { isAlive, readPidFile, waitForExit } from '../src/stack/ownership';
import { databaseUrl, loadConfig } from '../temporal.config';

const ROOT = path.join(__dirname, '..');

interface RunningStack {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('brainops start supervises itself (real embedded PostgreSQL, real dev server)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-stack-test-'));
  fs.chmodSync(dataDir, 0o755);
  let env: NodeJS.ProcessEnv;
  const started: ChildProcess[] = [];
  const decoys: ChildProcess[] = [];

  before(async () => {
    // Free ports of its own, so a BrainOps the developer runs on the defaults does not get in the way.
    const [pg, temporal, ui, api] = [
      await freeLoopbackPort(),
      await freeLoopbackPort(),
      await freeLoopbackPort(),
      await freeLoopbackPort(),
    ];
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH,
      BRAINOPS_CACHE_DIR: process.env.BRAINOPS_CACHE_DIR,
      BRAINOPS_DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(pg),
      TEMPORAL_DEV_SERVER_PORT: String(temporal),
      TEMPORAL_UI_PORT: String(ui),
      BRAINOPS_API_PORT: String(api),
      // Nothing runs on a schedule during the test but what start-up itself does.
      BRAINOPS_MONITOR_INTERVAL: '1h',
      BRAINOPS_LOG_LEVEL: 'info',
    };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  });

  after(async () => {
    for (const child of [...started, ...decoys]) if (child.exitCode === null) child.kill('SIGKILL');
    // Whatever a failed test left running in this directory.
    const pg = serverPids();
    for (const pid of [pg.postgres, pg.temporal]) if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
    const watchdog = watchdogPid();
    if (watchdog !== undefined) process.kill(watchdog, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs `brainops start` and waits until it says it is up. */
  async function startStack(): Promise<RunningStack> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'start'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    let text = '';
    child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
    child.stdout!.on('error', () => undefined);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const deadline = Date.now() + 120_000;
    while (!text.includes('BrainOps is up.')) {
      if (child.exitCode !== null) throw new Error(`brainops start exited with ${child.exitCode}:\n${text}`);
      if (Date.now() > deadline) throw new Error(`brainops start did not come up within 120 s:\n${text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { child, output: () => text, exited };
  }

  function serverPids(): { postgres?: number; temporal?: number } {
    let postgres: number | undefined;
    try {
      postgres = Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      postgres = undefined;
    }
    return { postgres, temporal: readPidFile(path.join(dataDir, 'temporal.pid'))?.pid };
  }

  function watchdogPid(): number | undefined {
    for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      try {
        const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
        if (cmdline.includes('src/stack/watchdog.ts') && cwd === ROOT) {
          const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
          if (environ.includes(`BRAINOPS_DATA_DIR=${dataDir}\0`)) return Number(entry);
        }
      } catch {
        // not ours to read, or gone
      }
    }
    return undefined;
  }

  /** Stops a running stack with `signal` and checks it drained and stopped both servers. */
  async function stopAndCheck(stack: RunningStack, signal: NodeJS.Signals, readOutput = true): Promise<void> {
    const pids = serverPids();
    stack.child.kill(signal);
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no exit within 40 s of ${signal}:\n${stack.output()}`)), 40_000).unref(),
    );
    const end = await Promise.race([stack.exited, timeout]);
    assert.deepEqual(end, { code: 0, signal: null }, stack.output());
    if (readOutput) {
      assert.match(stack.output(), new RegExp(`${signal}: stopping \\(draining the worker\\)`));
      assert.match(stack.output(), /worker drained; stopping/);
      assert.match(stack.output(), /"msg":"stopped"/);
    }
    assert.ok(!isAlive(pids.postgres!), 'PostgreSQL stopped');
    assert.ok(!isAlive(pids.temporal!), 'the dev server stopped');
    assert.ok(!fs.existsSync(path.join(dataDir, 'brainops.pid')), 'the lock is released');
  }

  it('stops both servers within seconds when BrainOps is SIGKILLed, and starts cleanly again', async () => {
    const first = await startStack();
    const pids = serverPids();
    assert.ok(pids.postgres && isAlive(pids.postgres), 'PostgreSQL runs');
    assert.ok(pids.temporal && isAlive(pids.temporal), 'the dev server runs');
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    assert.ok(await waitForExit(pids.postgres, 10_000), 'PostgreSQL is gone');
    assert.ok(await waitForExit(pids.temporal, 10_000), 'the dev server is gone');
    assert.ok(Date.now() - killedAt < 10_000);
    assert.match(
      fs.readFileSync(path.join(dataDir, 'watchdog.log'), 'utf8'),
      /is gone; stopping postgres and temporal/,
    );

    const second = await startStack();
    assert.doesNotMatch(second.output(), /another server might be running/);
    await stopAndCheck(second, 'SIGTERM');
  });

  it('stops the servers a killed run orphaned (watchdog killed too), and drains on Ctrl-C with stdout closed', async () => {
    const first = await startStack();
    const pids = serverPids();
    const watchdog = watchdogPid();
    assert.ok(watchdog !== undefined, 'a watchdog runs');
    process.kill(watchdog, 'SIGKILL');
    first.child.kill('SIGKILL');
    await first.exited;
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(isAlive(pids.postgres!) && isAlive(pids.temporal!), 'both servers orphaned');

    const second = await startStack();
    assert.match(
      second.output(),
      new RegExp(`stopped the PostgreSQL an earlier run left running .*\\(pid ${pids.postgres}\\)`),
    );
    assert.match(
      second.output(),
      new RegExp(`stopped the Temporal dev server an earlier run left running \\(pid ${pids.temporal}\\)`),
    );
    assert.ok(!isAlive(pids.postgres!) && !isAlive(pids.temporal!), 'the orphans are gone');
    // The reader of its stdout goes away (`npm start | head -1`): writes fail with EPIPE from now on.
    second.child.stdout!.destroy();
    await new Promise((r) => setTimeout(r, 200));
    await stopAndCheck(second, 'SIGINT', false);
    assert.doesNotMatch(
      fs.readFileSync(path.join(dataDir, 'watchdog.log'), 'utf8').split('\n').slice(-3).join('\n'),
      /is gone/,
    );
  });

  it('never touches a process that is not its own, whatever its pid files say', async () => {
    // Pids reused by other processes: a postmaster.pid and a temporal.pid naming live processes
    // that are not this directory's servers.
    const decoy = (name: string) => {
      const child = spawn(process.execPath, [
        '-e',
        `process.title = ${JSON.stringify(name)}; setInterval(() => {}, 1000)`,
      ]);
      decoys.push(child);
      return child.pid!;
    };
    const fakePostgres = decoy('postgres');
    const fakeTemporal = decoy('temporal');
    const pgdata = path.join(dataDir, 'postgres');
    fs.writeFileSync(path.join(pgdata, 'postmaster.pid'), `${fakePostgres}\n${pgdata}\n0\n`);
    fs.writeFileSync(
      path.join(dataDir, 'temporal.pid'),
      JSON.stringify({ pid: fakeTemporal, dbFilename: path.join(dataDir, 'temporal.sqlite'), port: 1 }),
    );
    const stack = await startStack();
    assert.ok(isAlive(fakePostgres) && isAlive(fakeTemporal), 'the other processes are left alone');
    assert.match(stack.output(), /removed a stale .*postmaster\.pid/);
    await stopAndCheck(stack, 'SIGTERM');
    assert.ok(isAlive(fakePostgres) && isAlive(fakeTemporal), 'still');

    // A second start on a directory in use is refused, and the first one is left running.
    const first = await startStack();
    const refused = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'start'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(refused);
    let text = '';
    refused.stdout.on('data', (c: Buffer) => (text += c.toString()));
    refused.stderr.on('data', (c: Buffer) => (text += c.toString()));
    const code = await new Promise<number | null>((resolve) => refused.once('exit', resolve));
    assert.equal(code, 1, text);
    assert.match(text, /another BrainOps \(pid \d+\) is running with the data directory/);
    await stopAndCheck(first, 'SIGINT');
  });

  /** Runs the `brainops` CLI with the stack's environment; resolves with its stdout. */
  async function cli(...args: string[]): Promise<string> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let [out, err] = ['', ''];
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, `brainops ${args.join(' ')}: ${err}${out}`);
    return out;
  }

  /** The app's own connection: who it is, what it owns, and what a tenant sees through it. */
  async function appConnection(): Promise<Record<string, unknown>> {
    const db = new Client({ connectionString: databaseUrl(loadConfig(env)) });
    await db.connect();
    try {
      const role = await db.query(
        `select current_user as user, rolsuper, rolbypassrls,
           (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind = 'r' and c.relowner <> r.oid) as "tablesOwnedByOthers",
           (select count(*)::int from memory_entries where tenant_id is not null) as "operatorEntries"
         from pg_roles r where rolname = current_user`,
      );
      await db.query(`set role brainops_tenant; select set_config('brainops.tenant_id', 'globex', false)`);
      // Tenants' entries only: the hourly SystemMonitor may have written global health entries, which every tenant reads.
      const globex = await db.query<{ n: number }>(
        'select count(*)::int as n from memory_entries where tenant_id is not null',
      );
      return { ...role.rows[0], globexEntries: globex.rows[0]!.n };
    } finally {
      await db.end();
    }
  }

  it('connects as a role row-level security applies to, owner of the tables, also after the superuser owned them', async () => {
    const passwordFile = path.join(dataDir, 'postgres-password');
    let stack = await startStack();
    try {
      assert.equal(fs.statSync(passwordFile).mode & 0o777, 0o600, 'the generated password is private');
      await cli(
        'memory',
        'store',
        'fact/app-role',
        '"kept"',
        '--type',
        'knowledge',
        '--scope',
        'tenant',
        '--tenant',
        'acme',
      );
      assert.equal(
        JSON.parse(await cli('memory', 'retrieve', 'fact/app-role', '--scope', 'tenant', '--tenant', 'acme', '--json'))
          .value,
        'kept',
      );
      const expected = {
        user: 'brainops',
        rolsuper: false,
        rolbypassrls: false,
        tablesOwnedByOthers: 0,
        operatorEntries: 1,
        globexEntries: 0,
      };
      assert.deepEqual(await appConnection(), expected);

      // A data directory from before the role: everything the superuser's.
      const admin = new Client({
        connectionString: `postgres://postgres:postgres@127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}/brainops`,
      });
      await admin.connect();
      await admin.query('reassign owned by brainops to postgres').finally(() => admin.end());
      await stopAndCheck(stack, 'SIGTERM');

      stack = await startStack();
      assert.match(stack.output(), /the embedded PostgreSQL role brainops now owns \d+ objects: database brainops, /);
      assert.equal(
        JSON.parse(await cli('memory', 'retrieve', 'fact/app-role', '--scope', 'tenant', '--tenant', 'acme', '--json'))
          .value,
        'kept',
      );
      assert.deepEqual(await appConnection(), expected);
    } finally {
      await stopAndCheck(stack, 'SIGTERM');
    }
  });
});
