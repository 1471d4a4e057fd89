/**
 * The memory store as a configuration opens it: its database (`DATABASE_URL` or the embedded
 * server's), and the configured embedder for natural-language search, so every process that
 * searches embeds queries with the model the catch-up embeds texts with.
 */
import type { Logger } from 'pino';
import { configuredSecrets, databaseUrl, type BrainOpsConfig } from '../../temporal.config';
import { createEmbedder } from '../embeddings';
import { MemoryStore } from '../memory';

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
    embedder: createEmbedder(config.embeddings, config.cacheDir, (line) => logger.info(line)),
  });
}
