/** Shared by the test files: a fresh database per file, the dev server, a worker per test. */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { Client } from 'pg';
import pino from 'pino';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, type BrainOpsConfig } from '../temporal.config';
import { BrainOpsClient } from '../src/client/brainops-client';
import type { Embedder } from '../src/contracts/embedding';
import { MemoryStore } from '../src/memory';
import { quoteIdent } from '../src/domain/sql-identifier';
import { startTestServer } from '../src/stack/dev-server';
import { createWorker, WORKFLOW_INTERCEPTOR_MODULES } from '../src/worker';
import { withDatabase } from '../src/domain/database-url';

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

/** A BrainOps worker on the test server and task queue of `config`. */
export async function testWorker(
  env: TestWorkflowEnvironment,
  config: BrainOpsConfig,
  store: MemoryStore,
  extra: Partial<Parameters<typeof createWorker>[0]> = {},
) {
  return createWorker({
    config,
    store,
    logger,
    connection: env.nativeConnection,
    clientConnection: env.connection,
    workflowBundle: await workflowBundle(),
    ...extra,
  });
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
    /** A client API on the test server; its memory store is closed before the database is dropped. */
    client(config: BrainOpsConfig): BrainOpsClient {
      const client = new BrainOpsClient(stack.env.client, config, logger);
      clients.push(client);
      return client;
    },
  } as {
    env: TestWorkflowEnvironment;
    db: Awaited<ReturnType<typeof createTestDatabase>>;
    store: MemoryStore;
    client(config: BrainOpsConfig): BrainOpsClient;
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
