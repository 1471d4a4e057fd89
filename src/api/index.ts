/**
 * The operations every client of BrainOps offers — memory, sessions and tasks, the brief, errors
 * and solutions, guidance and procedures, deployments, keys and the operator's actions — as
 * transport-free {@link Operation}s over the memory store and the Temporal client, and the web
 * console's page reads, actions and sign-in sessions. HTTP, MCP, the CLI and the console are
 * adapters over this object: each calls `operation.call(caller, input)`
 * and maps an `ApiError`'s kind to its protocol. The store and the client are opened on first
 * use, so a command that needs only one of them never waits for the other.
 */
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../temporal.config';
import type { BrainOpsClient } from '../client/brainops-client';
import type { MemoryStore } from '../memory';
import { AccessLog } from './access-log';
import { KeyVerifier } from './auth';
import { consoleOperations, ConsoleSessions } from './console';
import { deploymentOperations } from './deployments';
import { keyOperations } from './keys';
import { knowledgeOperations } from './knowledge';
import { memoryOperations } from './memory';
import { operatorOperations } from './operator';
import { procedureOperations } from './procedures';
import { sessionOperations } from './sessions';

export type { Operation } from './operation';
export * from './caller';
export * from './errors';
export { KEY_CACHE_MS, bearerKey } from './auth';
export type * from './console/pages';
export type { KeyMetrics } from './access-log';

/** What the API is built over; each opened on first use (or given ready). */
export interface ApiDeps {
  config: BrainOpsConfig;
  logger: Logger;
  store: () => Promise<MemoryStore>;
  client: () => Promise<BrainOpsClient>;
  /** Keep an access log and per-key metrics (servers do; the CLI does not). @defaultValue false */
  accessLog?: boolean;
}

/** The API: its operations by area, key verification, the access log, and readiness. */
export class BrainOpsApi {
  readonly memory;
  readonly sessions;
  readonly knowledge;
  readonly operator;
  readonly procedures;
  readonly deployments;
  readonly keys;
  /** The web console's page reads and actions. */
  readonly console;
  /** The web console's sign-in sessions. */
  readonly consoleSessions: ConsoleSessions;
  /** The access log of this process (servers only). */
  readonly accessLog: AccessLog | undefined;
  private verifier: Promise<KeyVerifier> | undefined;

  constructor(private readonly deps: ApiDeps) {
    const { store, client, config } = deps;
    this.accessLog = deps.accessLog ? new AccessLog(() => store().then((s) => s.apiKeys), deps.logger) : undefined;
    this.memory = memoryOperations(store);
    this.sessions = sessionOperations(client, store);
    this.knowledge = knowledgeOperations(store, client, config);
    this.operator = operatorOperations(store, client, config, this.accessLog);
    this.procedures = procedureOperations(store, client, config);
    this.deployments = deploymentOperations(store, client);
    this.keys = keyOperations(store);
    this.console = consoleOperations({
      store,
      client,
      config,
      logger: deps.logger,
      knowledge: this.knowledge,
      operator: this.operator,
    });
    this.consoleSessions = new ConsoleSessions(store, config.console.sessionTtlMs);
  }

  /**
   * The caller of an `Authorization` header (`Bearer <key>`).
   * @throws ApiError `unauthenticated` for a missing, unknown or revoked key.
   */
  async authenticate(header: string | undefined) {
    this.verifier ??= this.deps.store().then((s) => new KeyVerifier(s.apiKeys));
    return (await this.verifier).authenticate(header);
  }

  /**
   * Whether the memory database and Temporal answer now.
   * @throws Error of whichever does not.
   */
  async ready(): Promise<void> {
    const [store, client] = await Promise.all([this.deps.store(), this.deps.client()]);
    await Promise.all([store.pool.query('select 1'), client.temporal.workflowService.getSystemInfo({})]);
  }

  /** Writes the access log's buffered rows. */
  async drain(): Promise<void> {
    await this.accessLog?.drain();
  }
}
