/**
 * The web console's entry point for a server: {@link registerConsole} mounts it at `/console` on a
 * Fastify app with a data source over the process's memory store and Temporal client. A server
 * that has another implementation of {@link ConsoleDataSource} registers {@link consolePlugin}
 * with it instead.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../temporal.config';
import type { BrainOpsClient } from '../client/brainops-client';
import type { MemoryStore } from '../memory';
import { consolePlugin } from './plugin';
import { createStoreDataSource } from './source';
import { CONSOLE_PREFIX } from './views/layout';

export { consolePlugin, type ConsolePluginOptions } from './plugin';
export type { ConsoleDataSource, Viewer } from './model';
export { CONSOLE_PREFIX } from './views/layout';

/**
 * Mounts the console at `/console` when `config.console.enabled`, reading through the store and
 * the client; its tenant connections close with the app.
 */
export async function registerConsole(
  app: FastifyInstance,
  deps: { config: BrainOpsConfig; store: MemoryStore; client: BrainOpsClient; logger: Logger },
): Promise<void> {
  if (!deps.config.console.enabled) return;
  const source = createStoreDataSource(deps);
  app.addHook('onClose', () => source.close());
  await app.register(consolePlugin, {
    prefix: CONSOLE_PREFIX,
    source,
    links: { uiUrl: deps.config.console.temporalUiUrl, namespace: deps.config.temporal.namespace },
    sessionTtlMs: deps.config.console.sessionTtlMs,
  });
}
