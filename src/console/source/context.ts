/**
 * What the console's data source over today's pieces works with: the memory store's operator pool,
 * a {@link TenantScope} of its own (so a tenant's reads run under row-level security exactly as
 * the store's tenant paths do), the Temporal client, the configuration, and small caches for the
 * figures that would cost a scan on every page view.
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { BrainOpsConfig } from '../../../temporal.config';
import type { BrainOpsClient } from '../../client/brainops-client';
import type { MemoryStore } from '../../memory';
import type { Queryable } from '../../memory/entries';
import { TenantScope } from '../../memory/tenant-scope';
import { ConsoleError, type Viewer } from '../model';

/** Dependencies of the store-backed data source. */
export interface StoreSourceDeps {
  /** The process's memory store: its operator pool and search. */
  store: MemoryStore;
  /** Temporal: procedure runs, error-learning runs. */
  client: BrainOpsClient;
  config: BrainOpsConfig;
  logger: Logger;
  /** Connections kept for tenants' console reads. @defaultValue 4 */
  tenantPoolSize?: number;
}

/** How long a tenant's page waits for a database connection, ms. */
export const CONNECT_TIMEOUT_MS = 5000;

export class SourceContext {
  readonly tenants: TenantScope;
  /**
   * Figures cached per viewer scope (lru-cache's fetch with `allowStale`): a stale figure is served
   * at once while one refresh runs behind it, so only the very first view of a figure waits.
   */
  private readonly figures = new LRUCache<string, object, () => Promise<object>>({
    max: 1000,
    allowStale: true,
    noDeleteOnFetchRejection: true,
    fetchMethod: (_key, _stale, { context }) => context(),
  });

  constructor(readonly deps: StoreSourceDeps) {
    this.tenants = new TenantScope(
      {
        connectionString: deps.store.pool.options.connectionString,
        max: deps.tenantPoolSize ?? 4,
        // A page that cannot get a connection soon is answered 503 (busy), not left waiting.
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      },
      deps.logger,
    );
  }

  /** The operator's pool: every tenant, and the operator tables. */
  get pool(): Queryable {
    return this.deps.store.pool;
  }

  /**
   * Runs `work` as the viewer sees the database: under the tenant's row-level security for a
   * tenant, on the operator's pool for the operator.
   */
  asViewer<T>(v: Viewer, work: (db: Queryable) => Promise<T>): Promise<T> {
    return v.tenantId === null ? work(this.pool) : this.tenants.run(v.tenantId, work);
  }

  /** Throws `forbidden` unless the viewer is the operator. */
  requireOperator(v: Viewer, what: string): void {
    if (!v.operator) throw new ConsoleError('forbidden', `${what} is the operator's (an admin key's) to see and do`);
  }

  /** `compute()`'s value under `key`, refreshed when older than `maxAgeMs` (see {@link figures}). */
  async cached<T extends object>(key: string, maxAgeMs: number, compute: () => Promise<T>): Promise<T> {
    const value = await this.figures.fetch(key, { context: compute, ttl: maxAgeMs });
    return value as T;
  }

  close(): Promise<void> {
    return this.tenants.end();
  }
}
