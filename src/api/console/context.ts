/**
 * What the console operations share: the view a caller reads with (a tenant's key: its tenant,
 * under row-level security; the operator: every tenant, or the one it names), the input field of
 * that tenant, and a small cache for figures that would cost a scan on every page view.
 */
import { LRUCache } from 'lru-cache';
import { ownerId } from '../../contracts/memory';
import type { ConsoleView } from '../../memory/console';
import { isOperator, type Caller } from '../caller';

/** The tenant a console read is about: filled from a tenant's key; the operator may name one (none: every tenant). */
export const viewedTenant = ownerId.optional();

/** How `caller` reads: its tenant's view, or the operator's (narrowed to `tenantId` when it names one). */
export function viewOf(caller: Caller, tenantId: string | undefined): ConsoleView {
  if (isOperator(caller)) return { operator: true, tenantId: tenantId ?? null };
  return { operator: false, tenantId: caller.tenantId };
}

/** The key figures of a view are cached under. */
export const viewKey = (view: ConsoleView) => (view.operator ? `op:${view.tenantId ?? '*'}` : `t:${view.tenantId}`);

/**
 * Figures cached per view (lru-cache's fetch with `allowStale`): a stale figure is served at once
 * while one refresh runs behind it, so only the very first view of a figure waits.
 */
export class Figures {
  private readonly cache = new LRUCache<string, object, () => Promise<object>>({
    max: 1000,
    allowStale: true,
    noDeleteOnFetchRejection: true,
    fetchMethod: (_key, _stale, { context }) => context(),
  });

  /** `compute()`'s value under `key`, refreshed when older than `maxAgeMs`. */
  async get<T extends object>(key: string, maxAgeMs: number, compute: () => Promise<T>): Promise<T> {
    return (await this.cache.fetch(key, { context: compute, ttl: maxAgeMs })) as T;
  }
}
