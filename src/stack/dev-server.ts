/**
 * The local Temporal dev server (`temporal server start-dev`).
 *
 * `runDevServer` is the long-running one of `npm start`: SQLite file under the data directory (state
 * survives restarts), Web UI on its port, BrainOps' search attributes registered. A CLI binary found
 * on disk is spawned in a process group of its own so that Ctrl-C reaches only BrainOps, which
 * drains the worker before it stops the server; without one, the SDK's managed download is used.
 *
 * `startTestServer` is the SDK's test environment on the same binary, in memory, for tests and
 * benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../contracts/names';
import { removePidFile, writePidFile } from './ownership';
import type { TemporalCliSource } from './temporal-cli';

export interface DevServerOptions {
  cli: TemporalCliSource;
  namespace: string;
  port: number;
  uiPort: number;
  /** SQLite file; omit for an in-memory server. */
  dbFilename?: string;
  /** Where the server's own log goes (spawned binaries only). */
  logFile?: string;
  /**
   * Written with the server's pid, port and database file while it runs (spawned binaries only),
   * so that a later start can tell this server from any other (see `ownership.ts`).
   */
  pidFile?: string;
  ui?: boolean;
}

export interface DevServerHandle {
  address: string;
  stop(): Promise<void>;
}

function executable(cli: TemporalCliSource) {
  return cli.type === 'existing-path'
    ? ({ type: 'existing-path', path: cli.path } as const)
    : ({ type: 'cached-download' } as const);
}

/** The SDK's dev-server test environment (random port, in memory unless `dbFilename`). */
export async function startTestServer(
  options: Omit<DevServerOptions, 'port' | 'uiPort'> & { port?: number; uiPort?: number },
): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: executable(options.cli),
      ip: '127.0.0.1',
      port: options.port,
      namespace: options.namespace,
      ui: options.ui ?? false,
      uiPort: options.uiPort,
      dbFilename: options.dbFilename,
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
      log: { format: 'json', level: 'warn' },
    },
  });
}

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      try {
        const health = await connection.healthService.check({});
        if (health.status === 1) return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `the Temporal dev server did not become ready on ${address} within ${timeoutMs} ms: ${String(lastError)}`,
  );
}

/**
 * Runs the persistent local dev server until `stop()` (SIGTERM, then SIGKILL after 15 s).
 * @throws Error when it exits early or is not serving within 60 s (see its log file).
 */
export async function runDevServer(options: DevServerOptions): Promise<DevServerHandle> {
  const address = `127.0.0.1:${options.port}`;
  if (options.dbFilename) fs.mkdirSync(path.dirname(options.dbFilename), { recursive: true });
  if (options.cli.type !== 'existing-path') {
    const env = await startTestServer(options);
    return { address: env.address, stop: () => env.teardown() };
  }
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    options.namespace,
    '--log-format',
    'json',
    '--log-level',
    'warn',
    ...(options.ui === false ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
    ...Object.values(SEARCH_ATTRIBUTES).flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
  ];
  const log = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(options.cli.path, args, { detached: true, stdio: ['ignore', log, log] });
  if (typeof log === 'number') fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (options.pidFile && child.pid !== undefined)
    writePidFile(options.pidFile, {
      pid: child.pid,
      dbFilename: path.resolve(options.dbFilename ?? ''),
      port: options.port,
    });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    if (options.pidFile) removePidFile(options.pidFile, child.pid);
  };
  try {
    await waitUntilServing(address, child, 60_000);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}${options.logFile ? ` (log: ${options.logFile})` : ''}`);
  }
  return { address, stop };
}
