/**
 * The memory store: the one library that reads and writes BrainOps' PostgreSQL tables. Activities
 * use it; a low-latency API can use it directly. Every method takes one object argument, parses it
 * with zod (throwing `ValidationError` naming the field) and owns its SQL.
 */
import { Pool, type PoolConfig } from 'pg';
import type { z } from 'zod';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { parseInput } from '../contracts/validate';
import { redactValue } from '../domain/redact';
import { MemoryCache } from './cache';
import { Batcher } from './batcher';
import { EntryWriteQueue } from './entry-writes';
import * as entries from './entries';
import * as sessions from './sessions';
import * as history from './work-history';
import { recordHealthChecks, type RecordedHealth } from './health';
import { inTransaction, withTransaction } from './transaction';
import { TenantScope } from './tenant-scope';
import * as kb from './knowledge-base';
import * as guardian from './guardian';
import * as insights from './insights';
import type { Insight } from '../contracts/insight';
import * as learning from './learning';
import * as maintenance from './maintenance';
import { migrationStatus, type MigrationStatus } from './migrate';
import * as deployments from './deployments';
import * as embeddings from './embeddings';
import * as guidance from './guidance';
import * as procedures from './procedures';
import type { EmbeddingCursor, EmbeddingSource } from './embeddings';
import { Searcher, type RowReader } from './search';
import type { Queryable } from './entries';
import type { Embedder } from '../contracts/embedding';
import type { HealthCheckResult } from '../contracts/health';
import {
  expiryFor,
  listMemoryInputSchema,
  memoryIdentitySchema,
  archiveReason,
  searchMemoryInputSchema,
  storeMemoryInputSchema,
  type ListMemoryInput,
  type MemoryEntry,
  type MemoryIdentity,
  type MemorySearchHit,
  type MemoryStats,
  type SearchMemoryInput,
  type StoreMemoryInput,
} from '../contracts/memory';
import {
  appendMessagesInputSchema,
  listErrorEventsInputSchema,
  listMessagesInputSchema,
  listSessionsInputSchema,
  listTasksInputSchema,
  listWorkHistoryInputSchema,
  openSessionInputSchema,
  quarantineMessagesInputSchema,
  recordHandoffInputSchema,
  sessionKeySchema,
  sessionSnapshotInputSchema,
  statsInputSchema,
  upsertTaskInputSchema,
  type ListErrorEventsInput,
  type ListWorkHistoryInput,
} from '../contracts/tenant-reads';
import {
  archiveExpiredInputSchema,
  backupChecksumInputSchema,
  backupInputSchema,
  backupVerificationInputSchema,
  byIdInputSchema,
  byWorkflowInputSchema,
  capabilityWindowInputSchema,
  cycleRunInputSchema,
  databaseNameInputSchema,
  decisionInputSchema,
  decisionOutcomeInputSchema,
  decisionWithIdInputSchema,
  deploymentCommitInputSchema,
  deploymentPastInputSchema,
  deploymentRiskInputSchema,
  deploymentStepInputSchema,
  earlierDeploymentsInputSchema,
  embeddingCoverageInputSchema,
  embeddingCursorInputSchema,
  errorEventInputSchema,
  failingSignaturesInputSchema,
  finishDeploymentInputSchema,
  finishProcedureRunInputSchema,
  getProcedureInputSchema,
  healthChecksInputSchema,
  insertProcedureInputSchema,
  listBackupsInputSchema,
  listCycleRunsInputSchema,
  listDeploymentsInputSchema,
  listInsightsInputSchema,
  listProceduresInputSchema,
  listSolutionsInputSchema,
  listUnstoredInputSchema,
  maintenanceCountsInputSchema,
  maintenanceStepInputSchema,
  migrationRunInputSchema,
  observationsInputSchema,
  openDeploymentInputSchema,
  openProcedureRunInputSchema,
  orchestrationStepInputSchema,
  pendingEmbeddingsInputSchema,
  pruneBackupsInputSchema,
  resolveErrorEventsInputSchema,
  resolveObservationsInputSchema,
  saveEmbeddingsInputSchema,
  similarSolutionsInputSchema,
  similarTasksInputSchema,
  similarToTaskInputSchema,
  solutionInputSchema,
  solutionOnceInputSchema,
  solutionOutcomeInputSchema,
  stepEventInputSchema,
  summariseErrorsInputSchema,
  targetInputSchema,
  taskOutcomeInputSchema,
  unstoredRecordSchema,
  windowInputSchema,
  windowInsightsInputSchema,
  workHistoryRecordSchema,
} from '../contracts/store-inputs';

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
}

function cacheKey(identity: entries.Identity): string {
  return JSON.stringify([
    identity.key,
    identity.scope,
    identity.tenantId,
    identity.userId,
    identity.sessionId,
    identity.agentId,
  ]);
}

export class MemoryStore {
  /** Ephemeral-layer entries: in this process only, gone on restart (that is what the layer promises). */
  private readonly ephemeral = new LRUCache<string, MemoryEntry>({ max: 10_000, ttlAutopurge: false });
  /** Cache hits waiting to be added to `access_count`, by entry id. */
  private pendingAccesses = new Map<string, number>();
  private readonly accessTimer: NodeJS.Timeout;
  private readonly workHistoryBatcher: Batcher<history.WorkHistoryRecord>;

