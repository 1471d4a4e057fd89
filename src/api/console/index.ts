/**
 * The web console's operations (`api.console`): a read for each page and the actions a person may
 * take, each an {@link Operation} like every other of the API — its input checked once, the
 * caller's role or operator status checked, then run — and its sign-in sessions
 * (`api.consoleSessions`). The console (`src/console`) is an adapter over these, as HTTP and MCP
 * are over theirs; searching memory is `api.memory.search`, resolving an escalation
 * `api.knowledge.resolve`, insights and backups `api.operator.insights` and `.backups`.
 */
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../../temporal.config';
import type { BrainOpsClient } from '../../client/brainops-client';
import type { MemoryStore } from '../../memory';
import type { knowledgeOperations } from '../knowledge';
import type { operatorOperations } from '../operator';
import { consoleActions } from './actions';
import { consoleOperatorReads } from './operator-reads';
import { consoleReads } from './reads';

export * from './pages';
export { ConsoleSessions, SESSION_CACHE_MS, viewerOf } from './sessions';
export { EXACT_COUNT_LIMIT } from './reads';

/** What the console operations are built over. */
export interface ConsoleDeps {
  store: () => Promise<MemoryStore>;
  client: () => Promise<BrainOpsClient>;
  config: BrainOpsConfig;
  logger: Logger;
  knowledge: ReturnType<typeof knowledgeOperations>;
  operator: ReturnType<typeof operatorOperations>;
}

/** The console's operations: page reads and actions. */
export function consoleOperations(deps: ConsoleDeps) {
  return {
    ...consoleReads(deps.store, deps.config),
    ...consoleOperatorReads(deps),
    ...consoleActions(deps.store, deps.client, deps.knowledge),
  };
}
