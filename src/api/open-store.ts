/**
 * The memory store as a configuration opens it — its database (`DATABASE_URL` or the embedded
 * server's), and the configured embedder for natural-language search, so every process that
 * searches embeds queries with the model the catch-up embeds texts with — and the API over it.
 */
import type { Logger } from 'pino';
import { configuredSecrets, databaseUrl, type BrainOpsConfig } from '../../temporal.config';
import { createEmbedder } from '../embeddings';
import type { BrainOpsClient } from '../client/brainops-client';
import { MemoryStore } from '../memory';
import { BrainOpsApi } from './index';

/**
 * Opens the memory store of `config`.
 * @throws Error when the database cannot be reached.
 */
export function openMemoryStore(
  config: BrainOpsConfig,
  logger: Logger,
  options: { poolSize?: number; cacheMaxEntries?: number } = {},
): Promise<MemoryStore> {
  return MemoryStore.connect({
    databaseUrl: databaseUrl(config),
    poolSize: options.poolSize ?? config.database.poolSize,
    cacheMaxEntries: options.cacheMaxEntries ?? config.cacheMaxEntries,
    logger,
    secrets: configuredSecrets(config),
    sessionMessages: {
      maxWaiting: config.sessionMessagesWaiting,
      maxWaitingPerSession: Math.max(1, Math.floor(config.sessionMessagesWaiting / 10)),
    },
    embedder: createEmbedder(config.embeddings, config.cacheDir, (line) => logger.info(line)),
  });
}

/** The API of a configuration, with what it opened on first use; `close()` closes that. */
export interface OpenedApi {
  api: BrainOpsApi;
  /** The Temporal client (connected on first use). */
  client(): Promise<BrainOpsClient>;
  close(): Promise<void>;
}

/**
 * `open`, called once and its promise shared, until it fails: a connection refused now (the
 * server restarting) is tried again by the next call instead of failing every call after it.
 */
export function openOnce<T>(open: () => Promise<T>): { get(): Promise<T>; opened(): Promise<T> | undefined } {
  let pending: Promise<T> | undefined;
  return {
    get: () =>
      (pending ??= open().catch((error: unknown) => {
        pending = undefined;
        throw error;
      })),
    opened: () => pending,
  };
}

/**
 * The API over `config`'s memory database and Temporal, each connected on first use (a command
 * that reads memory never waits for Temporal). For Node services beside the stack and the CLI.
 */
export function openApi(
  config: BrainOpsConfig,
  logger: Logger,
  storeOptions: { poolSize?: number; cacheMaxEntries?: number } = {},
): OpenedApi {
  // The Temporal SDK is loaded only by what talks to Temporal.
  const loadClient = () =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../client/brainops-client') as typeof import('../client/brainops-client');
  const client = openOnce<BrainOpsClient>(() => loadClient().BrainOpsClient.connect(config, logger));
  const store = openOnce(() => openMemoryStore(config, logger, storeOptions));
  return {
    api: new BrainOpsApi({ config, logger, store: store.get, client: client.get }),
    client: client.get,
    close: async () => {
      await (await client.opened()?.catch(() => undefined))?.close();
      await (await store.opened()?.catch(() => undefined))?.close();
    },
  };
}
