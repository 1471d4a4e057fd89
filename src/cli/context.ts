/**
 * What every CLI command gets: configuration, logger, a lazily connected Temporal client, and the
 * API acting as the local operator (the CLI holds the database's credentials). Each is opened on
 * first use, so a command connects only to what it needs.
 */
import pino, { type Logger } from 'pino';
import type { z } from 'zod';
import { configuredSecrets, loadConfig, type BrainOpsConfig } from '../../temporal.config';
import { LOCAL_OPERATOR, type BrainOpsApi, type Operation } from '../api';
import { openApi } from '../api/open-store';
import type { BrainOpsClient } from '../client/brainops-client';
import { createLogger } from '../stack/logger';

export interface CliContext {
  config: BrainOpsConfig;
  logger: Logger;
  /** The Temporal client (workflows: start, signal, update, query). */
  client(): Promise<BrainOpsClient>;
  /** The API's operations, opening the memory store and the client as they are needed. */
  api: BrainOpsApi;
  /** Calls an operation as the local operator: the input is validated by the operation. */
  call<R>(operation: Operation<z.ZodType, R>, input: unknown): Promise<R>;
  close(): Promise<void>;
}

/** `stderr`: logs go to stderr (`brainops mcp`, whose stdout carries the protocol). */
export function createCliContext(opts: { quiet: boolean; stderr?: boolean }): CliContext {
  const config = loadConfig();
  const logger = createLogger(opts.quiet ? 'warn' : config.logLevel, 'brainops', {
    secrets: configuredSecrets(config),
    destination: opts.stderr ? pino.destination(2) : undefined,
  });
  const opened = openApi(config, logger, { poolSize: 4, cacheMaxEntries: 0 });
  return {
    config,
    logger,
    client: opened.client,
    api: opened.api,
    call: (operation, input) => operation.call(LOCAL_OPERATOR, input),
    close: opened.close,
  };
}
