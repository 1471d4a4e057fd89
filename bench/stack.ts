/**
 * The stack a workflow benchmark runs on: a bench database (migrated), the memory store, a real
 * Temporal dev server, a worker and a client — opened in order, closed in reverse.
 */
import type { Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../temporal.config';
import { BrainOpsClient } from '../src/client/brainops-client';
import { MemoryStore, migrate } from '../src/memory';
import { startTestServer } from '../src/stack/dev-server';
import { installRuntime } from '../src/stack/runtime';
import { resolveTemporalCli } from '../src/stack/temporal-cli';
import { createWorker } from '../src/worker';
import { startBenchDatabase, type BenchDatabase } from './lib';

export interface BenchStack {
  db: BenchDatabase;
  store: MemoryStore;
  worker: Worker;
  client: BrainOpsClient;
  /** `config` with the bench database's URL. */
  config: BrainOpsConfig;
}

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
    const store = await MemoryStore.connect({
      databaseUrl: db.url,
      logger,
      poolSize: config.database.poolSize,
      cacheMaxEntries: opts.cacheMaxEntries,
    });
    closers.unshift(() => store.close());
    const cli = await resolveTemporalCli({ cliPath: config.temporal.cliPath, cacheDir: config.cacheDir, logger });
    const env = await startTestServer({ cli, namespace: 'default', port: opts.temporalPort, ui: false });
    closers.unshift(() => env.teardown());
    const worker = await createWorker({
      config,
      store,
      logger,
      connection: env.nativeConnection,
      clientConnection: env.connection,
      taskQueue: config.temporal.taskQueue,
    });
    const client = new BrainOpsClient(env.client, config, logger);
    closers.unshift(() => client.close());
    await work({ db, store, worker, client, config });
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}