  private readonly searcher: Searcher;
  /** Concurrent stores share statements (group commit). */
  private readonly entryWrites = new EntryWriteQueue((tenantId, work) => this.asTenant(tenantId, work));
  /** Secret values redacted from every write besides the rule's patterns (see `src/domain/redact.ts`). */
  private secrets: string[] = [];

  private constructor(
    /** The connecting role's pool: operator and maintenance work, which sees every tenant. */
    readonly pool: Pool,
    private readonly tenants: TenantScope,
    private readonly cache: MemoryCache | undefined,
    private readonly logger: Logger,
    readonly embedder: Embedder | undefined,
    maxCachedVectors: number | undefined,
  ) {
    this.searcher = new Searcher({ db: pool, embedder, maxCachedVectors });
    this.accessTimer = setInterval(() => void this.flushAccesses(), 1000);
    this.accessTimer.unref();
    this.workHistoryBatcher = new Batcher(
      async (rows) => {
        const { unstored } = await history.insertWorkHistoryIsolating(this.pool, rows);
        if (unstored > 0)
          this.logger.warn(
            `${unstored} of ${rows.length} work-history rows refused by PostgreSQL; kept in unstored_records`,
          );
      },
      200,
      10,
    );
  }

  /** Opens a pool (and the cache's listening connection) to a migrated memory database. */
  static async connect(options: MemoryStoreOptions): Promise<MemoryStore> {
    const config: PoolConfig = { connectionString: options.databaseUrl, max: options.poolSize ?? 10 };
    const pool = new Pool(config);
    pool.on('error', (error) => options.logger.error({ err: error }, 'idle memory database connection failed'));
    const tenants = new TenantScope(config, options.logger);
    const cacheSize = options.cacheMaxEntries ?? 10_000;
    const cache = cacheSize > 0 ? new MemoryCache(cacheSize, config, options.logger) : undefined;
    try {
      await pool.query('select 1');
      await cache?.start();
    } catch (error) {
      await pool.end().catch(() => undefined);
      await tenants.end().catch(() => undefined);
      throw error;
    }
    const store = new MemoryStore(pool, tenants, cache, options.logger, options.embedder, options.maxCachedVectors);
    store.addSecrets(options.secrets ?? []);
    return store;
  }

  /**
   * Runs `work` under row-level security as `tenantId` (see `tenant-scope.ts`): nothing of another
   * tenant is visible there, whatever its SQL says. Without a tenant, on the operator's pool.
   */
  private asTenant<T>(tenantId: string | undefined, work: (db: Queryable) => Promise<T>): Promise<T> {
    return tenantId === undefined ? work(this.pool) : this.tenants.run(tenantId, work);
  }

  /** Runs `work` in one transaction, as {@link asTenant} does. */
  private asTenantInTransaction<T>(tenantId: string | undefined, work: (db: Queryable) => Promise<T>): Promise<T> {
    return tenantId === undefined
      ? withTransaction(this.pool, work)
      : this.tenants.run(tenantId, (client) => inTransaction(client, work));
  }

  /** Adds configured secret values to redact from every write (a worker adds its configuration's). */
  addSecrets(values: readonly string[]): void {
    this.secrets = [...new Set([...this.secrets, ...values])].sort((a, b) => b.length - a.length);
  }

  /**
   * Checks `input` against `schema` and returns it as given (callers' typed records keep their
   * types; the schema names what SQL relies on).
   * @throws ValidationError naming the bad field.
   */
  private check<T>(schema: z.ZodType, input: T, subject: string): T {
    parseInput(schema, input, subject);
    return input;
  }

  /** `value` with credentials and configured secrets redacted (the one rule, `src/domain/redact.ts`). */
  redact<T>(value: T): T {
    return redactValue(value, this.secrets);
  }

  /**
   * Inserts or replaces a memory entry (upsert on key + scope + owners). The layer's TTL applies
   * unless `expiresAt` is given.
   * @throws ValidationError on bad input; StaleWriteError when `expectedVersion` does not match.
   */
  async store(input: StoreMemoryInput): Promise<MemoryEntry> {
    const parsed = this.redact(parseInput(storeMemoryInputSchema, input, 'memory entry'));
    const expiresAt = expiryFor(parsed.layer, parsed.expiresAt);
    if (parsed.layer === 'ephemeral') return this.storeEphemeral(parsed, expiresAt!);
    const entry =
      parsed.expectedVersion === undefined
        ? await this.entryWrites.write(parsed, expiresAt)
        : await this.asTenant(parsed.tenantId, (db) => entries.upsertEntry(db, parsed, expiresAt));
    this.cache?.delete(cacheKey(parsed));
    return entry;
  }

