/**
 * The series `/metrics` reads from the database: embeddings waiting for the catch-up, error events
 * of the last 24 hours by status, the auto-resolved share of the last 7 days, procedure compliance
 * of the last 24 hours per version, and how long the latest learning cycles took. They are
 * database-wide (the same in every process). Each scrape serves the last reading and, when it is
 * older than {@link READING_MAX_AGE_MS}, starts one new reading behind it (lru-cache's fetch with
 * `allowStale`), so a scrape never waits on the database but for the very first one.
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { complianceRate, share } from '../domain/operations-figures';
import type { MemoryStore } from '../memory';
import type { BrainOpsMetrics } from './registry';

/** How old a reading may be before a scrape starts a new one, ms. */
export const READING_MAX_AGE_MS = 10_000;
const DAY_MS = 86_400_000;
const STATUSES = ['open', 'escalated', 'resolved', 'ignored'] as const;

interface Reading {
  pending: { entries: number; messages: number } | null;
  errors: Record<string, number>;
  resolved: { resolved: number; auto: number };
  compliance: { procedure: string; version: number; rate: number | null }[];
  cycles: { cycle: string; durationMs: number | null; completedAt: Date }[];
}

async function read(store: MemoryStore): Promise<Reading> {
  const end = new Date();
  const model = store.embedder?.model;
  const [pending, errors, resolved, compliance, cycles] = await Promise.all([
    model ? store.metrics.embeddingsPending({ model }) : Promise.resolve(null),
    store.metrics.errorEventsByStatus({ hours: 24 }),
    store.metrics.resolvedErrors({ days: 7 }),
    store.procedures.compliance({ start: new Date(end.getTime() - DAY_MS), end }),
    store.metrics.latestCycleRuns(),
  ]);
  return {
    pending,
    errors,
    resolved,
    compliance: compliance.map((c) => ({ procedure: c.procedure, version: c.version, rate: complianceRate(c) })),
    cycles,
  };
}

/**
 * Registers the database-backed series on `metrics`, read through `store.metrics` (the operator's
 * pool: these are figures across tenants). The embedding backlog is counted for the store's
 * embedder's model (none: embeddings are off and the series is absent).
 */
export function registerDatabaseGauges(metrics: BrainOpsMetrics, opts: { store: MemoryStore; logger: Logger }): void {
  const readings = new LRUCache<'db', Reading>({
    max: 1,
    ttl: READING_MAX_AGE_MS,
    allowStale: true,
    noDeleteOnFetchRejection: true,
    fetchMethod: () => read(opts.store),
  });
  metrics.onCollect(async () => {
    let r: Reading | undefined;
    try {
      r = await readings.fetch('db');
    } catch (error) {
      metrics.databaseReadErrors.inc();
      opts.logger.warn({ err: error }, 'could not read the database-backed metrics');
    }
    if (!r) return;
    if (r.pending) {
      metrics.embeddingsPending.set({ source: 'entries' }, r.pending.entries);
      metrics.embeddingsPending.set({ source: 'messages' }, r.pending.messages);
    }
    for (const status of STATUSES) metrics.errorEvents.set({ status }, r.errors[status] ?? 0);
    metrics.autoResolvedShare.set(share(r.resolved.auto, r.resolved.resolved) ?? Number.NaN);
    metrics.errorsResolved.set({ by: 'automation' }, r.resolved.auto);
    metrics.errorsResolved.set({ by: 'person' }, r.resolved.resolved - r.resolved.auto);
    metrics.procedureCompliance.reset();
    for (const c of r.compliance)
      if (c.rate !== null)
        metrics.procedureCompliance.set({ procedure: c.procedure, version: String(c.version) }, c.rate);
    for (const c of r.cycles) {
      if (c.durationMs !== null) metrics.learningCycleDuration.set({ cycle: c.cycle }, c.durationMs / 1000);
      metrics.learningCycleCompleted.set({ cycle: c.cycle }, new Date(c.completedAt).getTime() / 1000);
    }
  });
}
