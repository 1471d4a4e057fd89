/**
 * Memory entries: store (group-committed), retrieve (through the process's read-through cache,
 * every read counted in `access_count`), search, list, archive and stats. The `ephemeral` layer
 * lives in this process only, as that layer promises. Each call runs under the entry's tenant's
 * row-level security, or on the operator's pool for entries of no tenant. Inputs are parsed by
 * the edge that received them (`src/contracts/memory.ts`).
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { Embedder } from '../contracts/embedding';
import {
  expiryFor,
  type ListCursor,
  type MemoryEntry,
  type MemorySearchHit,
  type MemoryStats,
} from '../contracts/memory';
import type { MemoryCache } from './cache';
import type { Connections } from './connections';
import * as entries from './entries';
import type { Identity, ListInput, StoreInput } from './entries';
import { EntryWriteQueue } from './entry-writes';
import { Searcher, type RowReader } from './search';
import type { SearchInput } from './search/filters';

/** Entries the `ephemeral` layer keeps in this process at most. */
const EPHEMERAL_ENTRIES = 10_000;
/** How often cache hits are added to `access_count`, ms. */
const ACCESS_FLUSH_MS = 1000;

function cacheKey(identity: Identity): string {
  return JSON.stringify([
    identity.key,
    identity.scope,
    identity.tenantId,
    identity.userId,
    identity.sessionId,
    identity.agentId,
  ]);
}

export class EntryRepository {
  private readonly ephemeral = new LRUCache<string, MemoryEntry>({ max: EPHEMERAL_ENTRIES, ttlAutopurge: false });
  /** Cache hits waiting to be added to `access_count`, by entry id. */
  private pendingAccesses = new Map<string, number>();
  private readonly accessTimer: NodeJS.Timeout;
  /** Concurrent stores share statements (group commit). */
  private readonly writes: EntryWriteQueue;
  private readonly searcher: Searcher;

  constructor(
    private readonly db: Connections,
    private readonly cache: MemoryCache | undefined,
    private readonly logger: Logger,
    search: { embedder?: Embedder; maxCachedVectors?: number },
  ) {
    this.writes = new EntryWriteQueue((tenantId, work) => db.run(tenantId, work));
    this.searcher = new Searcher({ db: db.operator, ...search });
    this.accessTimer = setInterval(() => void this.flushAccesses(), ACCESS_FLUSH_MS);
    this.accessTimer.unref();
  }

  /**
   * Inserts or replaces an entry (upsert on key + scope + owners), redacted. The layer's TTL
   * applies unless `expiresAt` is given.
   * @throws StaleWriteError when `expectedVersion` does not match.
   */
  async store(input: StoreInput): Promise<MemoryEntry> {
    const parsed = this.db.redact(input);
    const expiresAt = expiryFor(parsed.layer, parsed.expiresAt);
    if (parsed.layer === 'ephemeral') return this.storeEphemeral(parsed, expiresAt!);
    const entry =
      parsed.expectedVersion === undefined
        ? await this.writes.write(parsed, expiresAt)
        : await this.db.run(parsed.tenantId, (q) => entries.upsertEntry(q, parsed, expiresAt));
    this.cache?.delete(cacheKey(parsed));
    return entry;
  }

  private storeEphemeral(input: StoreInput, expiresAt: Date): MemoryEntry {
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
   */
  async retrieve(identity: Identity): Promise<MemoryEntry | null> {
    const key = cacheKey(identity);
    const ephemeral = this.ephemeral.get(key);
    if (ephemeral) return ephemeral;
    const cached = this.cache?.get(key);
    if (cached) {
      this.pendingAccesses.set(cached.id, (this.pendingAccesses.get(cached.id) ?? 0) + 1);
      return cached;
    }
    const token = this.cache?.readToken() ?? 0;
    const entry = await this.db.run(identity.tenantId, (q) => entries.selectEntry(q, identity, { live: true }));
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
   */
  search(input: SearchInput): Promise<MemorySearchHit[]> {
    const tenantId = input.tenantId;
    const readRows: RowReader | undefined = tenantId === undefined ? undefined : (work) => this.db.run(tenantId, work);
    return this.searcher.search(input, readRows);
  }

  /** Entries newest first, filtered (no text query). */
  list(input: ListInput): Promise<MemoryEntry[]> {
    return this.db.run(input.tenantId, (q) => entries.listEntries(q, input));
  }

  /**
   * One page of entries, newest first (`updatedAt`, then `id`), and the cursor of the next page
   * (absent on the last one).
   */
  page(input: ListInput): Promise<{ entries: MemoryEntry[]; nextCursor?: ListCursor }> {
    return this.db.run(input.tenantId, (q) => entries.listEntryPage(q, input));
  }

  /**
   * Forgets the entry with this identity: deletes it (not an archive), the archived copies of the
   * same identity, their versions, embeddings and layer-change history, and drops it from this
   * process's caches. Returns whether there was anything to delete.
   */
  async delete(identity: Identity): Promise<boolean> {
    const key = cacheKey(identity);
    const ephemeral = this.ephemeral.delete(key);
    this.cache?.delete(key);
    const deleted = await this.db.run(identity.tenantId, (q) => entries.deleteEntry(q, identity));
    // A read that started before the delete may have put the entry back: drop it again.
    this.cache?.delete(key);
    await entries.deleteLayerChanges(this.db.operator, deleted.ids);
    return ephemeral || deleted.entries + deleted.archived > 0;
  }

  /** Moves the entry to the archive (reason default `deleted`). Returns false when there was none. */
  async archive(identity: Identity & { reason?: string }): Promise<boolean> {
    const key = cacheKey(identity);
    this.cache?.delete(key);
    if (this.ephemeral.delete(key)) return true;
    return this.db.run(identity.tenantId, (q) => entries.archiveEntry(q, identity, identity.reason ?? 'deleted'));
  }

  /** Moves up to `limit` expired entries to the archive (operator work, every tenant). */
  archiveExpired(opts: { limit?: number } = {}): Promise<number> {
    return entries.archiveExpiredEntries(this.db.operator, opts.limit ?? 10_000);
  }

  /** Counts per layer, priority and type; active sessions, tenants, accesses; cache figures. */
  async stats(opts: { tenantId?: string } = {}): Promise<MemoryStats> {
    const counts = await this.db.run(opts.tenantId, (q) => entries.entryStats(q, opts.tenantId));
    return { ...counts, cache: { size: this.cache?.size ?? 0, ...this.cacheCounters() } };
  }

  /**
   * Reads this process's read-through cache has served and missed so far. Synchronous: a caller
   * that reads it just before and after calling `retrieve` (which consults the cache before its
   * first await) learns whether that read was a hit.
   */
  cacheCounters(): { hits: number; misses: number } {
    return { hits: this.cache?.hits ?? 0, misses: this.cache?.misses ?? 0 };
  }

  private async flushAccesses(): Promise<void> {
    if (this.pendingAccesses.size === 0) return;
    const batch = this.pendingAccesses;
    this.pendingAccesses = new Map();
    try {
      await entries.addAccesses(this.db.operator, [...batch.keys()], [...batch.values()]);
    } catch (error) {
      this.logger.warn({ err: error, entries: batch.size }, 'could not record cached memory accesses');
    }
  }

  /** Stops the access timer and records the accesses still waiting. */
  async close(): Promise<void> {
    clearInterval(this.accessTimer);
    await this.flushAccesses();
  }
}