  private storeEphemeral(input: entries.StoreInput, expiresAt: Date): MemoryEntry {
    const key = cacheKey(input);
    const previous = this.ephemeral.get(key);
    const now = new Date();
    const entry: MemoryEntry = {
      id: previous?.id ?? crypto.randomUUID(),
      key: input.key,
      value: input.value,
      title: input.title ?? null,
      content: input.content ?? null,
      memoryType: input.memoryType,
      layer: 'ephemeral',
      scope: input.scope,
      priority: input.priority,
      importance: input.importance,
      category: input.category ?? null,
      source: input.source ?? null,
      tags: input.tags,
      tenantId: input.tenantId ?? null,
      userId: input.userId ?? null,
      sessionId: input.sessionId ?? null,
      agentId: input.agentId ?? null,
      metadata: { ...previous?.metadata, ...input.metadata },
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
      expiresAt,
      accessCount: previous?.accessCount ?? 0,
      lastAccessedAt: previous?.lastAccessedAt ?? null,
      syncVersion: (previous?.syncVersion ?? 0) + 1,
      archivedAt: null,
    };
    this.ephemeral.set(key, entry, { ttl: Math.max(1, expiresAt.getTime() - now.getTime()) });
    return entry;
  }

  /**
   * The live entry with this identity, or null. Served from the cache when possible; every read
   * counts in `access_count`, added in batches once a second (a read that wrote its count itself
   * cost a write-ahead-log flush and, past a page's free space, an insert into every index).
   * @throws ValidationError on a bad identity.
   */
  async retrieve(identity: MemoryIdentity): Promise<MemoryEntry | null> {
    const parsed = parseInput(memoryIdentitySchema, identity, 'memory identity');
    const key = cacheKey(parsed);
    const ephemeral = this.ephemeral.get(key);
    if (ephemeral) return ephemeral;
    const cached = this.cache?.get(key);
    if (cached) {
      this.pendingAccesses.set(cached.id, (this.pendingAccesses.get(cached.id) ?? 0) + 1);
      return cached;
    }
    const token = this.cache?.readToken() ?? 0;
    const entry = await this.asTenant(parsed.tenantId, (db) => entries.selectEntry(db, parsed, { live: true }));
    if (entry) {
      this.pendingAccesses.set(entry.id, (this.pendingAccesses.get(entry.id) ?? 0) + 1);
      this.cache?.set(key, entry, token);
    }
    return entry;
  }

  /**
   * Searches memory entries and session messages within one tenant. A natural-language query
   * (the default) blends BM25 over its words with semantic similarity (once texts are embedded
   * and an embedder is configured), shares scores with neighbouring turns, and weighs importance,
   * recency and access; `mode: 'websearch'` takes PostgreSQL's web-search syntax. Expired entries
   * are left out unless `includeExpired`.
   * @throws ValidationError on bad input.
   */
  async search(input: SearchMemoryInput): Promise<MemorySearchHit[]> {
    const parsed = parseInput(searchMemoryInputSchema, input, 'memory search');
    const tenantId = parsed.tenantId;
    const readRows: RowReader | undefined =
      tenantId === undefined ? undefined : (work) => this.tenants.run(tenantId, work);
    return this.searcher.search(parsed, readRows);
  }

  /** Texts written after `cursor` that have no current embedding of `model`, oldest first. */
  async pendingEmbeddings(opts: {
    source: EmbeddingSource;
    model: string;
    cursor: EmbeddingCursor;
    limit: number;
    /** Look this far (ms) behind the cursor, for writes that committed late. @defaultValue 0 */
    overlapMs?: number;
  }) {
    this.check(pendingEmbeddingsInputSchema, opts, 'embeddings read');
    const read = opts.source === 'entries' ? embeddings.pendingEntries : embeddings.pendingMessages;
    return read(this.pool, opts.model, opts.cursor, opts.limit, opts.overlapMs);
  }

  /** Stores computed embeddings and moves the source's cursor, in one transaction. Returns rows written. */
  async saveEmbeddings(opts: {
    source: EmbeddingSource;
    model: string;
    dimensions: number;
    rows: { key: string; version: number; vector: Buffer }[];
    cursor: EmbeddingCursor;
  }): Promise<number> {
    this.check(saveEmbeddingsInputSchema, opts, 'embeddings');
    return withTransaction(this.pool, async (client) => {
      const written =
        opts.source === 'entries'
          ? await embeddings.upsertEntryEmbeddings(client, opts.model, opts.dimensions, opts.rows)
          : await embeddings.upsertMessageEmbeddings(client, opts.model, opts.dimensions, opts.rows);
      await embeddings.saveCursor(client, opts.model, opts.source, opts.cursor, written);
      return written;
    });
  }

  /** Where the catch-up of `model` left `source`. */
  async embeddingCursor(opts: { source: EmbeddingSource; model: string }): Promise<EmbeddingCursor> {
    this.check(embeddingCursorInputSchema, opts, 'embedding cursor');
    return embeddings.readCursor(this.pool, opts.model, opts.source);
  }

  /** How much of memory has a current embedding of `model`. */
  async embeddingCoverage(opts: { model: string }) {
    this.check(embeddingCoverageInputSchema, opts, 'embedding coverage');
    return embeddings.embeddingCoverage(this.pool, opts.model);
  }

