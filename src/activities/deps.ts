import type { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../temporal.config';
import type { MemoryStore } from '../memory';

/** What activity factories receive: injected, never taken from module globals. */
export interface ActivityDeps {
  store: MemoryStore;
  logger: Logger;
  config: BrainOpsConfig;
  /** Client connection to the Temporal frontend (health checks, starting workflows). */
  temporal: Connection;
}
