/**
 * Shared by the test files: a fresh database per file, the dev server, a worker per test, and the
 * stack assembled as `npm start` assembles it (`src/stack/assemble.ts`).
 */
import { randomUUID } from 'node:crypto';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import type http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before } from 'node:test';
import { Client } from 'pg';
import pino from 'pino';
import { bundleWorkflowCode, DefaultLogger, Runtime, type Worker, type WorkflowBundle } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, type BrainOpsConfig } from '../temporal.config';
import type { z } from 'zod';
import { BrainOpsApi, LOCAL_OPERATOR, type Operation } from '../src/api';
import { BrainOpsClient } from '../src/client/brainops-client';
import type { Embedder } from '../src/contracts/embedding';
import { MemoryStore } from '../src/memory';
import { assembleStack } from '../src/stack/assemble';
import { quoteIdent } from '../src/domain/sql-identifier';
import { startTestServer } from '../src/stack/dev-server';
import { createWorker, WORKFLOW_INTERCEPTOR_MODULES } from '../src/worker';
import { serveApi, type ServedApi } from '../src/stack/api-server';
import { withDatabase } from '../src/domain/database-url';

const execFileAsync = promisify(execFile);

export const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

// Worker state changes are noise in test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\``);
  return value;
}

/** A database cloned from the migrated template; `drop()` removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = requireEnv('BRAINOPS_TEST_ADMIN_URL');
  const name = `brainops_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${quoteIdent(name)} template ${quoteIdent(requireEnv('BRAINOPS_TEST_TEMPLATE'))}`);
  await admin.end();
  return {
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${quoteIdent(name)} with (force)`);
      await c.end();
    },
  };
}

/** A real Temporal dev server (in memory) on the resolved CLI binary. */
export function createTestEnv(): Promise<TestWorkflowEnvironment> {
  const path = process.env.TEMPORAL_CLI_PATH;
  return startTestServer({
    cli: path
      ? { type: 'existing-path', path, origin: 'TEMPORAL_CLI_PATH' }
      : { type: 'cached-download', origin: 'sdk download' },
    namespace: 'default',
  });
}

let bundle: Promise<WorkflowBundle> | undefined;
/** The workflow bundle, built once per test file. */
export function workflowBundle(workflowsPath = require.resolve('../src/workflows')): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never,
  });
  return bundle;
}

/** Configuration for a test: defaults, the test database and a fresh task queue. */
export function testConfig(databaseUrl: string, overrides: Partial<BrainOpsConfig> = {}): BrainOpsConfig {
  const base = loadConfig({});
  return {
    ...base,
    database: { ...base.database, url: databaseUrl, poolSize: 4 },
    temporal: { ...base.temporal, taskQueue: `test-${randomUUID()}` },
    ...overrides,
  };
}

export async function openStore(
  databaseUrl: string,
  cacheMaxEntries = 1000,
  embedder?: Embedder,
): Promise<MemoryStore> {
  return MemoryStore.connect({ databaseUrl, logger, poolSize: 4, cacheMaxEntries, embedder });
}

/** A BrainOps worker on the test server and task queue of `config`, assembled as `npm start` assembles it. */
export async function testWorker(
  env: TestWorkflowEnvironment,
  config: BrainOpsConfig,
  store: MemoryStore,
  extra: Partial<
    Pick<Parameters<typeof createWorker>[0], 'activityInterceptors' | 'taskQueue' | 'logger' | 'clientConnection'>
  > = {},
) {
  const { logger: workerLogger = logger, clientConnection = env.connection, ...worker } = extra;
  const stack = await assembleStack({
    config,
    logger: workerLogger,
    store,
    clientConnection,
    worker: { connection: env.nativeConnection, workflowBundle: await workflowBundle(), ...worker },
  });
  return stack.worker!;
}

/**
 * The Temporal client with the operator's calls of the API beside it (what `brainops` does as
 * the local operator): error reports, the knowledge base, guidance, agent selection, procedure
 * definitions and runs, deployment history and rollback, the brief.
 */
export class OperatorClient extends BrainOpsClient {
  readonly api: BrainOpsApi;

  constructor(temporal: BrainOpsClient['temporal'], config: BrainOpsConfig, store: MemoryStore) {
    super(temporal, config, logger);
    this.api = new BrainOpsApi({ config, logger, store: async () => store, client: async () => this });
  }

  /** Calls an operation as the local operator. */
  call<R>(operation: Operation<z.ZodType, R>, input: unknown): Promise<R> {
    return operation.call(LOCAL_OPERATOR, input);
  }

  async reportError(input: Record<string, unknown>) {
    const { success: _ok, ...receipt } = await this.call(this.api.knowledge.report, input);
    return receipt;
  }
  async addSolution(input: Record<string, unknown>) {
    return (await this.call(this.api.knowledge.addSolution, input)).solution;
  }
  resolveError(input: Record<string, unknown>) {
    return this.call(this.api.knowledge.resolve, input);
  }
  guidance(input: Record<string, unknown>) {
    return this.call(this.api.procedures.guidance, { requestedBy: 'client', ...input });
  }
  recordGuidanceOutcome(input: Record<string, unknown>) {
    return this.call(this.api.procedures.guidanceOutcome, input);
  }
  selectAgent(input: Record<string, unknown>) {
    return this.call(this.api.procedures.selectAgent, input);
  }
  defineProcedure(input: unknown) {
    return this.call(this.api.procedures.define, input);
  }
  showProcedure(input: { name: string; version?: number }) {
    return this.call(this.api.procedures.show, input);
  }
  runProcedure(input: Record<string, unknown>) {
    return this.call(this.api.procedures.run, input);
  }
  deploymentHistory(input: { target: string; limit?: number }) {
    return this.call(this.api.deployments.history, input);
  }
  rollback(input: { target: string; startedBy?: string }) {
    return this.call(this.api.deployments.rollback, input);
  }
  async brief(tenantId: string) {
    return (await this.call(this.api.operator.brief, { tenantId })).brief;
  }
}

