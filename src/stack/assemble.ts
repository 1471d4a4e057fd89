/**
 * The one stack assembler: given a migrated memory database and connections to Temporal, it
 * opens the memory store, the client, a worker and the API server, in that order, and closes them
 * in reverse. `npm start` (`start.ts`), `brainops serve`, the tests and the benchmarks assemble
 * their stacks here, so they run what production runs.
 */
import { Client, type Connection } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { databaseUrl, type BrainOpsConfig } from '../../temporal.config';
import { openMemoryStore } from '../api/open-store';
import { BrainOpsClient } from '../client/brainops-client';
import type { MemoryStore } from '../memory';
import { createWorker, type BrainOpsWorkerOptions } from '../worker';
import { serveApi, type ServedApi } from './api-server';

/** What to assemble. */
export interface AssembleOptions {
  /** The configuration; `database.url` names the (migrated) memory database. */
  config: BrainOpsConfig;
  logger: Logger;
  /** Client connection to Temporal (the client's, and the activities' health checks). */
  clientConnection: Connection;
  /** A worker on this connection (omit: no worker). */
  worker?: { connection: NativeConnection } & Partial<
    Pick<BrainOpsWorkerOptions, 'taskQueue' | 'workflowBundle' | 'activityInterceptors'>
  >;
  /** Serve the API on this port (0: any free port; omit: no server). */
  apiPort?: number;
  /** A store already open (the caller closes it); otherwise one is opened with these options. */
  store?: MemoryStore;
  storeOptions?: { poolSize?: number; cacheMaxEntries?: number };
}

/** An assembled stack; `close()` stops what it opened, in reverse order. */
export interface AssembledStack {
  store: MemoryStore;
  client: BrainOpsClient;
  worker?: Worker;
  server?: ServedApi;
  close(): Promise<void>;
}

/**
 * Opens the store (unless given), the client, the worker and the API server asked for. On a
 * failure, what was opened is closed again before the error is thrown.
 */
export async function assembleStack(opts: AssembleOptions): Promise<AssembledStack> {
  const { config, logger } = opts;
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const stop of closers.splice(0))
      await stop().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping'));
  };
  try {
    const store =
      opts.store ??
      (await openMemoryStore(
        { ...config, database: { ...config.database, url: databaseUrl(config) } },
        logger,
        opts.storeOptions,
      ));
    if (!opts.store) closers.unshift(() => store.close());
    const client = new BrainOpsClient(
      new Client({ connection: opts.clientConnection, namespace: config.temporal.namespace }),
      config,
      logger,
    );
    closers.unshift(() => client.close());
    const worker = opts.worker
      ? await createWorker({ config, store, logger, clientConnection: opts.clientConnection, ...opts.worker })
      : undefined;
    const server =
      opts.apiPort === undefined ? undefined : await serveApi({ config, logger, store, client }, opts.apiPort);
    if (server) closers.unshift(() => server.close());
    return { store, client, worker, server, close };
  } catch (error) {
    await close();
    throw error;
  }
}