  /** Entries newest first, filtered (no text query). */
  async list(input: ListMemoryInput = {}): Promise<MemoryEntry[]> {
    const parsed = parseInput(listMemoryInputSchema, input, 'memory list');
    return this.asTenant(parsed.tenantId, (db) => entries.listEntries(db, parsed));
  }

  /** Moves the entry to the archive. Returns false when there was none. */
  async archive(identity: MemoryIdentity & { reason?: string }): Promise<boolean> {
    const parsed = parseInput(memoryIdentitySchema, identity, 'memory identity');
    this.cache?.delete(cacheKey(parsed));
    if (this.ephemeral.delete(cacheKey(parsed))) return true;
    const reason = parseInput(archiveReason, identity.reason, 'archive reason') ?? 'deleted';
    return this.asTenant(parsed.tenantId, (db) => entries.archiveEntry(db, parsed, reason));
  }

  /** Moves up to `limit` expired entries to the archive. */
  async archiveExpired(opts: { limit?: number } = {}): Promise<number> {
    this.check(archiveExpiredInputSchema, opts, 'expiry');
    return entries.archiveExpiredEntries(this.pool, opts.limit ?? 10_000);
  }

  /** Counts per layer, priority and type; active sessions, tenants, accesses; cache figures. */
  async stats(opts: { tenantId?: string } = {}): Promise<MemoryStats> {
    const { tenantId } = parseInput(statsInputSchema, opts, 'memory stats');
    const counts = await this.asTenant(tenantId, (db) => entries.entryStats(db, tenantId));
    return {
      ...counts,
      cache: { size: this.cache?.size ?? 0, hits: this.cache?.hits ?? 0, misses: this.cache?.misses ?? 0 },
    };
  }

  /**
   * Reads this process's read-through cache has served and missed so far. Synchronous: a caller
   * that reads it just before and after calling `retrieve` (which consults the cache before its
   * first await) learns whether that read was a hit.
   */
  cacheCounters(): { hits: number; misses: number } {
    return { hits: this.cache?.hits ?? 0, misses: this.cache?.misses ?? 0 };
  }

  // Sessions (ContextKeeper): each runs under row-level security as the session's tenant.
  async openSession(s: Parameters<typeof sessions.openSession>[1]) {
    const parsed = parseInput(openSessionInputSchema, s, 'session');
    return this.tenants.run(parsed.tenantId, (db) => sessions.openSession(db, parsed));
  }
  async appendMessages(s: sessions.SessionKey & { messages: sessions.SessionMessage[] }) {
    const parsed = parseInput(appendMessagesInputSchema, s, 'session messages');
    return this.tenants.run(parsed.tenantId, (db) => sessions.appendMessages(db, parsed, this.redact(parsed.messages)));
  }
  async quarantineMessages(s: sessions.SessionKey & { items: sessions.QuarantinedMessage[] }) {
    const parsed = parseInput(quarantineMessagesInputSchema, s, 'quarantined messages');
    return this.tenants.run(parsed.tenantId, (db) =>
      sessions.quarantineMessages(db, parsed, this.redact(parsed.items)),
    );
  }
  async listQuarantinedMessages(s: sessions.SessionKey) {
    const parsed = parseInput(sessionKeySchema, s, 'session');
    return this.tenants.run(parsed.tenantId, (db) => sessions.listQuarantinedMessages(db, parsed));
  }
  async listMessages(s: sessions.SessionKey & { afterSeq?: number; limit?: number; newest?: boolean }) {
    const parsed = parseInput(listMessagesInputSchema, s, 'session messages');
    return this.tenants.run(parsed.tenantId, (db) => sessions.listMessages(db, parsed, parsed));
  }
  async upsertTask(s: sessions.SessionKey & { task: sessions.SessionTask }) {
    const parsed = parseInput(upsertTaskInputSchema, s, 'session task');
    return this.tenants.run(parsed.tenantId, (db) => sessions.upsertTask(db, parsed, this.redact(parsed.task)));
  }
  async listTasks(s: {
    tenantId: string;
    sessionId?: string;
    status?: sessions.SessionTask['status'];
    limit?: number;
  }) {
    const parsed = parseInput(listTasksInputSchema, s, 'session tasks');
    return this.tenants.run(parsed.tenantId, (db) => sessions.listTasks(db, parsed, parsed.status, parsed.limit));
  }
  async recordHandoff(s: sessions.SessionKey & { handoff: sessions.HandoffRecord }) {
    const parsed = parseInput(recordHandoffInputSchema, s, 'handoff');
    return this.tenants.run(parsed.tenantId, (db) => sessions.recordHandoff(db, parsed, this.redact(parsed.handoff)));
  }
  async saveSnapshot(s: sessions.SessionKey & { snapshot: unknown }) {
    const parsed = parseInput(sessionSnapshotInputSchema, s, 'session snapshot');
    return this.tenants.run(parsed.tenantId, (db) => sessions.saveSnapshot(db, parsed, parsed.snapshot));
  }
  async listSessions(opts: Parameters<typeof sessions.listSessions>[1]) {
    const parsed = parseInput(listSessionsInputSchema, opts, 'sessions');
    return this.tenants.run(parsed.tenantId, (db) => sessions.listSessions(db, parsed));
  }

