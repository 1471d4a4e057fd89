/**
 * The stack a workflow benchmark runs on: a bench database (migrated), a real Temporal dev
 * server, and the memory store, client, worker and API assembled as `npm start` assembles them
 * (`src/stack/assemble.ts`) — opened in order, closed in reverse.
 */
import type { Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../temporal.config';
import { BrainOpsApi, LOCAL_OPERATOR } from '../src/api';
import type { BrainOpsClient } from '../src/client/brainops-client';
import { migrate, type MemoryStore } from '../src/memory';
import { assembleStack } from '../src/stack/assemble';
import { startTestServer } from '../src/stack/dev-server';
import { installRuntime } from '../src/stack/runtime';
import { resolveTemporalCli } from '../src/stack/temporal-cli';
import { startBenchDatabase, type BenchDatabase } from './lib';

export interface BenchStack {
  db: BenchDatabase;
  store: MemoryStore;
  worker: Worker;
  client: BrainOpsClient;
  /** The API's operations (called as the local operator, e.g. `operator(api.knowledge.report, …)`). */
  api: BrainOpsApi;
  /** `config` with the bench database's URL. */
  config: BrainOpsConfig;
}

/** Calls an operation as the local operator, as the CLI does. */
export const asOperator = <R>(
  operation: { call(caller: typeof LOCAL_OPERATOR, input: unknown): Promise<R> },
  input: unknown,
) => operation.call(LOCAL_OPERATOR, input);

/**
 * Runs `work` on a fresh stack: PostgreSQL on `dbPort`, the dev server on `temporalPort`, a
 * worker on `config.temporal.taskQueue`. Everything is closed afterwards, even on failure.
 */
export async function withBenchStack(
  opts: { config: BrainOpsConfig; dbPort: number; temporalPort: number; cacheMaxEntries?: number; logger: Logger },
  work: (stack: BenchStack) => Promise<void>,
): Promise<void> {
  const { logger } = opts;
  const closers: (() => Promise<unknown>)[] = [];
  try {
    installRuntime(logger);
    const db = await startBenchDatabase({ port: opts.dbPort, database: 'bench', logger });
    closers.unshift(() => db.stop());
    const config: BrainOpsConfig = { ...opts.config, database: { ...opts.config.database, url: db.url } };
    await migrate({ databaseUrl: db.url, logger });
    const cli = await resolveTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, logger });
    const env = await startTestServer({ cli, namespace: 'default', port: opts.temporalPort, ui: false });
    closers.unshift(() => env.teardown());
    const stack = await assembleStack({
      config,
      logger,
      clientConnection: env.connection,
      worker: { connection: env.nativeConnection, taskQueue: config.temporal.taskQueue },
      storeOptions: { poolSize: config.database.poolSize, cacheMaxEntries: opts.cacheMaxEntries },
    });
    closers.unshift(() => stack.close());
    const api = new BrainOpsApi({
      config,
      logger,
      store: async () => stack.store,
      client: async () => stack.client,
    });
    await work({ db, store: stack.store, worker: stack.worker!, client: stack.client, api, config });
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}
