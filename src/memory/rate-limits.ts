/**
 * Rate-limit counters shared by every API server over the database (table `rate_limits`): a
 * fixed-window count per key, added to in one upsert per request, so a key's limit holds however
 * many servers answer it. Windows that have ended are deleted by {@link RateLimitStore.prune}.
 */
import type { Queryable } from './connections';

/** A key's count in its window after a hit. */
export interface WindowCount {
  /** Units counted in the window, this hit's included. */
  count: number;
}

/** The `rate_limits` table. */
export class RateLimitStore {
  constructor(private readonly db: Queryable) {}

  /**
   * Adds `cost` units (≥ 1) to `key`'s count in the window starting at `windowStart`, in one
   * statement (two servers adding at once each see the other's units). Returns the new count.
   */
  async hit(key: string, windowStart: Date, cost = 1): Promise<WindowCount> {
    const result = await this.db.query<{ count: number }>(
      `insert into rate_limits (window_start, key, count) values ($1, $2, $3)
       on conflict (window_start, key) do update set count = rate_limits.count + excluded.count
       returning count`,
      [windowStart, key, cost],
    );
    return { count: result.rows[0]!.count };
  }

  /** Deletes the counts of windows that started before `before`. Returns the rows deleted. */
  async prune(before: Date): Promise<number> {
    const result = await this.db.query(`delete from rate_limits where window_start < $1`, [before]);
    return result.rowCount ?? 0;
  }
}