  /** Ends a session: final snapshot stored, its `session`-layer memory expired. Idempotent. */
  async endSession(s: sessions.SessionKey & { snapshot: unknown }): Promise<{ expiredEntries: number }> {
    const parsed = parseInput(sessionSnapshotInputSchema, s, 'session end');
    return this.asTenantInTransaction(parsed.tenantId, async (db) => {
      await sessions.endSession(db, parsed, parsed.snapshot);
      return { expiredEntries: await entries.expireSessionEntries(db, parsed.tenantId, parsed.sessionId) };
    });
  }

  // Work history and error events.

  /** Records one activity attempt; resolves once it is stored (group-committed with others). */
  async recordWorkHistory(row: history.WorkHistoryRecord): Promise<void> {
    this.check(workHistoryRecordSchema, row, 'work history record');
    return this.workHistoryBatcher.add(this.redact(row));
  }
  /** What could not be stored where it belongs (refused work-history rows, unstored health results). */
  async listUnstored(opts: Parameters<typeof history.listUnstored>[1] = {}) {
    this.check(listUnstoredInputSchema, opts, 'unstored records list');
    return history.listUnstored(this.pool, opts);
  }
  async recordUnstored(r: history.UnstoredRecord) {
    this.check(unstoredRecordSchema, r, 'unstored record');
    return history.recordUnstored(this.pool, this.redact(r));
  }
  /**
   * Work history, newest first: a tenant's rows with `tenantId` (under row-level security);
   * without it, rows of no tenant (system work); every tenant's only with `allTenants: true`.
   */
  async listWorkHistory(opts: ListWorkHistoryInput = {}) {
    const parsed = parseInput(listWorkHistoryInputSchema, opts, 'work history list');
    return this.asTenant(parsed.tenantId, (db) => history.listWorkHistory(db, parsed));
  }
  async recordErrorEvent(e: history.ErrorEventInput) {
    this.check(errorEventInputSchema, e, 'error event');
    return history.insertErrorEvent(this.pool, this.redact(e));
  }
  /**
   * Error events, newest first: a tenant's with `tenantId` (under row-level security); without
   * it, those of no tenant (system errors); every tenant's only with `allTenants: true`.
   */
  async listErrorEvents(opts: ListErrorEventsInput = {}) {
    const parsed = parseInput(listErrorEventsInputSchema, opts, 'error events list');
    return this.asTenant(parsed.tenantId, (db) => history.listErrorEvents(db, parsed));
  }

  // Knowledge base and decision log (error-learning).
  async upsertSolution(s: Parameters<typeof kb.upsertSolution>[1]) {
    this.check(solutionInputSchema, s, 'solution');
    return kb.upsertSolution(this.pool, s);
  }
  /** `upsertSolution` once per write id (a retried activity does not count twice). */
  async upsertSolutionOnce(s: Parameters<typeof kb.upsertSolution>[1] & { writeId: string }) {
    this.check(solutionOnceInputSchema, s, 'solution');
    const { writeId, ...solution } = s;
    return withTransaction(this.pool, (client) => kb.upsertSolutionOnce(client, solution, writeId));
  }
  async listSolutions(opts: Parameters<typeof kb.listSolutions>[1] = {}) {
    this.check(listSolutionsInputSchema, opts, 'solutions list');
    return kb.listSolutions(this.pool, opts);
  }
  async getSolution(opts: { id: number }) {
    this.check(byIdInputSchema, opts, 'solution');
    return kb.getSolution(this.pool, opts.id);
  }
  async disableSolution(opts: { id: number }) {
    this.check(byIdInputSchema, opts, 'solution');
    return kb.disableSolution(this.pool, opts.id);
  }
  async findSimilarSolutions(opts: Parameters<typeof kb.findSimilarSolutions>[1]) {
    this.check(similarSolutionsInputSchema, opts, 'solution search');
    return kb.findSimilarSolutions(this.pool, opts);
  }
  /** Counts an application of a solution; once per `writeId` when given. */
  async recordSolutionOutcome(opts: { id: number; success: boolean; writeId?: string }) {
    this.check(solutionOutcomeInputSchema, opts, 'solution outcome');
    return kb.recordSolutionOutcome(this.pool, opts.id, opts.success, opts.writeId);
  }
  async resolveErrorEvents(opts: Parameters<typeof kb.resolveErrorEvents>[1]) {
    this.check(resolveErrorEventsInputSchema, opts, 'error resolution');
    return kb.resolveErrorEvents(this.pool, opts);
  }
  /** Error events since a time, by signature, with time to resolution (see `summariseErrors`). */
  async summariseErrors(opts: Parameters<typeof kb.summariseErrors>[1]) {
    this.check(summariseErrorsInputSchema, opts, 'error summary');
    return kb.summariseErrors(this.pool, opts);
  }
  async recordDecision(d: kb.Decision) {
    this.check(decisionInputSchema, d, 'decision');
    return kb.insertDecision(this.pool, this.redact(d));
  }

