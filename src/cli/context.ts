/** What every CLI command gets: configuration, logger and a lazily connected client. */
import type { Logger } from 'pino';
import { configuredSecrets, loadConfig, type BrainOpsConfig } from '../../temporal.config';
import { BrainOpsClient } from '../client/brainops-client';
import { createLogger } from '../stack/logger';

export interface CliContext {
  config: BrainOpsConfig;
  logger: Logger;
  client(): Promise<BrainOpsClient>;
  close(): Promise<void>;
}

export function createCliContext(opts: { quiet: boolean }): CliContext {
  const config = loadConfig();
  const logger = createLogger(opts.quiet ? 'warn' : config.logLevel, 'brainops', {
    secrets: configuredSecrets(config),
  });
  let client: Promise<BrainOpsClient> | undefined;
  return {
    config,
    logger,
    client: () => (client ??= BrainOpsClient.connect(config, logger)),
    close: async () => {
      if (client) await (await client.catch(() => undefined))?.close();
    },
  };
}
