/** What every CLI command gets: configuration, logger and a lazily connected client. */
import pino, { type Logger } from 'pino';
import { configuredSecrets, loadConfig, type BrainOpsConfig } from '../../temporal.config';
import { BrainOpsClient } from '../client/brainops-client';
import { createLogger } from '../stack/logger';

export interface CliContext {
  config: BrainOpsConfig;
  logger: Logger;
  client(): Promise<BrainOpsClient>;
  close(): Promise<void>;
}

/** `stderr`: logs go to stderr (`brainops mcp`, whose stdout carries the protocol). */
export function createCliContext(opts: { quiet: boolean; stderr?: boolean }): CliContext {
  const config = loadConfig();
  const logger = createLogger(opts.quiet ? 'warn' : config.logLevel, 'brainops', {
    secrets: configuredSecrets(config),
    destination: opts.stderr ? pino.destination(2) : undefined,
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