  // Contextual guidance: similar past work, matching solutions, procedures and insights.
  async similarWork(opts: { task: string; limit?: number }) {
    this.check(similarToTaskInputSchema, opts, 'guidance');
    return guidance.similarWork(this.pool, opts.task, opts.limit);
  }
  async similarDeployments(opts: { task: string; limit?: number }) {
    this.check(similarToTaskInputSchema, opts, 'guidance');
    return guidance.similarDeployments(this.pool, opts.task, opts.limit);
  }
  async similarErrors(opts: { task: string; limit?: number }) {
    this.check(similarToTaskInputSchema, opts, 'guidance');
    return guidance.similarErrors(this.pool, opts.task, opts.limit);
  }
  async matchingSolutions(opts: { task: string; limit?: number }) {
    this.check(similarToTaskInputSchema, opts, 'guidance');
    return guidance.matchingSolutions(this.pool, opts.task, opts.limit);
  }
  async matchingProcedures(opts: { task: string; limit?: number }) {
    this.check(similarToTaskInputSchema, opts, 'guidance');
    return guidance.matchingProcedures(this.pool, opts.task, opts.limit);
  }
  async similarTasks(opts: { signature: string; limit?: number }) {
    this.check(similarTasksInputSchema, opts, 'guidance');
    return guidance.similarTasks(this.pool, opts.signature, opts.limit);
  }
  async matchingInsights(opts: { task: string; limit?: number }) {
    this.check(similarToTaskInputSchema, opts, 'guidance');
    return guidance.matchingInsights(this.pool, opts.task, opts.limit);
  }
  /** Writes a decision (once per dedupe key) and returns its id. */
  async recordDecisionReturningId(d: Parameters<typeof guidance.insertDecisionReturningId>[1]) {
    this.check(decisionWithIdInputSchema, d, 'decision');
    return guidance.insertDecisionReturningId(this.pool, d);
  }
  /** Links the outcome of the operation a decision guided. */
  async recordDecisionOutcome(o: { decisionId: number; success: boolean; detail: unknown }) {
    this.check(decisionOutcomeInputSchema, o, 'decision outcome');
    return guidance.recordDecisionOutcome(this.pool, o);
  }
  async getDecision(opts: { id: number }) {
    this.check(byIdInputSchema, opts, 'decision');
    return guidance.getDecision(this.pool, opts.id);
  }

  // Operational procedures and orchestrated tasks.
  async insertProcedure(opts: {
    definition: Parameters<typeof procedures.insertProcedure>[1];
    source: Parameters<typeof procedures.insertProcedure>[2];
  }) {
    this.check(insertProcedureInputSchema, opts, 'procedure');
    return procedures.insertProcedure(this.pool, opts.definition, opts.source);
  }
  async getProcedure(opts: { name: string; version?: number }) {
    this.check(getProcedureInputSchema, opts, 'procedure');
    return procedures.getProcedure(this.pool, opts.name, opts.version);
  }
  async listProcedures(opts: { allVersions?: boolean } = {}) {
    this.check(listProceduresInputSchema, opts, 'procedures list');
    return procedures.listProcedures(this.pool, opts);
  }
  async openProcedureRun(r: Parameters<typeof procedures.openProcedureRun>[1]) {
    this.check(openProcedureRunInputSchema, r, 'procedure run');
    return procedures.openProcedureRun(this.pool, r);
  }
  async finishProcedureRun(r: Parameters<typeof procedures.finishProcedureRun>[1]) {
    this.check(finishProcedureRunInputSchema, r, 'procedure run');
    return procedures.finishProcedureRun(this.pool, r);
  }
  async recordStepEvent(e: Parameters<typeof procedures.recordStepEvent>[1]) {
    this.check(stepEventInputSchema, e, 'step event');
    return procedures.recordStepEvent(this.pool, e);
  }
  async listStepEvents(opts: { workflowId: string }) {
    this.check(byWorkflowInputSchema, opts, 'step events list');
    return procedures.listStepEvents(this.pool, opts.workflowId);
  }
  async procedureCompliance(w: { start: Date; end: Date }) {
    this.check(windowInputSchema, w, 'window');
    return procedures.procedureCompliance(this.pool, w.start, w.end);
  }
  async procedureEffectiveness(w: { start: Date; end: Date }) {
    this.check(windowInputSchema, w, 'window');
    return procedures.procedureEffectiveness(this.pool, w.start, w.end);
  }
  async recordOrchestrationStep(s: Parameters<typeof procedures.recordOrchestrationStep>[1]) {
    this.check(orchestrationStepInputSchema, s, 'orchestration step');
    return procedures.recordOrchestrationStep(this.pool, s);
  }
  async listOrchestrationSteps(opts: { workflowId: string }) {
    this.check(byWorkflowInputSchema, opts, 'orchestration steps list');
    return procedures.listOrchestrationSteps(this.pool, opts.workflowId);
  }
  async recordTaskOutcome(t: Parameters<typeof procedures.recordTaskOutcome>[1]) {
    this.check(taskOutcomeInputSchema, t, 'task outcome');
    return procedures.recordTaskOutcome(this.pool, t);
  }

