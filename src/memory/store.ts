/**
 * The memory store: the one library that reads and writes BrainOps' PostgreSQL tables. Activities
 * use it; a low-latency API can use it directly. Every method takes one object argument, parses it
 * with zod (throwing `ValidationError` naming the field) and owns its SQL.
 */
import { Pool, type PoolConfig } from 'pg';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { parseInput } from '../contracts/validate';
import { redactValue } from '../domain/redact';
import { MemoryCache } from './cache';
import { Batcher } from './batcher';
import * as entries from './entries';
import * as sessions from './sessions';
import * as history from './work-history';
import { recordHealthChecks, type RecordedHealth } from './health';
import { withTransaction } from './transaction';
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
import { Searcher } from './search';
import type { Embedder } from '../contracts/embedding';
import type { HealthCheckResult } from '../contracts/health';
import {
  expiryFor,
  listMemoryInputSchema,
  memoryIdentitySchema,
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
  /** Secret values redacted from every write besides the rule's patterns (see `src/domain/redact.ts`). */
  private secrets: string[] = [];

  private constructor(
    readonly pool: Pool,
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
    const cacheSize = options.cacheMaxEntries ?? 10_000;
    const cache = cacheSize > 0 ? new MemoryCache(cacheSize, config, options.logger) : undefined;
    try {
      await pool.query('select 1');
      await cache?.start();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    const store = new MemoryStore(pool, cache, options.logger, options.embedder, options.maxCachedVectors);
    store.addSecrets(options.secrets ?? []);
    return store;
  }

  /** Adds configured secret values to redact from every write (a worker adds its configuration's). */
  addSecrets(values: readonly string[]): void {
    this.secrets = [...new Set([...this.secrets, ...values])].sort((a, b) => b.length - a.length);
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
    const entry = await entries.upsertEntry(this.pool, parsed, expiresAt);
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
   * counts in `access_count` (cache hits are added in batches, once a second).
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
    const entry = await entries.readEntryCountingAccess(this.pool, parsed);
    if (entry) this.cache?.set(key, entry, token);
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
    return this.searcher.search(parseInput(searchMemoryInputSchema, input, 'memory search'));
  }

  /** Texts written after `cursor` that have no current embedding of `model`, oldest first. */
  pendingEmbeddings(opts: {
    source: EmbeddingSource;
    model: string;
    cursor: EmbeddingCursor;
    limit: number;
    /** Look this far (ms) behind the cursor, for writes that committed late. @defaultValue 0 */
    overlapMs?: number;
  }) {
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
  embeddingCursor(opts: { source: EmbeddingSource; model: string }): Promise<EmbeddingCursor> {
    return embeddings.readCursor(this.pool, opts.model, opts.source);
  }

  /** How much of memory has a current embedding of `model`. */
  embeddingCoverage(opts: { model: string }) {
    return embeddings.embeddingCoverage(this.pool, opts.model);
  }

  /** Entries newest first, filtered (no text query). */
  async list(input: ListMemoryInput = {}): Promise<MemoryEntry[]> {
    return entries.listEntries(this.pool, parseInput(listMemoryInputSchema, input, 'memory list'));
  }

  /** Moves the entry to the archive. Returns false when there was none. */
  async archive(identity: MemoryIdentity & { reason?: string }): Promise<boolean> {
    const parsed = parseInput(memoryIdentitySchema, identity, 'memory identity');
    this.cache?.delete(cacheKey(parsed));
    if (this.ephemeral.delete(cacheKey(parsed))) return true;
    return entries.archiveEntry(this.pool, parsed, identity.reason ?? 'deleted');
  }

  /** Moves up to `limit` expired entries to the archive. */
  archiveExpired(opts: { limit?: number } = {}): Promise<number> {
    return entries.archiveExpiredEntries(this.pool, opts.limit ?? 10_000);
  }

  /** Counts per layer, priority and type; active sessions, tenants, accesses; cache figures. */
  async stats(opts: { tenantId?: string } = {}): Promise<MemoryStats> {
    const counts = await entries.entryStats(this.pool, opts.tenantId);
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

  // Sessions (ContextKeeper).
  openSession(s: Parameters<typeof sessions.openSession>[1]) {
    return sessions.openSession(this.pool, s);
  }
  appendMessages(s: sessions.SessionKey & { messages: sessions.SessionMessage[] }) {
    return sessions.appendMessages(this.pool, s, this.redact(s.messages));
  }
  quarantineMessages(s: sessions.SessionKey & { items: sessions.QuarantinedMessage[] }) {
    return sessions.quarantineMessages(this.pool, s, this.redact(s.items));
  }
  listQuarantinedMessages(s: sessions.SessionKey) {
    return sessions.listQuarantinedMessages(this.pool, s);
  }
  listMessages(s: sessions.SessionKey & { afterSeq?: number; limit?: number; newest?: boolean }) {
    return sessions.listMessages(this.pool, s, s);
  }
  upsertTask(s: sessions.SessionKey & { task: sessions.SessionTask }) {
    return sessions.upsertTask(this.pool, s, this.redact(s.task));
  }
  listTasks(s: { tenantId: string; sessionId?: string; status?: sessions.SessionTask['status']; limit?: number }) {
    return sessions.listTasks(this.pool, s, s.status, s.limit);
  }
  recordHandoff(s: sessions.SessionKey & { handoff: sessions.HandoffRecord }) {
    return sessions.recordHandoff(this.pool, s, this.redact(s.handoff));
  }
  saveSnapshot(s: sessions.SessionKey & { snapshot: unknown }) {
    return sessions.saveSnapshot(this.pool, s, s.snapshot);
  }
  listSessions(opts: Parameters<typeof sessions.listSessions>[1]) {
    return sessions.listSessions(this.pool, opts);
  }

  /** Ends a session: final snapshot stored, its `session`-layer memory expired. Idempotent. */
  async endSession(s: sessions.SessionKey & { snapshot: unknown }): Promise<{ expiredEntries: number }> {
    return withTransaction(this.pool, async (client) => {
      await sessions.endSession(client, s, s.snapshot);
      return { expiredEntries: await entries.expireSessionEntries(client, s.tenantId, s.sessionId) };
    });
  }

  // Work history and error events.

  /** Records one activity attempt; resolves once it is stored (group-committed with others). */
  recordWorkHistory(row: history.WorkHistoryRecord): Promise<void> {
    return this.workHistoryBatcher.add(this.redact(row));
  }
  /** What could not be stored where it belongs (refused work-history rows, unstored health results). */
  listUnstored(opts: Parameters<typeof history.listUnstored>[1] = {}) {
    return history.listUnstored(this.pool, opts);
  }
  recordUnstored(r: history.UnstoredRecord) {
    return history.recordUnstored(this.pool, this.redact(r));
  }
  listWorkHistory(opts: Parameters<typeof history.listWorkHistory>[1] = {}) {
    return history.listWorkHistory(this.pool, opts);
  }
  recordErrorEvent(e: history.ErrorEventInput) {
    return history.insertErrorEvent(this.pool, this.redact(e));
  }
  listErrorEvents(opts: Parameters<typeof history.listErrorEvents>[1] = {}) {
    return history.listErrorEvents(this.pool, opts);
  }

  // Knowledge base and decision log (error-learning).
  upsertSolution(s: Parameters<typeof kb.upsertSolution>[1]) {
    return kb.upsertSolution(this.pool, s);
  }
  /** `upsertSolution` once per write id (a retried activity does not count twice). */
  upsertSolutionOnce(s: Parameters<typeof kb.upsertSolution>[1] & { writeId: string }) {
    const { writeId, ...solution } = s;
    return withTransaction(this.pool, (client) => kb.upsertSolutionOnce(client, solution, writeId));
  }
  listSolutions(opts: Parameters<typeof kb.listSolutions>[1] = {}) {
    return kb.listSolutions(this.pool, opts);
  }
  getSolution(opts: { id: number }) {
    return kb.getSolution(this.pool, opts.id);
  }
  disableSolution(opts: { id: number }) {
    return kb.disableSolution(this.pool, opts.id);
  }
  findSimilarSolutions(opts: Parameters<typeof kb.findSimilarSolutions>[1]) {
    return kb.findSimilarSolutions(this.pool, opts);
  }
  /** Counts an application of a solution; once per `writeId` when given. */
  recordSolutionOutcome(opts: { id: number; success: boolean; writeId?: string }) {
    return kb.recordSolutionOutcome(this.pool, opts.id, opts.success, opts.writeId);
  }
  resolveErrorEvents(opts: Parameters<typeof kb.resolveErrorEvents>[1]) {
    return kb.resolveErrorEvents(this.pool, opts);
  }
  /** Error events since a time, by signature, with time to resolution (see `summariseErrors`). */
  summariseErrors(opts: Parameters<typeof kb.summariseErrors>[1]) {
    return kb.summariseErrors(this.pool, opts);
  }
  recordDecision(d: kb.Decision) {
    return kb.insertDecision(this.pool, this.redact(d));
  }

  // Contextual guidance: similar past work, matching solutions, procedures and insights.
  similarWork(opts: { task: string; limit?: number }) {
    return guidance.similarWork(this.pool, opts.task, opts.limit);
  }
  similarDeployments(opts: { task: string; limit?: number }) {
    return guidance.similarDeployments(this.pool, opts.task, opts.limit);
  }
  similarErrors(opts: { task: string; limit?: number }) {
    return guidance.similarErrors(this.pool, opts.task, opts.limit);
  }
  matchingSolutions(opts: { task: string; limit?: number }) {
    return guidance.matchingSolutions(this.pool, opts.task, opts.limit);
  }
  matchingProcedures(opts: { task: string; limit?: number }) {
    return guidance.matchingProcedures(this.pool, opts.task, opts.limit);
  }
  similarTasks(opts: { signature: string; limit?: number }) {
    return guidance.similarTasks(this.pool, opts.signature, opts.limit);
  }
  matchingInsights(opts: { task: string; limit?: number }) {
    return guidance.matchingInsights(this.pool, opts.task, opts.limit);
  }
  /** Writes a decision (once per dedupe key) and returns its id. */
  recordDecisionReturningId(d: Parameters<typeof guidance.insertDecisionReturningId>[1]) {
    return guidance.insertDecisionReturningId(this.pool, d);
  }
  /** Links the outcome of the operation a decision guided. */
  recordDecisionOutcome(o: { decisionId: number; success: boolean; detail: unknown }) {
    return guidance.recordDecisionOutcome(this.pool, o);
  }
  getDecision(opts: { id: number }) {
    return guidance.getDecision(this.pool, opts.id);
  }

  // Operational procedures and orchestrated tasks.
  insertProcedure(opts: {
    definition: Parameters<typeof procedures.insertProcedure>[1];
    source: Parameters<typeof procedures.insertProcedure>[2];
  }) {
    return procedures.insertProcedure(this.pool, opts.definition, opts.source);
  }
  getProcedure(opts: { name: string; version?: number }) {
    return procedures.getProcedure(this.pool, opts.name, opts.version);
  }
  listProcedures(opts: { allVersions?: boolean } = {}) {
    return procedures.listProcedures(this.pool, opts);
  }
  openProcedureRun(r: Parameters<typeof procedures.openProcedureRun>[1]) {
    return procedures.openProcedureRun(this.pool, r);
  }
  finishProcedureRun(r: Parameters<typeof procedures.finishProcedureRun>[1]) {
    return procedures.finishProcedureRun(this.pool, r);
  }
  recordStepEvent(e: Parameters<typeof procedures.recordStepEvent>[1]) {
    return procedures.recordStepEvent(this.pool, e);
  }
  listStepEvents(opts: { workflowId: string }) {
    return procedures.listStepEvents(this.pool, opts.workflowId);
  }
  procedureCompliance(w: { start: Date; end: Date }) {
    return procedures.procedureCompliance(this.pool, w.start, w.end);
  }
  procedureEffectiveness(w: { start: Date; end: Date }) {
    return procedures.procedureEffectiveness(this.pool, w.start, w.end);
  }
  recordOrchestrationStep(s: Parameters<typeof procedures.recordOrchestrationStep>[1]) {
    return procedures.recordOrchestrationStep(this.pool, s);
  }
  listOrchestrationSteps(opts: { workflowId: string }) {
    return procedures.listOrchestrationSteps(this.pool, opts.workflowId);
  }
  recordTaskOutcome(t: Parameters<typeof procedures.recordTaskOutcome>[1]) {
    return procedures.recordTaskOutcome(this.pool, t);
  }

  // DatabaseGuardian: backups and migration runs.
  recordBackup(b: Parameters<typeof guardian.insertBackup>[1]) {
    return guardian.insertBackup(this.pool, b);
  }
  getBackup(opts: { id: number }) {
    return guardian.getBackup(this.pool, opts.id);
  }
  listBackups(opts: Parameters<typeof guardian.listBackups>[1] = {}) {
    return guardian.listBackups(this.pool, opts);
  }
  setBackupChecksum(opts: { id: number; sha256: string; sizeBytes: number }) {
    return guardian.setBackupChecksum(this.pool, opts.id, opts.sha256, opts.sizeBytes);
  }
  setBackupVerification(opts: { id: number } & Parameters<typeof guardian.setBackupVerification>[2]) {
    return guardian.setBackupVerification(this.pool, opts.id, opts);
  }
  markBackupsPruned(opts: { ids: number[] }) {
    return guardian.markBackupsPruned(this.pool, opts.ids);
  }
  recordMigrationRun(r: Parameters<typeof guardian.insertMigrationRun>[1]) {
    return guardian.insertMigrationRun(this.pool, r);
  }
  lastFailedMigrationRun(opts: { databaseName: string }) {
    return guardian.lastFailedMigrationRun(this.pool, opts.databaseName);
  }
  /** Applied, pending and unknown migrations of this memory database. */
  migrationStatus(): Promise<MigrationStatus> {
    return migrationStatus(this.pool);
  }

  // Insights (DatabaseGuardian findings, learning-cycle results).
  recordObservations(opts: { insights: Insight[]; source: string; writeId: string; seenAt: Date }) {
    return insights.upsertObservations(this.pool, this.redact(opts.insights), opts);
  }
  resolveObservations(opts: {
    keyPrefix: string;
    seenKeys: string[];
    resolvedAt: Date;
    kinds: string[];
    exclude: boolean;
  }) {
    return insights.resolveObservations(this.pool, opts.keyPrefix, opts.seenKeys, opts.resolvedAt, opts);
  }
  recordWindowInsights(opts: {
    insights: Insight[];
    source: string;
    windowStart: Date;
    windowEnd: Date;
    writeId: string;
    memoryType?: insights.InsightMemoryType;
  }) {
    return insights.upsertWindowInsights(this.pool, this.redact(opts.insights), opts);
  }
  listInsights(opts: Parameters<typeof insights.listInsights>[1] = {}) {
    return insights.listInsights(this.pool, opts);
  }

  // Learning cycles.
  refreshAgentPerformance(w: { start: Date; end: Date }) {
    return learning.refreshAgentPerformance(this.pool, w.start, w.end);
  }
  capabilityPerformance(w: { start: Date; end: Date; agentIds?: string[]; capability?: string }) {
    return learning.capabilityPerformance(this.pool, w.start, w.end, w);
  }
  workHistoryPerformance(w: { start: Date; end: Date }) {
    return learning.workHistoryPerformance(this.pool, w.start, w.end);
  }
  signatureTrends(w: { start: Date; end: Date }) {
    return learning.signatureTrends(this.pool, w.start, w.end);
  }
  failingSignatures(opts: { end: Date; minCount: number }) {
    return learning.failingSignatures(this.pool, opts.end, opts.minCount);
  }
  recordCycleRun(r: Parameters<typeof learning.recordCycleRun>[1]) {
    return learning.recordCycleRun(this.pool, r);
  }
  listCycleRuns(opts: Parameters<typeof learning.listCycleRuns>[1] = {}) {
    return learning.listCycleRuns(this.pool, opts);
  }

  // Daily memory optimisation: each step moves at most `limit` rows; call until it returns 0.
  archiveEndedSessionEntries(w: { windowEnd: Date; windowKey: string; limit: number }) {
    return maintenance.archiveEndedSessionEntries(this.pool, w.windowEnd, w.windowKey, w.limit);
  }
  archiveEntriesExpiredBy(w: { windowEnd: Date; windowKey: string; limit: number }) {
    return maintenance.archiveEntriesExpiredBy(this.pool, w.windowEnd, w.windowKey, w.limit);
  }
  promoteEntries(w: { windowEnd: Date; windowKey: string; limit: number }) {
    return maintenance.promoteEntries(this.pool, w.windowEnd, w.windowKey, w.limit);
  }
  demoteEntries(w: { windowEnd: Date; windowKey: string; limit: number }) {
    return maintenance.demoteEntries(this.pool, w.windowEnd, w.windowKey, w.limit);
  }
  mergeDuplicateEntries(w: { windowEnd: Date; windowKey: string; limit: number }) {
    return maintenance.mergeDuplicateEntries(this.pool, w.windowEnd, w.windowKey, w.limit);
  }
  analyzeMemoryTables() {
    return maintenance.analyzeMemoryTables(this.pool);
  }
  maintenanceCounts(opts: { windowKey: string }) {
    return maintenance.maintenanceCounts(this.pool, opts.windowKey);
  }

  // Deployments (DeploymentManager).

  /** Opens the record of a deployment run; returns its id (the same id on a retry). */
  openDeployment(d: Parameters<typeof deployments.openDeployment>[1]) {
    return deployments.openDeployment(this.pool, d);
  }
  /** Earlier deployments of a target still running (see `earlierOpenDeployments`). */
  earlierOpenDeployments(opts: { target: string; deploymentId: number }) {
    return deployments.earlierOpenDeployments(this.pool, opts.target, opts.deploymentId);
  }
  recordDeploymentCommit(d: Parameters<typeof deployments.recordCommit>[1]) {
    return deployments.recordCommit(this.pool, d);
  }
  recordDeploymentRisk(d: Parameters<typeof deployments.recordRisk>[1]) {
    return deployments.recordRisk(this.pool, d);
  }
  recordDeploymentStep(d: { deploymentId: number; step: deployments.DeploymentStepRecord }) {
    return deployments.upsertDeploymentStep(this.pool, d.deploymentId, this.redact(d.step));
  }
  finishDeployment(d: Parameters<typeof deployments.finishDeployment>[1]) {
    return deployments.finishDeployment(this.pool, this.redact(d));
  }
  listDeployments(opts: Parameters<typeof deployments.listDeployments>[1] = {}) {
    return deployments.listDeployments(this.pool, opts);
  }
  /** The live and the previous good commit of a target, from its deployment records. */
  goodReleases(opts: { target: string }) {
    return deployments.goodReleases(this.pool, opts.target);
  }
  deploymentPast(opts: Parameters<typeof deployments.deploymentPast>[1]) {
    return deployments.deploymentPast(this.pool, opts);
  }

  /**
   * Records one SystemMonitor run: latest health per target, transitions as `system_event`
   * entries, failing targets as error events — atomically, keyed by `writeId`.
   */
  recordHealthChecks(opts: { results: HealthCheckResult[]; writeId: string }): Promise<RecordedHealth> {
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
    await this.pool.end();
  }
}
