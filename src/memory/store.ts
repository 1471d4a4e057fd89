/**
 * The memory store: the one library that reads and writes BrainOps' PostgreSQL tables. It holds
 * what the repositories share — the pools and the one tenancy rule (`connections.ts`), the
 * read-through cache, redaction — and exposes one repository per aggregate. Activities use it; a
 * low-latency API can use it directly. Repository methods take input already parsed by the edge
 * that received it (HTTP, MCP, the CLI, a workflow's signal or update); inside, types.
 */
import type { Pool, PoolConfig } from 'pg';
import { openPool } from './pool';
import type { Logger } from 'pino';
import type { Embedder } from '../contracts/embedding';
import { ApiKeyStore } from './api-keys';
import { RateLimitStore } from './rate-limits';
import { MemoryCache } from './cache';
import { Connections } from './connections';
import { consoleRepository } from './console';
import { databaseGuardianRepository } from './database-guardian';
import { decisionRepository } from './decisions';
import { deploymentRepository } from './deployments';
import { embeddingRepository } from './embeddings';
import { EntryRepository } from './entry-repository';
import { erasureRepository } from './erasure';
import { errorEventRepository } from './error-events';
import { endpointPerformanceRepository } from './endpoint-performance';
import { guidanceRepository } from './guidance';
import { healthRepository } from './health';
import { insightRepository } from './insights';
import { knowledgeRepository } from './knowledge-base';
import { learningRepository } from './learning';
import { maintenanceRepository } from './maintenance';
import { metricsRepository } from './metric-reads';
import { procedureRepository } from './procedures';
import type { MessageWriterLimits } from './session-messages';
import { sessionRepository } from './sessions';
import { TenantScope } from './tenant-scope';
import { WorkHistoryRepository } from './work-history';

/** Options of {@link MemoryStore.connect}. */
export interface MemoryStoreOptions {
  /** postgres:// URL of the memory database. */
  databaseUrl: string;
  /** Pool size. @defaultValue 10 */
  poolSize?: number;
  /** Entries in the read-through cache; 0 disables it. @defaultValue 10000 */
  cacheMaxEntries?: number;
  logger: Logger;
  /**
   * Embeds search queries, for the semantic half of natural-language search; without it search
   * is lexical only. Must be the model the embedding catch-up uses.
   */
  embedder?: Embedder;
  /** Vectors the search cache of this process holds at most. @defaultValue 2,000,000 */
  maxCachedVectors?: number;
  /** Configured secret values (see `configuredSecrets`): removed from every text the store writes. */
  secrets?: readonly string[];
  /** Limits of the session messages' group commit (statement size, waiting messages before 429/503). */
  sessionMessages?: MessageWriterLimits;
}

export class MemoryStore {
  /** Memory entries: store, retrieve, search, list, archive, stats. */
  readonly entries: EntryRepository;
  /** Sessions and their messages, tasks, handoffs and snapshots (ContextKeeper). */
  readonly sessions: ReturnType<typeof sessionRepository>;
  /** Every action an agent took, and what could not be stored where it belongs. */
  readonly workHistory: WorkHistoryRepository;
  /** Error events: record, list, resolve, summarise. */
  readonly errorEvents: ReturnType<typeof errorEventRepository>;
  /** The knowledge base of solutions (error-learning). */
  readonly knowledge: ReturnType<typeof knowledgeRepository>;
  /** The decision log. */
  readonly decisions: ReturnType<typeof decisionRepository>;
  /** Contextual guidance's reads. */
  readonly guidance: ReturnType<typeof guidanceRepository>;
  /** Operational procedures, their runs, and orchestrated tasks (WorkflowOrchestrator). */
  readonly procedures: ReturnType<typeof procedureRepository>;
  /** Deployment records (DeploymentManager). */
  readonly deployments: ReturnType<typeof deploymentRepository>;
  /** Backups and migration runs (DatabaseGuardian). */
  readonly databaseGuardian: ReturnType<typeof databaseGuardianRepository>;
  /** Insights: findings and learning-cycle results. */
  readonly insights: ReturnType<typeof insightRepository>;
  /** The learning cycles' analyses and results. */
  readonly learning: ReturnType<typeof learningRepository>;
  /** The daily memory optimisation. */
  readonly maintenance: ReturnType<typeof maintenanceRepository>;
  /** Embeddings and the catch-up's cursors. */
  readonly embeddings: ReturnType<typeof embeddingRepository>;
  /** SystemMonitor's health records. */
  readonly health: ReturnType<typeof healthRepository>;
  /** API keys and the access log. */
  readonly apiKeys: ApiKeyStore;
  /** Rate-limit counters shared by the API servers (operator-owned, no tenant rows). */
  readonly rateLimits: RateLimitStore;
  /** The web console's reads, sign-in sessions and record of actions. */
  readonly console: ReturnType<typeof consoleRepository>;
  /** The database-backed series of `/metrics`. */
  readonly metrics: ReturnType<typeof metricsRepository>;
  /** Erasure of a data subject: batches and receipts. */
  readonly erasure: ReturnType<typeof erasureRepository>;
  /** Endpoint performance from OpenTelemetry server spans: per service, route, method and minute. */
  readonly endpointPerformance: ReturnType<typeof endpointPerformanceRepository>;

