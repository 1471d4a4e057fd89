/**
 * The API's limits against abuse, transport-free: a rate limit per API key shared by every server
 * over the memory database (a fixed one-minute window counted in the `rate_limits` table, units
 * reserved a block per upsert), and a budget of authentication failures per client address kept in this
 * process (unknown or malformed keys: beyond it the address is refused before any key look-up).
 * The failure budget is per process on purpose: counting a failure in the database would be the
 * database work the budget exists to spare, and N servers allow N budgets of a few requests.
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { MemoryStore } from '../memory';

/** The window of both limits, ms. */
export const LIMIT_WINDOW_MS = 60_000;

/** Addresses whose failures are remembered at once; the least recently failing are forgotten first. */
const MAX_ADDRESSES = 100_000;

/** A key's standing after a request was counted. */
export interface RateVerdict {
  /** Units a key may spend per window. */
  limit: number;
  /** Units left in this window (0 when exceeded). */
  remaining: number;
  /** Seconds until the window ends (what `Retry-After` says when refused). */
  resetSeconds: number;
  /** Whether this request fits in the limit. */
  allowed: boolean;
}

/** What a process holds of a key's window: units it reserved in the shared count and has not spent yet. */
interface Allowance {
  /** Start of the window (ms). */
  start: number;
  /** Reserved units not spent yet. */
  left: number;
  /** The shared count after this process's last reservation. */
  count: number;
  /** A reservation under way: other requests of the key wait for it instead of reserving too. */
  pending?: Promise<void>;
}

/**
 * Requests per minute per API key, counted in the database so every server over it shares them.
 * A process reserves units in blocks (a twentieth of the limit, at most 100; one unit for limits
 * under 40) with one upsert, and spends them without a statement: the shared count never passes the
 * limit's grants, and it costs one statement per block instead of one per request. The price: units
 * a process reserved and did not spend are spent for the others, so with N servers a key may be
 * refused up to N blocks early. Windows are fixed (aligned to the minute), so a key may spend up to
 * twice its limit across a window's edge; each process deletes ended windows the first time it
 * counts in a new one.
 */
export class KeyRateLimit {
  private prunedUpTo = 0;
  private readonly allowances = new LRUCache<string, Allowance>({ max: MAX_ADDRESSES });
  private readonly block: number;

  /** `perMinute`: units per key per minute; 0: no limit. */
  constructor(
    private readonly store: () => Promise<MemoryStore>,
    private readonly perMinute: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.block = Math.max(1, Math.min(100, Math.floor(perMinute / 20)));
  }

  /**
   * Counts `cost` units (≥ 1) for `keyId`; undefined when there is no limit.
   * @throws Error of the database when it cannot count (the request fails rather than go uncounted).
   */
  async take(keyId: string, cost = 1): Promise<RateVerdict | undefined> {
    if (this.perMinute <= 0) return undefined;
    const now = this.now();
    const start = now - (now % LIMIT_WINDOW_MS);
    const resetSeconds = Math.max(1, Math.ceil((start + LIMIT_WINDOW_MS - now) / 1000));
    const verdict = (allowance: Allowance, allowed: boolean): RateVerdict => ({
      limit: this.perMinute,
      remaining: allowed ? Math.max(0, this.perMinute - allowance.count + allowance.left) : 0,
      resetSeconds,
      allowed,
    });
    let allowance = this.allowances.get(keyId);
    if (allowance?.start !== start) this.allowances.set(keyId, (allowance = { start, left: 0, count: 0 }));
    // Requests that arrive while a reservation is under way wait for it, then spend from it.
    while (allowance.pending) await allowance.pending;
    if (allowance.left < cost) {
      // A key over its limit stays over it until the window ends: a flood of its requests costs no statement.
      if (allowance.count >= this.perMinute) return verdict(allowance, false);
      allowance.pending = this.reserve(keyId, allowance, Math.max(cost, this.block)).finally(() => {
        allowance.pending = undefined;
      });
      await allowance.pending;
      if (allowance.left < cost) return verdict(allowance, false);
    }
    allowance.left -= cost;
    return verdict(allowance, true);
  }

  /** Adds `units` to the shared count of `allowance`'s window and keeps what fits in the limit. */
  private async reserve(keyId: string, allowance: Allowance, units: number): Promise<void> {
    const store = await this.store();
    const { count } = await store.rateLimits.hit(keyId, new Date(allowance.start), units);
    allowance.count = count;
    allowance.left += Math.max(0, Math.min(units, this.perMinute - (count - units)));
    if (allowance.start > this.prunedUpTo) {
      this.prunedUpTo = allowance.start;
      // The previous window is kept for servers whose clocks are a little behind.
      store.rateLimits
        .prune(new Date(allowance.start - LIMIT_WINDOW_MS))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'rate limit: ended windows not deleted'));
    }
  }
}

/**
 * The address a client's failures are counted under: an IPv4 address itself (also written as
 * IPv4-mapped IPv6), an IPv6 address's /64 network — one subscriber is commonly given a whole /64,
 * so counting single IPv6 addresses would let one client try 2^64 times as many keys.
 */
export function addressGroup(address: string): string {
  const ip = address.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+/, '') || '0')
    .join(':')}::/64`;
}

/**
 * Authentication failures per client address in this process: `perMinute` per address (an IPv6
 * address's /64, see {@link addressGroup}) and window (which starts at the address's first
 * failure). A key to be looked up is counted before its look-up and refunded when it proves good,
 * so many requests at once cannot all pass the budget while their look-ups are under way.
 */
export class AuthFailureBudget {
  private readonly failures = new LRUCache<string, { count: number; since: number }>({ max: MAX_ADDRESSES });

  /** `perMinute`: failures per address per minute; 0: no budget. */
  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts a (possible) failure of `address`: 0 when it was within its budget, else the seconds
   * it must wait (and nothing is counted).
   */
  take(address: string): number {
    if (this.perMinute <= 0) return 0;
    const now = this.now();
    const group = addressGroup(address);
    const seen = this.failures.get(group);
    if (!seen || seen.since + LIMIT_WINDOW_MS <= now) {
      this.failures.set(group, { count: 1, since: now });
      return 0;
    }
    if (seen.count >= this.perMinute) return Math.max(1, Math.ceil((seen.since + LIMIT_WINDOW_MS - now) / 1000));
    seen.count++;
    return 0;
  }

  /** Gives back what {@link AuthFailureBudget.take} counted for a key that proved good. */
  refund(address: string): void {
    const seen = this.failures.get(addressGroup(address));
    if (seen && seen.count > 0) seen.count--;
  }
}