  // DatabaseGuardian: backups and migration runs.
  async recordBackup(b: Parameters<typeof guardian.insertBackup>[1]) {
    this.check(backupInputSchema, b, 'backup');
    return guardian.insertBackup(this.pool, b);
  }
  async getBackup(opts: { id: number }) {
    this.check(byIdInputSchema, opts, 'backup');
    return guardian.getBackup(this.pool, opts.id);
  }
  async listBackups(opts: Parameters<typeof guardian.listBackups>[1] = {}) {
    this.check(listBackupsInputSchema, opts, 'backups list');
    return guardian.listBackups(this.pool, opts);
  }
  async setBackupChecksum(opts: { id: number; sha256: string; sizeBytes: number }) {
    this.check(backupChecksumInputSchema, opts, 'backup checksum');
    return guardian.setBackupChecksum(this.pool, opts.id, opts.sha256, opts.sizeBytes);
  }
  async setBackupVerification(opts: { id: number } & Parameters<typeof guardian.setBackupVerification>[2]) {
    this.check(backupVerificationInputSchema, opts, 'backup verification');
    return guardian.setBackupVerification(this.pool, opts.id, opts);
  }
  async markBackupsPruned(opts: { ids: number[] }) {
    this.check(pruneBackupsInputSchema, opts, 'backup pruning');
    return guardian.markBackupsPruned(this.pool, opts.ids);
  }
  async recordMigrationRun(r: Parameters<typeof guardian.insertMigrationRun>[1]) {
    this.check(migrationRunInputSchema, r, 'migration run');
    return guardian.insertMigrationRun(this.pool, r);
  }
  async lastFailedMigrationRun(opts: { databaseName: string }) {
    this.check(databaseNameInputSchema, opts, 'migration runs');
    return guardian.lastFailedMigrationRun(this.pool, opts.databaseName);
  }
  /** Applied, pending and unknown migrations of this memory database. */
  migrationStatus(): Promise<MigrationStatus> {
    return migrationStatus(this.pool);
  }

  // Insights (DatabaseGuardian findings, learning-cycle results).
  async recordObservations(opts: { insights: Insight[]; source: string; writeId: string; seenAt: Date }) {
    this.check(observationsInputSchema, opts, 'observations');
    return insights.upsertObservations(this.pool, this.redact(opts.insights), opts);
  }
  async resolveObservations(opts: {
    keyPrefix: string;
    seenKeys: string[];
    resolvedAt: Date;
    kinds: string[];
    exclude: boolean;
  }) {
    this.check(resolveObservationsInputSchema, opts, 'observations');
    return insights.resolveObservations(this.pool, opts.keyPrefix, opts.seenKeys, opts.resolvedAt, opts);
  }
  async recordWindowInsights(opts: {
    insights: Insight[];
    source: string;
    windowStart: Date;
    windowEnd: Date;
    writeId: string;
    memoryType?: insights.InsightMemoryType;
  }) {
    this.check(windowInsightsInputSchema, opts, 'window insights');
    return insights.upsertWindowInsights(this.pool, this.redact(opts.insights), opts);
  }
  async listInsights(opts: Parameters<typeof insights.listInsights>[1] = {}) {
    this.check(listInsightsInputSchema, opts, 'insights list');
    return insights.listInsights(this.pool, opts);
  }

  // Learning cycles.
  async refreshAgentPerformance(w: { start: Date; end: Date }) {
    this.check(windowInputSchema, w, 'window');
    return learning.refreshAgentPerformance(this.pool, w.start, w.end);
  }
  async capabilityPerformance(w: { start: Date; end: Date; agentIds?: string[]; capability?: string }) {
    this.check(capabilityWindowInputSchema, w, 'window');
    return learning.capabilityPerformance(this.pool, w.start, w.end, w);
  }
  async workHistoryPerformance(w: { start: Date; end: Date }) {
    this.check(windowInputSchema, w, 'window');
    return learning.workHistoryPerformance(this.pool, w.start, w.end);
  }
  async signatureTrends(w: { start: Date; end: Date }) {
    this.check(windowInputSchema, w, 'window');
    return learning.signatureTrends(this.pool, w.start, w.end);
  }
  async failingSignatures(opts: { end: Date; minCount: number }) {
    this.check(failingSignaturesInputSchema, opts, 'failing signatures');
    return learning.failingSignatures(this.pool, opts.end, opts.minCount);
  }
  async recordCycleRun(r: Parameters<typeof learning.recordCycleRun>[1]) {
    this.check(cycleRunInputSchema, r, 'cycle run');
    return learning.recordCycleRun(this.pool, r);
  }
  async listCycleRuns(opts: Parameters<typeof learning.listCycleRuns>[1] = {}) {
    this.check(listCycleRunsInputSchema, opts, 'cycle runs list');
    return learning.listCycleRuns(this.pool, opts);
  }