  private constructor(
    private readonly db: Connections,
    private readonly cache: MemoryCache | undefined,
    logger: Logger,
    /** The embedder search queries are embedded with (the catch-up's model), if configured. */
    readonly embedder: Embedder | undefined,
    maxCachedVectors: number | undefined,
    messageLimits: MessageWriterLimits | undefined,
  ) {
    this.entries = new EntryRepository(db, cache, logger, { embedder, maxCachedVectors });
    this.errorEvents = errorEventRepository(db);
    this.sessions = sessionRepository(db, this.errorEvents, messageLimits);
    this.workHistory = new WorkHistoryRepository(db, logger);
    this.knowledge = knowledgeRepository(db);
    this.decisions = decisionRepository(db);
    this.guidance = guidanceRepository(db);
    this.procedures = procedureRepository(db);
    this.deployments = deploymentRepository(db);
    this.databaseGuardian = databaseGuardianRepository(db);
    this.insights = insightRepository(db);
    this.learning = learningRepository(db);
    this.maintenance = maintenanceRepository(db);
    this.embeddings = embeddingRepository(db);
    this.health = healthRepository(db);
    this.apiKeys = new ApiKeyStore(db.operator);
    this.rateLimits = new RateLimitStore(db.operator);
    this.console = consoleRepository(db);
    this.metrics = metricsRepository(db);
    this.erasure = erasureRepository(db);
    this.endpointPerformance = endpointPerformanceRepository(db);
  }

  /**
   * Opens the pools (and the cache's listening connection) of a migrated memory database.
   * @throws Error when the database cannot be reached.
   */
  static async connect(options: MemoryStoreOptions): Promise<MemoryStore> {
    const config: PoolConfig = { connectionString: options.databaseUrl, max: options.poolSize ?? 10 };
    const pool = openPool(config, options.logger, 'memory database');
    const db = new Connections(pool, new TenantScope(config, options.logger));
    const cacheSize = options.cacheMaxEntries ?? 10_000;
    const cache = cacheSize > 0 ? new MemoryCache(cacheSize, config, options.logger) : undefined;
    try {
      await pool.query('select 1');
      await cache?.start();
    } catch (error) {
      await db.end().catch(() => undefined);
      throw error;
    }
    db.addSecrets(options.secrets ?? []);
    return new MemoryStore(
      db,
      cache,
      options.logger,
      options.embedder,
      options.maxCachedVectors,
      options.sessionMessages,
    );
  }

  /** The connecting role's pool: operator and maintenance work (migrations, health checks). */
  get pool(): Pool {
    return this.db.operator;
  }

  /** Adds configured secret values to redact from every write (a worker adds its configuration's). */
  addSecrets(values: readonly string[]): void {
    this.db.addSecrets(values);
  }

  /** `value` with credentials and configured secrets redacted (the one rule, `src/domain/redact.ts`). */
  redact<T>(value: T): T {
    return this.db.redact(value);
  }

  /** Writes pending batches, then closes the cache listener and the pools. */
  async close(): Promise<void> {
    await this.workHistory.drain();
    await this.entries.close();
    await this.cache?.close();
    await this.db.end();
  }
}
