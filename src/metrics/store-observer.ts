/**
 * Counts what a memory store does in this process: entries stored (by layer), searches (by mode,
 * with their duration), session messages persisted (by outcome), and its read-through cache's hits
 * and misses and its pool's connections (read at each scrape). The store has no event hooks, so its
 * instance's `store`, `search` and `appendMessages` are wrapped once — every caller (API, MCP,
 * activities) goes through them. A store already observed is left as it is.
 */
import type { MemoryStore } from '../memory';
import type { BrainOpsMetrics } from './registry';

const observed = new WeakSet<MemoryStore>();

export function observeStore(metrics: BrainOpsMetrics, store: MemoryStore): void {
  if (observed.has(store)) return;
  observed.add(store);

  const store_ = store.store.bind(store);
  store.store = async (input) => {
    const entry = await store_(input);
    metrics.memoryWrites.inc({ layer: entry.layer });
    return entry;
  };

  const search = store.search.bind(store);
  store.search = async (input) => {
    const end = metrics.searchDuration.startTimer({ mode: input.mode ?? 'natural' });
    try {
      return await search(input);
    } finally {
      end();
      metrics.memorySearches.inc({ mode: input.mode ?? 'natural' });
    }
  };

  const append = store.appendMessages.bind(store);
  store.appendMessages = async (input) => {
    const result = await append(input);
    if (result.inserted) metrics.sessionMessages.inc({ outcome: 'stored' }, result.inserted);
    if (result.duplicates.length) metrics.sessionMessages.inc({ outcome: 'duplicate' }, result.duplicates.length);
    if (result.conflicts.length) metrics.sessionMessages.inc({ outcome: 'conflict' }, result.conflicts.length);
    return result;
  };

  // The cache counts for itself; its counters are carried over as increments at each scrape.
  let seen = store.cacheCounters();
  metrics.onCollect(() => {
    const now = store.cacheCounters();
    if (now.hits > seen.hits) metrics.cacheLookups.inc({ result: 'hit' }, now.hits - seen.hits);
    if (now.misses > seen.misses) metrics.cacheLookups.inc({ result: 'miss' }, now.misses - seen.misses);
    seen = now;
    const pool = store.pool;
    metrics.poolConnections.set({ pool: 'memory', state: 'total' }, pool.totalCount);
    metrics.poolConnections.set({ pool: 'memory', state: 'idle' }, pool.idleCount);
    metrics.poolConnections.set({ pool: 'memory', state: 'waiting' }, pool.waitingCount);
  });
  // Present from the first scrape, before anything happened.
  metrics.cacheLookups.inc({ result: 'hit' }, 0);
  metrics.cacheLookups.inc({ result: 'miss' }, 0);
  metrics.memorySearches.inc({ mode: 'natural' }, 0);
  metrics.sessionMessages.inc({ outcome: 'stored' }, 0);
}
