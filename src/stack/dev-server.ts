/**
 * The local Temporal dev server, run through the SDK's managed ephemeral server: SQLite file
 * under the data directory (state survives restarts), Web UI on its port, BrainOps' search
 * attributes registered.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../shared/names';
import type { TemporalCliSource } from './temporal-cli';

export interface DevServerOptions {
  cli: TemporalCliSource;
  namespace: string;
  port: number;
  uiPort: number;
  /** SQLite file; omit for an in-memory server (tests). */
  dbFilename?: string;
  ui?: boolean;
}

/** Starts the dev server; `teardown()` on the result stops it. */
export async function startDevServer(options: DevServerOptions): Promise<TestWorkflowEnvironment> {
  if (options.dbFilename) fs.mkdirSync(path.dirname(options.dbFilename), { recursive: true });
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: options.cli.type === 'existing-path' ? { type: 'existing-path', path: options.cli.path } : { type: 'cached-download' },
      ip: '127.0.0.1',
      port: options.port,
      namespace: options.namespace,
      ui: options.ui ?? true,
      uiPort: options.uiPort,
      dbFilename: options.dbFilename,
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
      log: { format: 'json', level: 'warn' },
    },
  });
}