/** Polls `check` every 100 ms until it returns a value that is not undefined, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Registers before/after hooks giving a test file a dev server, a fresh database and a memory
 * store; read them from the returned object inside tests.
 */
export function useTestStack(opts: { database?: boolean; embedder?: Embedder } = {}) {
  const clients: BrainOpsClient[] = [];
  const stack = {
    /** The client on the test server, with the operator's calls of the API over this file's store. */
    client(config: BrainOpsConfig): OperatorClient {
      const client = new OperatorClient(stack.env.client, config, stack.store);
      clients.push(client);
      return client;
    },
  } as {
    env: TestWorkflowEnvironment;
    db: Awaited<ReturnType<typeof createTestDatabase>>;
    store: MemoryStore;
    client(config: BrainOpsConfig): OperatorClient;
  };
  before(async () => {
    [stack.env, stack.db] = await Promise.all([
      createTestEnv(),
      opts.database === false ? (undefined as never) : createTestDatabase(),
    ]);
    if (stack.db) stack.store = await openStore(stack.db.url, 1000, opts.embedder);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stack.store?.close();
    await stack.env?.teardown();
    await stack.db?.drop();
  });
  return stack;
}

/**
 * A test file's stack (as {@link useTestStack}) with a worker and the HTTP API server running on
 * it for the whole file, on a free loopback port. `configOf` gives the configuration (default
 * {@link testConfig}); the server and worker stop before the stack's servers they use.
 */
export function useTestApiServer(configOf?: (stack: TestStack) => BrainOpsConfig) {
  const running: { worker?: Worker; run?: Promise<void>; server?: ServedApi; config?: BrainOpsConfig } = {};
  // Registered before the stack's own: node:test runs `after` hooks in the order they were added.
  after(async () => {
    await running.server?.close();
    running.worker?.shutdown();
    await running.run;
  });
  const stack = useTestStack();
  before(async () => {
    const config = configOf?.(stack) ?? testConfig(stack.db.url);
    running.config = config;
    running.worker = await testWorker(stack.env, config, stack.store);
    running.run = running.worker.run();
    running.server = await serveApi(
      {
        config: { ...config, api: { ...config.api, host: '127.0.0.1' } },
        client: stack.client(config),
        store: stack.store,
        logger,
      },
      0,
    );
  });
  return {
    stack,
    /** The running API server (inside tests and later hooks). */
    get server(): ServedApi {
      return running.server!;
    },
    /** The configuration the worker and server run with. */
    get config(): BrainOpsConfig {
      return running.config!;
    },
  };
}
type TestStack = ReturnType<typeof useTestStack>;

/**
 * A redis-server of the test file's own on loopback (`basePort` + a share of the pid, its files
 * in a directory of its own), stopped and its directory removed after the file: `start` is the command that
 * starts it (argv, no shell), which the self-healing tests configure as the remediation itself.
 */
export function useTestRedis(basePort: number) {
  const port = basePort + (process.pid % 50);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brainops-redis-'));
  const start = [
    'redis-server',
    ...['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'yes'],
    // Snapshots, if any, go to its own directory (an empty `--save ''` is not a valid argv word).
    ...['--appendonly', 'no', '--dir', dir],
  ];
  const cli = (...args: string[]) => execFileAsync('redis-cli', ['-p', String(port), ...args]);
  const redis = {
    port,
    start,
    /** Starts it with {@link start}. */
    run: () => execFileAsync(start[0]!, start.slice(1)),
    stop: () => cli('shutdown', 'nosave').catch(() => undefined),
    /** `PONG`, or `no answer`. */
    ping: () =>
      cli('ping').then(
        ({ stdout }) => stdout.trim(),
        () => 'no answer',
      ),
  };
  after(async () => {
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return redis;
}

/**
 * Waits (at most `seconds`) until the current minute has `seconds` left, so the requests a test
 * makes right after fall in one fixed rate-limit window (the API counts per minute of the clock).
 */
export async function awayFromMinuteEdge(seconds = 8): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < seconds * 1000) await new Promise((r) => setTimeout(r, left + 50));
}

/** Starts `server` on a free loopback port; `close()` drops open connections and stops it. */
export async function listenLoopback(server: http.Server): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * A worker in a process of its own (`test/fixtures/worker-process.ts`) on `config`'s task queue,
 * for tests that kill a worker mid-work: it prints `ready` once it polls. `env` adds to the
 * environment (remediations, deploy targets). `exited` settles when the process ends.
 */
export function spawnWorkerProcess(
  stack: { env: TestWorkflowEnvironment; db: { url: string } },
  config: BrainOpsConfig,
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; exited: Promise<unknown> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'worker-process.ts')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      DATABASE_URL: stack.db.url,
      BRAINOPS_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { child, exited: new Promise((r) => child.once('exit', r)) };
}

/** A loopback port that was free a moment ago: nothing listens on it. */
export async function closedLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The error `call` rejects with. @throws AssertionError when it succeeds. */
export async function rejectionOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection; the call succeeded');
}