  // Daily memory optimisation: each step moves at most `limit` rows; call until it returns 0.
  async archiveEndedSessionEntries(w: { windowEnd: Date; windowKey: string; limit: number }) {
    this.check(maintenanceStepInputSchema, w, 'maintenance step');
    return maintenance.archiveEndedSessionEntries(this.pool, w.windowEnd, w.windowKey, w.limit);
  }
  async archiveEntriesExpiredBy(w: { windowEnd: Date; windowKey: string; limit: number }) {
    this.check(maintenanceStepInputSchema, w, 'maintenance step');
    return maintenance.archiveEntriesExpiredBy(this.pool, w.windowEnd, w.windowKey, w.limit);
  }
  async promoteEntries(w: { windowEnd: Date; windowKey: string; limit: number }) {
    this.check(maintenanceStepInputSchema, w, 'maintenance step');
    return maintenance.promoteEntries(this.pool, w.windowEnd, w.windowKey, w.limit);
  }
  async demoteEntries(w: { windowEnd: Date; windowKey: string; limit: number }) {
    this.check(maintenanceStepInputSchema, w, 'maintenance step');
    return maintenance.demoteEntries(this.pool, w.windowEnd, w.windowKey, w.limit);
  }
  async mergeDuplicateEntries(w: { windowEnd: Date; windowKey: string; limit: number }) {
    this.check(maintenanceStepInputSchema, w, 'maintenance step');
    return maintenance.mergeDuplicateEntries(this.pool, w.windowEnd, w.windowKey, w.limit);
  }
  analyzeMemoryTables() {
    return maintenance.analyzeMemoryTables(this.pool);
  }
  async maintenanceCounts(opts: { windowKey: string }) {
    this.check(maintenanceCountsInputSchema, opts, 'maintenance counts');
    return maintenance.maintenanceCounts(this.pool, opts.windowKey);
  }

  // Deployments (DeploymentManager).

  /** Opens the record of a deployment run; returns its id (the same id on a retry). */
  async openDeployment(d: Parameters<typeof deployments.openDeployment>[1]) {
    this.check(openDeploymentInputSchema, d, 'deployment');
    return deployments.openDeployment(this.pool, d);
  }
  /** Earlier deployments of a target still running (see `earlierOpenDeployments`). */
  async earlierOpenDeployments(opts: { target: string; deploymentId: number }) {
    this.check(earlierDeploymentsInputSchema, opts, 'deployments');
    return deployments.earlierOpenDeployments(this.pool, opts.target, opts.deploymentId);
  }
  async recordDeploymentCommit(d: Parameters<typeof deployments.recordCommit>[1]) {
    this.check(deploymentCommitInputSchema, d, 'deployment commit');
    return deployments.recordCommit(this.pool, d);
  }
  async recordDeploymentRisk(d: Parameters<typeof deployments.recordRisk>[1]) {
    this.check(deploymentRiskInputSchema, d, 'deployment risk');
    return deployments.recordRisk(this.pool, d);
  }
  async recordDeploymentStep(d: { deploymentId: number; step: deployments.DeploymentStepRecord }) {
    this.check(deploymentStepInputSchema, d, 'deployment step');
    return deployments.upsertDeploymentStep(this.pool, d.deploymentId, this.redact(d.step));
  }
  async finishDeployment(d: Parameters<typeof deployments.finishDeployment>[1]) {
    this.check(finishDeploymentInputSchema, d, 'deployment');
    return deployments.finishDeployment(this.pool, this.redact(d));
  }
  async listDeployments(opts: Parameters<typeof deployments.listDeployments>[1] = {}) {
    this.check(listDeploymentsInputSchema, opts, 'deployments list');
    return deployments.listDeployments(this.pool, opts);
  }
  /** The live and the previous good commit of a target, from its deployment records. */
  async goodReleases(opts: { target: string }) {
    this.check(targetInputSchema, opts, 'deployments');
    return deployments.goodReleases(this.pool, opts.target);
  }
  async deploymentPast(opts: Parameters<typeof deployments.deploymentPast>[1]) {
    this.check(deploymentPastInputSchema, opts, 'deployments');
    return deployments.deploymentPast(this.pool, opts);
  }

  /**
   * Records one SystemMonitor run: latest health per target, transitions as `system_event`
   * entries, failing targets as error events — atomically, keyed by `writeId`.
   */
  async recordHealthChecks(opts: { results: HealthCheckResult[]; writeId: string }): Promise<RecordedHealth> {
    this.check(healthChecksInputSchema, opts, 'health checks');
    return recordHealthChecks(this.pool, this.redact(opts.results), opts.writeId);
  }

  private async flushAccesses(): Promise<void> {
    if (this.pendingAccesses.size === 0) return;
    const batch = this.pendingAccesses;
    this.pendingAccesses = new Map();
    try {
      await entries.addAccesses(this.pool, [...batch.keys()], [...batch.values()]);
    } catch (error) {
      this.logger.warn({ err: error, entries: batch.size }, 'could not record cached memory accesses');
    }
  }

  /** Writes pending batches, then closes the cache listener and the pool. */
  async close(): Promise<void> {
    clearInterval(this.accessTimer);
    await this.workHistoryBatcher.drain();
    await this.flushAccesses();
    await this.cache?.close();
    await this.tenants.end();
    await this.pool.end();
  }
}
