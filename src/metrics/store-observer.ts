/**
 * Counts what a memory store does in this process: entries stored (by layer), searches (by mode,
 * with their duration), session messages persisted (by outcome), and its read-through cache's hits
 * and misses and its pool's connections (read at each scrape). The repositories have no event
 * hooks, so the instance's `store.entries.store`, `store.entries.search` and
 * `store.sessions.appendMessage` / `addMessages` are wrapped once — every caller (the API for HTTP, MCP, the CLI and
 * the console; activities) goes through them, which an operation-level count would miss for
 * activities. A store already observed is left as it is.
 */
import type { MemoryStore } from '../memory';
import type { BrainOpsMetrics } from './registry';

const observed = new WeakSet<MemoryStore>();

/** Wraps `store`'s writes, searches and message appends to count them in `metrics`, once per store. */
export function observeStore(metrics: BrainOpsMetrics, store: MemoryStore): void {
  if (observed.has(store)) return;
  observed.add(store);

  const entries = store.entries;
  const store_ = entries.store.bind(entries);
  entries.store = async (input) => {
    const entry = await store_(input);
    metrics.memoryWrites.inc({ layer: entry.layer });
    return entry;
  };

  const search = entries.search.bind(entries);
  entries.search = async (input) => {
    const end = metrics.searchDuration.startTimer({ mode: input.mode ?? 'natural' });
    try {
      return await search(input);
    } finally {
      end();
      metrics.memorySearches.inc({ mode: input.mode ?? 'natural' });
    }
  };

  const sessions = store.sessions;
  const count = (r: { status: string } | Error) => {
    if (!(r instanceof Error)) metrics.sessionMessages.inc({ outcome: r.status });
  };
  const appendOne = sessions.appendMessage.bind(sessions);
  sessions.appendMessage = async (input) => {
    const result = await appendOne(input);
    count(result);
    return result;
  };
  const appendBatch = sessions.addMessages.bind(sessions);
  sessions.addMessages = async (input) => {
    const results = await appendBatch(input);
    results.forEach(count);
    return results;
  };

  // The cache counts for itself; its counters are carried over as increments at each scrape.
  let seen = entries.cacheCounters();
  metrics.onCollect(() => {
    const now = entries.cacheCounters();
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
