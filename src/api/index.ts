/**
 * The operations every client of BrainOps offers — memory, sessions and tasks, the brief, errors
 * and solutions, guidance and procedures, deployments, keys, the operator's actions, and capture
 * (OpenTelemetry intake, endpoint performance) — as
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
import { callerKey, type Caller } from './caller';
import { AuthFailureBudget, KeyRateLimit, type RateVerdict } from './limits';
import type { ConsoleSessions } from './console';

export type { Operation } from './operation';
export * from './caller';
export * from './errors';
export { KEY_CACHE_MS, bearerKey } from './auth';
export type * from './console/pages';
export type { KeyMetrics } from './access-log';
export type { AuthFailureBudget, RateVerdict } from './limits';
export type { OtlpEncoding, OtlpExportResult } from './capture';

/** What the API is built over; each opened on first use (or given ready). */
export interface ApiDeps {
  config: BrainOpsConfig;
  logger: Logger;
  store: () => Promise<MemoryStore>;
  client: () => Promise<BrainOpsClient>;
  /** Keep an access log and per-key metrics (servers do; the CLI does not). @defaultValue false */
  accessLog?: boolean;
}

/* eslint-disable @typescript-eslint/no-require-imports -- each area's module is loaded when first used, so a command that needs one area (the CLI's memory search) loads none of the others */
const areas = {
  memory: () => require('./memory') as typeof import('./memory'),
  sessions: () => require('./sessions') as typeof import('./sessions'),
  knowledge: () => require('./knowledge') as typeof import('./knowledge'),
  alerts: () => require('./alerts') as typeof import('./alerts'),
  operator: () => require('./operator') as typeof import('./operator'),
  procedures: () => require('./procedures') as typeof import('./procedures'),
  deployments: () => require('./deployments') as typeof import('./deployments'),
  keys: () => require('./keys') as typeof import('./keys'),
  erasure: () => require('./erasure') as typeof import('./erasure'),
  console: () => require('./console') as typeof import('./console'),
  capture: () => require('./capture') as typeof import('./capture'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The API: its operations by area, key verification, the access log, and readiness. */
export class BrainOpsApi {
  /** The access log of this process (servers only). */
  readonly accessLog: AccessLog | undefined;
  private verifier: Promise<KeyVerifier> | undefined;
  /** Unknown or malformed keys per client address (this process): the key header's and the console sign-in's. */
  readonly authFailures: AuthFailureBudget;
  private readonly rateLimit: KeyRateLimit;
  private readonly built = new Map<string, unknown>();

  constructor(private readonly deps: ApiDeps) {
    this.accessLog = deps.accessLog ? new AccessLog(() => deps.store().then((s) => s.apiKeys), deps.logger) : undefined;
    this.authFailures = new AuthFailureBudget(deps.config.api.authFailuresPerMinute);
    this.rateLimit = new KeyRateLimit(deps.store, deps.config.api.rateLimitPerMinute, deps.logger);
  }

  /** The log of the process the API serves in (for adapters' unexpected errors). */
  get logger(): Logger {
    return this.deps.logger;
  }

  /** An area's operations, built on first use. */
  private area<T>(name: string, build: () => T): T {
    if (!this.built.has(name)) this.built.set(name, build());
    return this.built.get(name) as T;
  }

  /** Memory entries: store, retrieve, search, list, delete, stats. */
  get memory() {
    return this.area('memory', () => areas.memory().memoryOperations(this.deps.store));
  }
  /** Sessions and tasks. */
  get sessions() {
    return this.area('sessions', () => areas.sessions().sessionOperations(this.deps.client, this.deps.store));
  }
  /** Error reports, the knowledge base of solutions. */
  get knowledge() {
    const { store, client, config } = this.deps;
    return this.area('knowledge', () => areas.knowledge().knowledgeOperations(store, client, config));
  }
  /** Alert intake (Prometheus Alertmanager's webhook). */
  get alerts() {
    const { store, client, config } = this.deps;
    return this.area('alerts', () => areas.alerts().alertOperations(store, client, config));
  }
  /** The brief, the monitor, metrics, insights, backups. */
  get operator() {
    const { store, client, config } = this.deps;
    return this.area('operator', () => areas.operator().operatorOperations(store, client, config, this.accessLog));
  }
  /** Guidance, agent selection, procedures. */
  get procedures() {
    const { store, client, config } = this.deps;
    return this.area('procedures', () => areas.procedures().procedureOperations(store, client, config));
  }
  /** Deployment history and rollback. */
  get deployments() {
    return this.area('deployments', () => areas.deployments().deploymentOperations(this.deps.store, this.deps.client));
  }
  /** Erasure of a data subject (a user, or a whole tenant) and its receipts. */
  get erasure() {
    const { store, client, config } = this.deps;
    return this.area('erasure', () => areas.erasure().erasureOperations(store, client, config));
  }
  /** Capture of what services emit: OpenTelemetry intake (traces, logs) and endpoint performance. */
  get capture() {
    const { store, client, config } = this.deps;
    return this.area('capture', () => areas.capture().captureOperations(store, client, config));
  }
  /** API keys. */
  get keys() {
    return this.area('keys', () => areas.keys().keyOperations(this.deps.store));
  }
  /** The web console's page reads and actions. */
  get console() {
    const { store, client, config, logger } = this.deps;
    return this.area('console', () =>
      areas.console().consoleOperations({
        store,
        client,
        config,
        logger,
        knowledge: this.knowledge,
        operator: this.operator,
      }),
    );
  }
  /** The web console's sign-in sessions. */
  get consoleSessions(): ConsoleSessions {
    const { store, config } = this.deps;
    return this.area(
      'consoleSessions',
      () => new (areas.console().ConsoleSessions)(store, config.console.sessionTtlMs),
    );
  }

  /**
   * The caller of an `Authorization` header (`Bearer <key>`) sent from `address` (the client's
   * IP address, which `config.api.authFailuresPerMinute` budgets; none: no budget).
   * @throws ApiError `unauthenticated` for a missing, malformed, unknown or revoked key;
   *   `rate_limited` for an address that sent too many of those.
   */
  async authenticate(header: string | undefined, address?: string) {
    this.verifier ??= this.deps.store().then((s) => new KeyVerifier(s.apiKeys, this.authFailures));
    return (await this.verifier).authenticate(header, address);
  }

  /**
   * Counts `cost` requests (≥ 1) against the rate limit of `caller`'s key, shared by every server
   * over the memory database. Undefined when there is no limit (turned off, or a caller without
   * a key, as the local operator).
   * @throws Error of the database when it cannot count.
   */
  async charge(caller: Caller, cost = 1): Promise<RateVerdict | undefined> {
    const keyId = callerKey(caller);
    return keyId === undefined ? undefined : this.rateLimit.take(keyId, cost);
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
