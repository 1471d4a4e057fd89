/**
 * What activity factories receive: injected by the worker, never taken from module globals. Each
 * factory takes these shared dependencies plus the slice of the configuration it needs.
 */
import type { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../temporal.config';
import type { Embedder } from '../contracts/embedding';
import type { MemoryStore } from '../memory';

export interface ActivityDeps {
  store: MemoryStore;
  logger: Logger;
  /** Client connection to the Temporal frontend (health checks, starting and resetting workflows). */
  temporal: Connection;
  /** Namespace and task queue of this worker: workflows the activities start run there too. */
  namespace: string;
  taskQueue: string;
  /** URL of the memory database: the default of `postgres` health checks and DatabaseGuardian's `memory`. */
  memoryDatabaseUrl: string;
  /** Configured secret values, redacted from what activities return (see `configuredSecrets`). */
  secrets?: readonly string[];
  /** The configured embedder (the same the memory store embeds queries with); none when off. */
  embedder?: Embedder;
}

/** The configuration slices the activities read. */
export type ActivityConfig = Pick<
  BrainOpsConfig,
  'healthTargets' | 'allowAdHocTargets' | 'errorLearning' | 'guardian' | 'deploy' | 'api'
>;
