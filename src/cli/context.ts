/**
 * What every CLI command gets: configuration, logger, the Temporal client and the API acting as
 * the local operator (the CLI holds the database's credentials). Everything heavy — the Temporal
 * SDK, `pg`, the API — is loaded and connected on first use, so `brainops --help` loads none of
 * it and a command connects only to what it needs.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { BrainOpsConfig } from '../../temporal.config';
import type { BrainOpsApi, Operation } from '../api';
import type { OpenedApi } from '../api/open-store';
import type { BrainOpsClient } from '../client/brainops-client';

export interface CliContext {
  config: BrainOpsConfig;
  logger: Logger;
  /** The Temporal client (workflows: start, signal, update, query). */
  client(): Promise<BrainOpsClient>;
  /** The API's operations, opening the memory store and the client as they are needed. */
  api(): Promise<BrainOpsApi>;
  /** Calls the operation `pick` names as the local operator: the input is validated by the operation. */
  call<R>(pick: (api: BrainOpsApi) => Operation<z.ZodType, R>, input: unknown): Promise<R>;
  close(): Promise<void>;
}

/** `stderr`: logs go to stderr (`brainops mcp`, whose stdout carries the protocol). */
export function createCliContext(opts: { quiet: boolean; stderr?: boolean }): CliContext {
  // Loaded here, not at the top: `--help` and bad arguments need neither.
  /* eslint-disable @typescript-eslint/no-require-imports -- lazy loading keeps the CLI's start fast */
  const { configuredSecrets, loadConfig } = require('../../temporal.config') as typeof import('../../temporal.config');
  const { createLogger } = require('../stack/logger') as typeof import('../stack/logger');
  const pino = require('pino') as typeof import('pino');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const config = loadConfig();
  const logger = createLogger(opts.quiet ? 'warn' : config.logLevel, 'brainops', {
    secrets: configuredSecrets(config),
    destination: opts.stderr ? pino.destination(2) : undefined,
  });
  let opened: Promise<OpenedApi> | undefined;
  const open = () =>
    (opened ??= Promise.resolve().then(() =>
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('../api/open-store') as typeof import('../api/open-store')).openApi(config, logger, {
        poolSize: 4,
        cacheMaxEntries: 0,
      }),
    ));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const operator = () => (require('../api/caller') as typeof import('../api/caller')).LOCAL_OPERATOR;
  return {
    config,
    logger,
    client: async () => (await open()).client(),
    api: async () => (await open()).api,
    call: async (pick, input) => pick((await open()).api).call(operator(), input),
    close: async () => {
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}
